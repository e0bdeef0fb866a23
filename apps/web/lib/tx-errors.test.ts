import { describe, expect, it } from "vitest";
import { ContractFunctionExecutionError, ContractFunctionRevertedError, encodeErrorResult, UserRejectedRequestError } from "viem";
import type { Abi, AbiParameter } from "viem";
import { leaseEscrowAbi, mockUsdcAbi, providerRegistryAbi } from "./contracts";
import { describeTxError, isContractError } from "./tx-errors";

type AbiError = Extract<Abi[number], { type: "error" }>;

const escrow = "0x9fE46736679d2D9a65F0992F2272dE9f3c7fa6e0";

/** The error viem throws when a simulated call reverts with `data` (what wagmi's simulateContract rethrows). */
function reverted(data: `0x${string}`, abi = leaseEscrowAbi) {
  const cause = new ContractFunctionRevertedError({ abi, data, functionName: "book" });
  return new ContractFunctionExecutionError(cause, { abi, functionName: "book", args: [], contractAddress: escrow });
}

describe("describeTxError", () => {
  it("turns an escrow custom error into a sentence with the amounts in USDC", () => {
    const data = encodeErrorResult({ abi: leaseEscrowAbi, errorName: "PriceAboveMax", args: [3_000_000n, 2_500_000n] });
    expect(describeTxError(reverted(data))).toBe(
      "The price rose to 3 USDC per GPU-hour, above the 2.5 USDC you accepted. Review the new price and book again.",
    );
  });

  it("decodes a token error that bubbled up through the escrow, which the escrow's ABI does not know", () => {
    const data = encodeErrorResult({ abi: mockUsdcAbi, errorName: "ERC20InsufficientBalance", args: [escrow, 1_000_000n, 5_000_000n] });
    expect(describeTxError(reverted(data))).toBe("Your token balance of 1 USDC is less than the 5 USDC needed.");
  });

  it("names the lease state for WrongStatus", () => {
    const data = encodeErrorResult({ abi: leaseEscrowAbi, errorName: "WrongStatus", args: [7n, 4] });
    expect(describeTxError(reverted(data))).toBe("Lease #7 is closed, so this action is not possible now.");
  });

  it("explains a wallet rejection and falls back to viem's short message otherwise", () => {
    const rejection = new ContractFunctionExecutionError(new UserRejectedRequestError(new Error("User denied")), {
      abi: leaseEscrowAbi,
      functionName: "book",
      args: [],
      contractAddress: escrow,
    });
    expect(describeTxError(rejection)).toBe("You rejected the request in your wallet.");
    expect(describeTxError(new Error("socket hang up"))).toBe("socket hang up");
  });

  it("has a sentence for every custom error of the registry and the escrow (contracts v2 included)", () => {
    const sample = (param: AbiParameter): unknown =>
      param.type === "address"
        ? escrow
        : param.type === "string"
          ? "feeBps"
          : param.type === "bool"
            ? true
            : param.type.startsWith("bytes")
              ? `0x${"00".repeat(32)}`
              : 1n;
    const errors = ([...providerRegistryAbi, ...leaseEscrowAbi] as Abi).filter((item): item is AbiError => item.type === "error");
    const missing = errors.filter((error) => {
      const data = encodeErrorResult({ abi: [error], errorName: error.name, args: error.inputs.map(sample) } as never);
      return describeTxError(reverted(data, [...providerRegistryAbi, ...leaseEscrowAbi] as never)).startsWith("The contract refused");
    });
    expect(missing.map((error) => error.name)).toEqual([]);
  });

  it("explains the v2 errors with their numbers", () => {
    const cap = encodeErrorResult({ abi: leaseEscrowAbi, errorName: "SlashAboveCap", args: [3n, 60_000_000n, 50_000_000n] });
    expect(describeTxError(reverted(cap))).toBe("A slash of 60 USDC on lease #3 is above its per-lease cap of 50 USDC.");
    const gone = encodeErrorResult({ abi: leaseEscrowAbi, errorName: "OfferNotBookable", args: [9n] });
    expect(describeTxError(reverted(gone))).toBe("Offer #9 is no longer on sale, so the lease cannot be extended; book another offer instead.");
  });
});

describe("isContractError", () => {
  it("recognises the booking's price-guard refusal, so the offer page reloads the new price", () => {
    const guard = reverted(encodeErrorResult({ abi: leaseEscrowAbi, errorName: "PriceAboveMax", args: [3_000_000n, 2_500_000n] }));
    expect(isContractError(guard, "PriceAboveMax")).toBe(true);
    const other = reverted(encodeErrorResult({ abi: leaseEscrowAbi, errorName: "WrongStatus", args: [7n, 4] }));
    expect(isContractError(other, "PriceAboveMax")).toBe(false);
    expect(isContractError(new Error("PriceAboveMax"), "PriceAboveMax")).toBe(false);
  });
});
