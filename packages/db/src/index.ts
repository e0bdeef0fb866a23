export { startEmbeddedPostgres, type EmbeddedPostgresOptions, type RunningPostgres } from "./embedded";
export { runMigrations, checkDatabase, connectionErrorMessage, MIGRATIONS_DIR } from "./migrate";
export { getPrisma, getPool, closeDatabaseClients } from "./client";
export * from "./search";
export { insertSyntheticOffers, type SyntheticOffersOptions } from "./synthetic";
export * from "./queries";
export * from "./heartbeats";
