import { freePort } from "@gridlease/sdk/local-chain";

export { freePort };
export { startTempPostgres } from "../src/embedded";
