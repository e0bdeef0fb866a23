import { keccak256, stringToHex } from "viem";
import { CLOSE_REASON, LEASE_STATUS, OFFER_STATUS, PROVIDER_STATUS } from "./enums.generated";

/**
 * Protocol facts every package needs, defined once. Safe for the browser bundle (no Node imports) and
 * loadable by the Hardhat tests, whose ts-node compiles packages/sdk as CommonJS (`moduleTypes` in the
 * root tsconfig.json). The enum member lists are generated from the contracts (enums.generated.ts via
 * `pnpm gen:sdk`), so a new lease status or close reason reaches every import without a hand edit.
 */
export * from "./enums.generated";

/** `{ None: 0, Pending: 1, … }` typed with each member's literal value, like a TypeScript enum. */
export type EnumObject<T extends readonly string[]> = {
  readonly [I in keyof T as I extends `${number}` ? T[I] & string : never]: I extends `${infer N extends number}` ? N : never;
};

export function enumObject<const T extends readonly string[]>(names: T): EnumObject<T> {
  return Object.freeze(Object.fromEntries(names.map((name, index) => [name, index]))) as EnumObject<T>;
}

/**
 * The member name of an on-chain enum value. Throws on a value the contracts do not define (a newer
 * contract than this build), rather than writing "undefined" somewhere.
 */
export function enumName<const T extends readonly string[]>(names: T, value: number | bigint, what = "enum"): T[number] {
  const name = names[Number(value)];
  if (name === undefined) throw new Error(`Unknown ${what} value ${value}: this build knows ${names.join(", ")}; regenerate the sdk (pnpm gen:sdk).`);
  return name;
}

export const LeaseStatus = enumObject(LEASE_STATUS);
export type LeaseStatus = (typeof LeaseStatus)[keyof typeof LeaseStatus];
export type LeaseStatusName = (typeof LEASE_STATUS)[number];

export const CloseReason = enumObject(CLOSE_REASON);
export type CloseReason = (typeof CloseReason)[keyof typeof CloseReason];
export type CloseReasonName = (typeof CLOSE_REASON)[number];

export const OfferStatus = enumObject(OFFER_STATUS);
export type OfferStatus = (typeof OfferStatus)[keyof typeof OfferStatus];
export type OfferStatusName = (typeof OFFER_STATUS)[number];

export const ProviderStatus = enumObject(PROVIDER_STATUS);
export type ProviderStatus = (typeof ProviderStatus)[keyof typeof ProviderStatus];
export type ProviderStatusName = (typeof PROVIDER_STATUS)[number];

/** Every status but `None`: the ones a stored lease (database, API) can have. */
export const STORED_LEASE_STATUSES = LEASE_STATUS.filter((s): s is Exclude<LeaseStatusName, "None"> => s !== "None");

/** OpenZeppelin AccessControl role ids, as the contracts compute them (`keccak256("ARBITER_ROLE")`). */
export const ARBITER_ROLE = keccak256(stringToHex("ARBITER_ROLE"));
export const PAUSER_ROLE = keccak256(stringToHex("PAUSER_ROLE"));

/** EIP-2612 `Permit` typed-data types: the renter signs one so the escrow can pull the deposit. */
export const PERMIT_TYPES = {
  Permit: [
    { name: "owner", type: "address" },
    { name: "spender", type: "address" },
    { name: "value", type: "uint256" },
    { name: "nonce", type: "uint256" },
    { name: "deadline", type: "uint256" },
  ],
} as const;

/**
 * The local development chain's mnemonic (Hardhat's and anvil's default). It is public, so anything
 * derived from it must never hold value: callers refuse its accounts on any chain but LOCAL_CHAIN_ID.
 */
export const HARDHAT_MNEMONIC = "test test test test test test test test test test test junk";
export const LOCAL_CHAIN_ID = 31337;
