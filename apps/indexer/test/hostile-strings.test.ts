import { leaseEscrowAbi, providerRegistryAbi } from "@gridlease/sdk/contracts.generated";
import { createWalletClient, encodeFunctionData, http, keccak256, toHex, type Hex, type PrivateKeyAccount } from "viem";
import { describe, expect, it } from "vitest";
import { startIndexer, type RunningIndexer } from "../src/indexer";
import { MAX_TEXT_CHARS } from "../src/sanitize";
import { encryptionKeyFor, offerSpec, USDC } from "../../../scripts/market/simulate";
import { indexerOptions, query, waitForBlock } from "./fixtures";
import { DEPLOYER, useDeployedChain } from "./harness";

const chain = useDeployedChain();

const readId = async (contract: "registry" | "escrow", name: "nextOfferId" | "nextLeaseId") =>
  (await chain.sim.publicClient.readContract({
    address: chain.deployment[contract].address,
    abi: (contract === "registry" ? providerRegistryAbi : leaseEscrowAbi) as never,
    functionName: name as never,
  })) as bigint;

const spec = (region: string, price = 90n) =>
  offerSpec({
    gpuModel: "RTX4090",
    gpuCount: 2,
    vramGb: 24,
    cpuCores: 8,
    ramGb: 64,
    diskGb: 1000,
    bandwidthMbps: 1000,
    region,
    pricePerGpuHour: price * (USDC / 100n),
    minHours: 1,
    maxHours: 48,
  });

async function register(provider: PrivateKeyAccount, index: number, metadataURI: string) {
  await chain.sim.send(provider, "token", "approve", [chain.deployment.registry.address, 10_000n * USDC]);
  await chain.sim.send(provider, "registry", "register", [500n * USDC, encryptionKeyFor(index), metadataURI]);
}

/** Lists an offer and books and accepts one lease on it; returns the offer and lease ids. */
async function listAndLease(provider: PrivateKeyAccount, renter: PrivateKeyAccount, region: string) {
  const offerId = await readId("registry", "nextOfferId");
  await chain.sim.send(provider, "registry", "listOffer", [spec(region)]);
  const leaseId = await readId("escrow", "nextLeaseId");
  await chain.sim.send(renter, "escrow", "book", [offerId, 1, 2, 90n * (USDC / 100n), toHex("sealed-request")]);
  await chain.sim.send(provider, "escrow", "accept", [leaseId, toHex("sealed-access")]);
  return { offerId, leaseId };
}

/** updateProvider with a metadataURI whose bytes are not UTF-8 (viem only encodes valid UTF-8, so the calldata is patched). */
async function updateWithInvalidUtf8(provider: PrivateKeyAccount, index: number) {
  const marker = "~~~~~~~~"; // 0x7e × 8, replaced by invalid sequences of the same length
  const data = encodeFunctionData({
    abi: providerRegistryAbi,
    functionName: "updateProvider",
    args: [encryptionKeyFor(index), `ipfs://bad/${marker}\u001b[2J`],
  });
  const patched = data.replace(toHex(marker).slice(2), "ffc328a0e28228c0") as Hex;
  expect(patched).not.toBe(data);
  const wallet = createWalletClient({ account: provider, transport: http(chain.node.url) });
  const hash = await wallet.sendTransaction({ to: chain.deployment.registry.address, data: patched, chain: null, gas: 1_000_000n });
  expect((await chain.sim.publicClient.waitForTransactionReceipt({ hash })).status).toBe("success");
  chain.sim.resetNonces();
}

async function indexTo(url: string, block: bigint, extra = {}): Promise<RunningIndexer> {
  const indexer = await startIndexer(indexerOptions(url, chain.node.url, chain.deployment, extra));
  await waitForBlock(indexer, block);
  return indexer;
}

const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

