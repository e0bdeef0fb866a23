import { describe, expect, it } from "vitest";
import { ContractFunctionExecutionError, ContractFunctionRevertedError, encodeErrorResult } from "viem";
import type { Abi, AbiParameter } from "viem";
import { leaseEscrowAbi, leaseLivenessAbi, leaseTopUpsAbi } from "./contracts.generated";
import { describeTxError } from "./tx-errors";

type AbiError = Extract<Abi[number], { type: "error" }>;
const topUps = "0x0DCd1Bf9A1b36cE34237eEaFef220932846BCD82";

/** The error viem throws when a simulated topUp reverts with `data`. */
function reverted(data: `0x${string}`) {
  const cause = new ContractFunctionRevertedError({ abi: leaseTopUpsAbi, data, functionName: "topUp" });
  return new ContractFunctionExecutionError(cause, { abi: leaseTopUpsAbi, functionName: "topUp", args: [], contractAddress: topUps });
}

describe("describeTxError for LeaseTopUps", () => {
  it("has a sentence for every custom error of LeaseTopUps", () => {
    const sample = (param: AbiParameter): unknown =>
      param.type === "address" ? topUps : param.type === "string" ? "maxTotalSpend" : param.type === "uint8" ? 2 : 1n;
    const errors = (leaseTopUpsAbi as Abi).filter((item): item is AbiError => item.type === "error");
    expect(errors.length).toBeGreaterThanOrEqual(11);
    const missing = errors.filter((error) => {
      const data = encodeErrorResult({ abi: [error], errorName: error.name, args: error.inputs.map(sample) } as never);
      return describeTxError(reverted(data)).startsWith("The contract refused");
    });
    expect(missing.map((error) => error.name)).toEqual([]);
  });

  it("names the renter's limits with their numbers", () => {
    const cap = encodeErrorResult({ abi: leaseTopUpsAbi, errorName: "SpendCapReached", args: [4n, 4_000_000n, 2_000_000n] });
    expect(describeTxError(reverted(cap))).toBe("The auto top-up cap of lease #4 is reached: 2 USDC is left, one more hour costs 4 USDC.");
    const price = encodeErrorResult({ abi: leaseTopUpsAbi, errorName: "PriceAboveLimit", args: [4n, 3_500_000n, 3_000_000n] });
    expect(describeTxError(reverted(price))).toBe("The offer of lease #4 now costs 3.5 USDC per GPU-hour, above the renter's auto top-up limit of 3 USDC.");
    const early = encodeErrorResult({ abi: leaseTopUpsAbi, errorName: "TopUpNotNeeded", args: [4n, 9_000n, 7_200n] });
    expect(describeTxError(reverted(early))).toBe("Lease #4 still has 2 h 30 min left; a top-up is due below 2 h.");
    const field = encodeErrorResult({ abi: leaseTopUpsAbi, errorName: "InvalidPolicy", args: ["maxTotalSpend"] });
    expect(describeTxError(reverted(field))).toBe("The auto top-up policy needs a non-zero spending cap.");
    const disputed = encodeErrorResult({ abi: leaseTopUpsAbi, errorName: "LeaseNotActive", args: [4n, 3] });
    expect(describeTxError(reverted(disputed))).toBe("Lease #4 is disputed; only a running lease can be topped up.");
  });
});

describe("describeTxError for LeaseLiveness", () => {
  const liveness = "0x61c36a8d610163660E21a8b7359e1Cac0C9133e1";
  const refused = (data: `0x${string}`) => {
    const cause = new ContractFunctionRevertedError({ abi: leaseLivenessAbi, data, functionName: "reportOutage" });
    return new ContractFunctionExecutionError(cause, { abi: leaseLivenessAbi, functionName: "reportOutage", args: [], contractAddress: liveness });
  };

  it("has a sentence for every custom error of LeaseLiveness and the escrow's outage hook", () => {
    const sample = (param: AbiParameter): unknown =>
      param.type === "address"
        ? liveness
        : param.type === "string"
          ? "grace"
          : param.type === "uint8"
            ? 5
            : param.type === "bytes32"
              ? `0x${"00".repeat(32)}`
              : 1n;
    const abi: Abi = [...leaseLivenessAbi, ...leaseEscrowAbi];
    const errors = abi.filter((item): item is Extract<Abi[number], { type: "error" }> => item.type === "error");
    expect(errors.map((e) => e.name)).toEqual(expect.arrayContaining(["NotReporter", "StaleProof", "InvalidLivenessProof", "NotLiveness"]));
    const missing = errors.filter((error) => {
      const data = encodeErrorResult({ abi: [error], errorName: error.name, args: error.inputs.map(sample) } as never);
      return describeTxError(refused(data)).startsWith("The contract refused");
    });
    expect(missing.map((error) => error.name)).toEqual([]);
  });

  it("names the blocks of a stale proof and a suspended lease's state", () => {
    const stale = encodeErrorResult({ abi: leaseLivenessAbi, errorName: "StaleProof", args: [10n, 12n] });
    expect(describeTxError(refused(stale))).toBe("The liveness proof is over block 10, not after the report's block 12; sign over a newer block.");
    const suspended = encodeErrorResult({ abi: leaseEscrowAbi, errorName: "WrongStatus", args: [3n, 5] });
    expect(describeTxError(refused(suspended))).toBe("Lease #3 is suspended by an outage report, so this action is not possible now.");
  });
});
