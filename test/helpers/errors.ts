import { getAddress, isAddress } from "viem";

export type ErrorArg = bigint | number | boolean | string | readonly ErrorArg[];

/**
 * The text the Hardhat node writes into a reverted call's message for a custom error, name and every
 * argument: `customError("NotRenter", 1n, account)` is `custom error 'NotRenter(1, "0xAbC…")'`. Pass it
 * to chai-as-promised's `rejectedWith`, which looks for it in the message; the quotes around it make a
 * name-only or wrong-argument match impossible (`WrongStatus(1, 2)` does not match `WrongStatus(1, 3)`
 * nor `WrongStatus(11, 2)`).
 *
 * Arguments are written as Hardhat writes them: integers and enums in decimal, addresses checksummed and
 * quoted, other strings and byte strings (lower-case hex) quoted, arrays in brackets.
 */
export function customError(name: string, ...args: ErrorArg[]): string {
  return `custom error '${name}(${args.map(formatArg).join(", ")})'`;
}

function formatArg(value: ErrorArg): string {
  if (Array.isArray(value)) return `[${value.map(formatArg).join(", ")}]`;
  if (typeof value === "string") return `"${isAddress(value, { strict: false }) ? getAddress(value) : value}"`;
  return String(value);
}