describe("hostile on-chain strings", () => {
  it("a NUL, invalid UTF-8 or a huge string in provider, offer and dispute text is stored sanitized and indexing goes on, also after a restart", async () => {
    const url = await chain.postgres.create("hostile");
    const [provider, renter, honest] = [chain.sim.account(300), chain.sim.account(301), chain.sim.account(302)];
    await chain.sim.fund([300, 301, 302], 100_000n, DEPLOYER);
    await chain.sim.send(renter, "token", "approve", [chain.deployment.escrow.address, 10n ** 15n]);
    const indexer = await indexTo(url, await chain.sim.publicClient.getBlockNumber());
    try {
      await register(provider, 300, "ipfs://provider\u0000evil");
      const { offerId, leaseId } = await listAndLease(provider, renter, "eu\u0000west");
      const hugeEvidence = `ipfs://evidence\u0000${"x".repeat(100_000)}`;
      await chain.sim.send(renter, "escrow", "openDispute", [leaseId, keccak256(toHex("evidence")), hugeEvidence], 5_000_000n);
      await updateWithInvalidUtf8(provider, 300);
      // Events after the hostile ones must be indexed too.
      await register(honest, 302, "ipfs://honest");
      const honestOffer = await readId("registry", "nextOfferId");
      await chain.sim.send(honest, "registry", "listOffer", [spec("us-east")]);
      await waitForBlock(indexer, await chain.sim.publicClient.getBlockNumber());
      expect(indexer.status().error).toBeNull();

      const [stored] = await query<{ metadata_uri: string }>(url, "select metadata_uri from provider where address = $1", [provider.address.toLowerCase()]);
      expect(stored!.metadata_uri).toBe("ipfs://bad/\ufffd\ufffd(\ufffd\ufffd(\ufffd\ufffd[2J");
      const [offer] = await query<{ region: string }>(url, "select region from offer where offer_id = $1", [offerId.toString()]);
      expect(offer!.region).toBe("eu\ufffdwest");
      const [dispute] = await query<{ evidence_uri: string }>(url, "select evidence_uri from dispute where lease_id = $1", [leaseId.toString()]);
      expect(dispute!.evidence_uri.startsWith("ipfs://evidence\ufffdxxx")).toBe(true);
      expect(dispute!.evidence_uri.length).toBeLessThanOrEqual(MAX_TEXT_CHARS);
      expect(await query(url, "select 1 from offer where offer_id = $1 and region = 'us-east'", [honestOffer.toString()])).toHaveLength(1);
      // The raw event table keeps the decoded args, sanitized the same way.
      const raw = await query<{ name: string; args: string }>(
        url,
        "select name, args::text from raw_event where name in ('ProviderRegistered', 'ProviderUpdated', 'DisputeOpened')",
      );
      expect(raw.map((r) => r.name).sort()).toEqual(["DisputeOpened", "ProviderRegistered", "ProviderRegistered", "ProviderUpdated"]);
      for (const row of raw) {
        expect(row.args).not.toMatch(/\\u0000|\\u001b/);
        expect(CONTROL.test(JSON.parse(row.args).metadataURI ?? JSON.parse(row.args).evidenceURI)).toBe(false);
        expect(row.args.length).toBeLessThan(MAX_TEXT_CHARS + 1_000);
      }
      expect(await query(url, "select 1 from failed_event")).toHaveLength(0);
    } finally {
      await indexer.stop();
    }

    // A restart goes on from the stored cursor without stopping and indexes what came since.
    const restarted = await indexTo(url, await chain.sim.publicClient.getBlockNumber());
    try {
      const later = await readId("registry", "nextOfferId");
      await chain.sim.send(honest, "registry", "listOffer", [spec("us\u0000west", 95n)]);
      await waitForBlock(restarted, await chain.sim.publicClient.getBlockNumber());
      expect(await query(url, "select region from offer where offer_id = $1", [later.toString()])).toEqual([{ region: "us\ufffdwest" }]);
    } finally {
      await restarted.stop();
    }
  });

  it("an event the database refuses is recorded in failed_event, the rest of its batch is stored once, and a restart or replay goes on", async () => {
    const url = await chain.postgres.create("unstorable");
    // A real PostgreSQL refusal of one row, standing in for any value that sanitizing cannot make storable.
    await query(url, "alter table offer add constraint refuse_region check (region <> 'refused-region')");
    const [a, b] = [chain.sim.account(310), chain.sim.account(311)];
    await chain.sim.fund([310, 311], 100_000n, DEPLOYER);
    await register(a, 310, "ipfs://a");
    await register(b, 311, "ipfs://b");
    const lines: string[] = [];
    const indexer = await indexTo(url, await chain.sim.publicClient.getBlockNumber(), { log: (line: string) => lines.push(line) });
    let refusedId: bigint, keptId: bigint;
    try {
      // Both listings in one block, so the refused one shares its batch with one that must be kept.
      refusedId = await readId("registry", "nextOfferId");
      keptId = refusedId + 1n;
      await chain.sim.rpc("evm_setAutomine", [false]);
      await chain.sim.send(a, "registry", "listOffer", [spec("refused-region")]);
      await chain.sim.send(b, "registry", "listOffer", [spec("eu-west")]);
      await chain.sim.rpc("evm_mine");
      await chain.sim.rpc("evm_setAutomine", [true]);
      await chain.sim.send(a, "registry", "updatePrice", [refusedId, 80n * (USDC / 100n)]); // refers to the offer the index lacks
      await chain.sim.send(b, "registry", "updatePrice", [keptId, 85n * (USDC / 100n)]);
      await waitForBlock(indexer, await chain.sim.publicClient.getBlockNumber());
      expect(indexer.status().error).toBeNull();
    } finally {
      await indexer.stop();
    }
    const failed = await query<{ name: string; block_number: string; tx_hash: string; log_index: number; error: string }>(
      url,
      "select name, block_number::text, tx_hash, log_index, error from failed_event order by block_number",
    );
    expect(failed.map((f) => f.name)).toEqual(["OfferListed", "OfferPriceUpdated"]);
    expect(failed[0]!.error).toMatch(/refuse_region/);
    expect(failed[1]!.error).toMatch(/offer .* which the index does not have/);
    for (const f of failed) {
      const receipt = await chain.sim.publicClient.getTransactionReceipt({ hash: f.tx_hash as Hex });
      expect(receipt.blockNumber.toString()).toBe(f.block_number);
      expect(receipt.logs.some((l) => l.logIndex === f.log_index)).toBe(true);
    }
    expect(lines.join("\n")).toMatch(/unstorable event OfferListed at block \d+ .* recorded in failed_event/);
    const ours = [a.address.toLowerCase(), b.address.toLowerCase()];
    expect(await query(url, "select offer_id::text, price_per_gpu_hour::text from offer where provider = any($1)", [ours])).toEqual([
      { offer_id: keptId!.toString(), price_per_gpu_hour: (85n * (USDC / 100n)).toString() },
    ]);
    expect(await query(url, "select offers_listed from provider where address = any($1) order by offers_listed", [ours])).toEqual([
      { offers_listed: 0 },
      { offers_listed: 1 },
    ]);
    const names = await query<{ name: string }>(
      url,
      "select name from raw_event where name like 'Offer%' and block_number >= $1 order by block_number, log_index",
      [failed[0]!.block_number],
    );
    expect(names.map((r) => r.name)).toEqual(["OfferListed", "OfferPriceUpdated"]);

    // Replaying the range (cursor moved back) and restarting neither stops, nor records twice, nor doubles events.
    const keys = (table: string) => query(url, `select tx_hash, log_index from ${table} order by block_number, log_index`);
    const [rawBefore, pricesBefore] = [await keys("raw_event"), await keys("offer_price_history")];
    const back = BigInt(failed[0]!.block_number) - 1n;
    const header = await chain.sim.publicClient.getBlock({ blockNumber: back });
    await query(url, "update indexer_cursor set block_number = $1, block_hash = $2", [back.toString(), header.hash]);
    const restarted = await indexTo(url, await chain.sim.publicClient.getBlockNumber());
    try {
      await chain.sim.send(b, "registry", "pauseOffer", [keptId!]);
      await waitForBlock(restarted, await chain.sim.publicClient.getBlockNumber());
    } finally {
      await restarted.stop();
    }
    expect(await query(url, "select count(*)::int as n from failed_event")).toEqual([{ n: 2 }]);
    expect(await query(url, "select status from offer where provider = any($1)", [ours])).toEqual([{ status: "Paused" }]);
    expect(await keys("offer_price_history")).toEqual(pricesBefore);
    expect((await keys("raw_event")).slice(0, -1)).toEqual(rawBefore); // plus the one OfferPaused
  });
});
