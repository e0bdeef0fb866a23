/**
 * Read models behind the public API, one module per entity: offers.ts, providers.ts, leases.ts,
 * disputes.ts, stats.ts (params.ts: the request parameters they share). Plain SQL over the shared pool:
 * every answer is one or two indexed queries, and amounts come back as exact decimal strings. This
 * module only gathers them for `@gridlease/db/queries` importers.
 */
export * from "./params";
export * from "./offers";
export * from "./providers";
export * from "./leases";
export * from "./disputes";
export * from "./stats";
