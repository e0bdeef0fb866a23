import { leaseEscrowAbi, providerRegistryAbi } from "@gridlease/sdk/contracts.generated";
import type { GridleaseDeployment } from "@gridlease/sdk/deploy";
import { toHex, type Address } from "viem";
import { startIndexer, type IndexerOptions, type RunningIndexer } from "../src/indexer";
import { buildMarket } from "../../../scripts/market/scenario";
import { encryptionKeyFor, offerSpec, USDC, type Simulator } from "../../../scripts/market/simulate";
import { CHAIN_ID, databaseDigest, DEPLOYER } from "./harness";

/** ~100 events of every kind; `accountOffset` picks fresh accounts so a chain can hold several rounds. */
export async function seedSmallMarket(sim: Simulator, seed = 11, accountOffset = 0) {
  return buildMarket(sim, {
    providerIndices: Array.from({ length: 10 }, (_, i) => 100 + accountOffset + i),
    renterIndices: [200, 201, 202, 203].map((i) => i + accountOffset),
    funder: DEPLOYER,
    arbiter: DEPLOYER,
    bookings: 10,
    seed,
  });
}

export function indexerOptions(databaseUrl: string, rpcUrl: string, deployment: GridleaseDeployment, extra: Partial<IndexerOptions> = {}): IndexerOptions {
  return { databaseUrl, rpcUrl, chainId: CHAIN_ID, deployment, port: null, pollIntervalMs: 50, log: () => undefined, ...extra };
}

/** The environment src/main.ts reads, for an indexer started as its own process on `rpcUrl`'s chain. */
export function indexerProcessEnv(databaseUrl: string, rpcUrl: string, deployment: GridleaseDeployment, maxRangeBlocks: number): NodeJS.ProcessEnv {
  return {
    ...process.env,
    DATABASE_URL: databaseUrl,
    RPC_URL: rpcUrl,
    CHAIN_ID: String(CHAIN_ID),
    INDEXER_PORT: "0",
    REGISTRY_ADDRESS: deployment.registry.address,
    ESCROW_ADDRESS: deployment.escrow.address,
    DEPLOY_BLOCK: String(deployment.token.deployBlock),
    INDEXER_MAX_RANGE_BLOCKS: String(maxRangeBlocks),
  };
}

/** Indexes the chain as it is now into `databaseUrl` from scratch and returns the digest. */
export async function cleanIndexDigest(databaseUrl: string, rpcUrl: string, deployment: GridleaseDeployment) {
  const indexer = await startIndexer(indexerOptions(databaseUrl, rpcUrl, deployment));
  await indexer.ready;
  await indexer.stop();
  return databaseDigest(databaseUrl);
}

export async function waitForBlock(indexer: RunningIndexer, block: bigint, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = indexer.status();
    if (status.error) throw new Error(status.error);
    if (status.indexedBlock !== null && BigInt(status.indexedBlock) === block) return;
    if (Date.now() > deadline) throw new Error(`indexer did not reach block ${block} (at ${status.indexedBlock})`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Rows of one query on its own connection (tests read the index the indexer wrote). */
export { queryOnce as query } from "@gridlease/db/embedded";

/**
 * A running lease: development accounts `provider` and `renter` are funded, the provider registers
 * and lists one 2-GPU L40S offer at `price` USDC per GPU-hour, the renter books `gpus` × `hours` of it
 * and the provider accepts. `renterApprovals` are further token allowances the renter grants first
 * (the liveness or top-ups contract). Returns the accounts and the offer and lease ids.
 */
export async function acceptedLease(
  sim: Simulator,
  deployment: GridleaseDeployment,
  lease: { provider: number; renter: number; metadataURI: string; price: bigint; gpus: number; hours: number; renterApprovals?: [Address, bigint][] },
) {
  const [provider, renter] = [sim.account(lease.provider), sim.account(lease.renter)];
  await sim.fund([lease.provider, lease.renter], 100_000n, DEPLOYER);
  await sim.send(provider, "token", "approve", [deployment.registry.address, 10_000n * USDC]);
  await sim.send(renter, "token", "approve", [deployment.escrow.address, 10n ** 15n]);
  for (const [spender, amount] of lease.renterApprovals ?? []) await sim.send(renter, "token", "approve", [spender, amount]);
  await sim.send(provider, "registry", "register", [500n * USDC, encryptionKeyFor(lease.provider), lease.metadataURI]);
  const offerId = await sim.publicClient.readContract({ address: deployment.registry.address, abi: providerRegistryAbi, functionName: "nextOfferId" });
  await sim.send(provider, "registry", "listOffer", [
    offerSpec({
      gpuModel: "L40S",
      gpuCount: 2,
      vramGb: 48,
      cpuCores: 8,
      ramGb: 64,
      diskGb: 1000,
      bandwidthMbps: 1000,
      region: "eu-west",
      pricePerGpuHour: lease.price,
      minHours: 1,
      maxHours: 48,
    }),
  ]);
  const leaseId = await sim.publicClient.readContract({ address: deployment.escrow.address, abi: leaseEscrowAbi, functionName: "nextLeaseId" });
  await sim.send(renter, "escrow", "book", [offerId, lease.gpus, lease.hours, lease.price, toHex("sealed-request")]);
  await sim.send(provider, "escrow", "accept", [leaseId, toHex("sealed-access")]);
  return { provider, renter, offerId, leaseId };
}
