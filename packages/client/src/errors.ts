import { CodedError } from "@gridlease/sdk/errors";

/** Base of @gridlease/client's errors (GridleaseApiError: an API answer other than 2xx; TxError: a refused transaction). */
export abstract class ClientError extends CodedError {}
