import { CodedError } from "@gridlease/sdk/errors";

/** Base of @gridlease/db's expected errors: refused signed requests (heartbeats), bad search cursors. */
export abstract class DbError extends CodedError {}
