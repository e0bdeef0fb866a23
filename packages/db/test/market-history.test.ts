import { stringToHex } from "viem";
import { describe, expect, it } from "vitest";
import { marketHistory } from "../src/stats";
import { useTempDatabase } from "./helpers/temp-database";
import { insertRow, rawEventRow } from "./helpers/rows";

const CHAIN_ID = 31337;
const H100 = stringToHex("H100-SXM", { size: 32 });

useTempDatabase("gridlease-market-history-", async () => {
  const event = (block: number, logIndex: number, name: string, args: Record<string, unknown>, chainId = CHAIN_ID) =>
    insertRow("raw_event", rawEventRow(chainId, `0x${block}${chainId}`, logIndex, block, name, args));
  // Reserved in the listing's own block, at a later log index (inserted first: order comes from the chain, not the table).
  await event(10, 1, "UnitsReserved", { offerId: "1", freeUnits: "1" });
  await event(10, 0, "OfferListed", { offerId: "1", spec: { gpuModel: H100, gpuCount: 4, pricePerGpuHour: "2000000" } });
  await event(14, 0, "OfferListed", { offerId: "2", spec: { gpuModel: H100, gpuCount: 2, pricePerGpuHour: "3000000" } });
  await event(16, 0, "OfferPriceUpdated", { offerId: "1", newPricePerGpuHour: "2500000" });
  await event(18, 0, "OfferDelisted", { offerId: "2" });
  await event(12, 0, "OfferListed", { offerId: "1", spec: { gpuModel: H100, gpuCount: 8, pricePerGpuHour: "1" } }, 1);
  await insertRow("indexer_cursor", {
    chain_id: CHAIN_ID,
    registry_address: "0x",
    escrow_address: "0x",
    deploy_block: 1,
    deploy_block_hash: "0x",
    block_number: 20,
    block_hash: "0x",
    finalized_block: 20,
  });
});

describe("the market's history (stats page)", () => {
  it("replays offer events into snapshots per GPU model up to the indexed head", async () => {
    // Blocks 10..20 in two buckets: ending at 15 and at the head, 20.
    expect(await marketHistory(CHAIN_ID, 2)).toEqual([
      { block: 15, models: { "H100-SXM": { supply: 6, utilization: 0.5, medianPrice: 2.5 } } },
      // Offer 2 delisted: out of supply and utilization; offer 1 repriced to 2.5.
      { block: 20, models: { "H100-SXM": { supply: 4, utilization: 0.75, medianPrice: 2.5 } } },
    ]);
  });

  it("is empty for a chain with no offer events", async () => {
    expect(await marketHistory(5, 24)).toEqual([]);
  });
});
