import { CodedError } from "@gridlease/sdk/errors";

/** Base of the indexer's errors with a sentence for the operator (a deep reorg, a moved cursor, an event it cannot apply). */
export abstract class IndexerError extends CodedError {}
