// The key file lives in the SDK since the renter CLI (apps/cli) uses the same format; the agent's
// modules keep importing it from here.
export * from "@gridlease/sdk/keyfile";
