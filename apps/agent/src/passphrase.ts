// Shared with the renter CLI (apps/cli): it lives in the SDK.
export * from "@gridlease/sdk/passphrase";
