import hre from "hardhat";
import { expect } from "chai";
import { parseEventLogs, stringToHex } from "viem";
import { MIN_STAKE, systemFixture } from "../helpers/fixtures";

// The benchmark helper of scripts/bench-indexer.ts (contracts/test/IndexerBenchProvider.sol): what the
// benchmark counts on is that each pump emits exactly `updates` real OfferPriceUpdated events.
describe("IndexerBenchProvider (benchmark helper)", () => {
  it("registers, lists its offers and emits one OfferPriceUpdated per update from the real registry", async () => {
    const s = await systemFixture();
    const helper = await hre.viem.deployContract("IndexerBenchProvider", [s.registry.address]);
    await s.fund(helper.address, MIN_STAKE);
    await helper.write.setup([s.token.address, MIN_STAKE, 5n, stringToHex("H100-SXM-80GB", { size: 32 }), stringToHex("us-east", { size: 32 })]);
    expect((await s.registry.read.getProvider([helper.address])).stake).to.equal(MIN_STAKE);

    const hash = await helper.write.pump([100n, 7n]);
    const receipt = await s.publicClient.waitForTransactionReceipt({ hash });
    const updates = parseEventLogs({ abi: s.registry.abi, logs: receipt.logs, eventName: "OfferPriceUpdated" });
    expect(updates).to.have.length(100);
    expect(new Set(updates.map((e) => e.args.offerId))).to.deep.equal(new Set([1n, 2n, 3n, 4n, 5n]));
  });
});
