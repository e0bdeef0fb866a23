import { describe, expect, it } from "vitest";
import { ContractFunctionExecutionError, ContractFunctionRevertedError, encodeErrorResult, UserRejectedRequestError } from "viem";
import { leaseEscrowAbi, mockUsdcAbi } from "./contracts";
import { describeTxError, isContractError } from "./tx-errors";

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
      abi: leaseEscrowAbi, functionName: "book", args: [], contractAddress: escrow,
    });
    expect(describeTxError(rejection)).toBe("You rejected the request in your wallet.");
    expect(describeTxError(new Error("socket hang up"))).toBe("socket hang up");
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
