import { describe, expect, it } from "vitest";
import { createWalletClient, http, recoverTypedDataAddress, type Address } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { foundry } from "viem/chains";
import { ONLINE_WINDOW_SECONDS } from "./heartbeat";
import { LOCAL_LIVENESS_CONFIG, PRODUCTION_LIVENESS_CONFIG, latestLivenessProof, livenessBond, livenessProofFor, livenessTypedData } from "./liveness";

// Hardhat's well-known dev key #1; no chain is contacted (local signing only).
const provider = privateKeyToAccount("0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d");
const deployment = { chainId: 31337, liveness: "0x5FbDB2315678afecb367f032d93F642f64180aa3" as Address };
const proof = { leaseId: 7n, blockNumber: 123n, blockHash: `0x${"ab".repeat(32)}` as const };

describe("liveness proofs", () => {
  it("are signed by the provider's local account and recover to it", async () => {
    const signature = await livenessProofFor(provider, proof, deployment);
    expect(await recoverTypedDataAddress({ ...livenessTypedData(proof, deployment), signature })).toBe(provider.address);
  });

  it("sign the same with a wallet client holding the account", async () => {
    const wallet = createWalletClient({ account: provider, chain: foundry, transport: http("http://127.0.0.1:1") });
    expect(await livenessProofFor(wallet, proof, deployment)).toBe(await livenessProofFor(provider, proof, deployment));
  });

  it("do not recover to the provider for another lease, block or deployment", async () => {
    const signature = await livenessProofFor(provider, proof, deployment);
    for (const [p, d] of [
      [{ ...proof, leaseId: 8n }, deployment],
      [{ ...proof, blockNumber: 124n }, deployment],
      [proof, { ...deployment, chainId: 1 }],
      [proof, { ...deployment, liveness: "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512" as Address }],
    ] as const) {
      expect(await recoverTypedDataAddress({ ...livenessTypedData(p, d), signature })).not.toBe(provider.address);
    }
  });

  it("over the latest block refuse a block that is not after the report's", async () => {
    const parentHash = `0x${"cd".repeat(32)}` as const;
    const client = { getBlock: async () => ({ number: 50n, hash: proof.blockHash, parentHash }) };
    await expect(latestLivenessProof({ signer: provider, client, leaseId: 7n, reportBlock: 50n, deployment })).rejects.toThrow(/not after/);
    const made = await latestLivenessProof({ signer: provider, client, leaseId: 7n, reportBlock: 49n, deployment });
    expect(made.blockNumber).toBe(50n);
    expect(made.signature).toBe(await livenessProofFor(provider, { leaseId: 7n, blockNumber: 50n, blockHash: proof.blockHash }, deployment));
    // For a sender that simulates at "latest": the parent block, which must itself be after the report.
    const parent = await latestLivenessProof({ signer: provider, client, leaseId: 7n, reportBlock: 48n, deployment, block: "parent" });
    expect(parent).toMatchObject({ blockNumber: 49n, blockHash: parentHash });
    await expect(latestLivenessProof({ signer: provider, client, leaseId: 7n, reportBlock: 49n, deployment, block: "parent" })).rejects.toThrow(
      /block 49 is not after/,
    );
  });
});

describe("liveness bond", () => {
  it("is bondBps of the deposit, never below minBond", () => {
    expect(livenessBond(1_000_000_000n, PRODUCTION_LIVENESS_CONFIG)).toBe(10_000_000n); // 1 % of 1,000 USDC
    expect(livenessBond(10_000_000n, PRODUCTION_LIVENESS_CONFIG)).toBe(1_000_000n); // 1 % of 10 USDC is below 1 USDC
  });

  it("local windows are shorter than production's and still allow a report", () => {
    for (const c of [PRODUCTION_LIVENESS_CONFIG, LOCAL_LIVENESS_CONFIG]) expect(c.grace).toBeLessThan(c.maxOutageAge);
    expect(LOCAL_LIVENESS_CONFIG.challengeWindow).toBeLessThan(PRODUCTION_LIVENESS_CONFIG.challengeWindow);
  });
});

describe("production windows (docs/protocol.md, Liveness: bounds)", () => {
  it("refund the renter within 5 minutes of the last heartbeat, with a minute left for the watcher's cycle and blocks", () => {
    // Last beat at 0; the watcher reports once it is older than ONLINE_WINDOW_SECONDS; settlement after the window.
    expect(ONLINE_WINDOW_SECONDS + PRODUCTION_LIVENESS_CONFIG.challengeWindow + 60).toBeLessThanOrEqual(300);
  });

  it("let a watcher's report name the real last heartbeat (older than the online window) and stop billing before the report", () => {
    expect(PRODUCTION_LIVENESS_CONFIG.maxOutageAge).toBeGreaterThan(ONLINE_WINDOW_SECONDS + PRODUCTION_LIVENESS_CONFIG.challengeWindow);
    expect(PRODUCTION_LIVENESS_CONFIG.grace).toBeLessThan(ONLINE_WINDOW_SECONDS);
  });
});
