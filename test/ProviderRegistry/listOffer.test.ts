import { expect } from "chai";
import { getAddress, stringToHex } from "viem";
import { customError } from "../helpers/errors";
import { ENCRYPTION_KEY, MIN_STAKE, OfferStatus, eventsOf, offerFixture, offerSpec, systemFixture } from "../helpers/fixtures";

describe("ProviderRegistry.listOffer", () => {
  it("listOffer stores every attribute and emits the spec", async () => {
    const s = await systemFixture();
    await s.registry.write.register([MIN_STAKE, ENCRYPTION_KEY, ""], { account: s.provider.account });
    const spec = offerSpec({ gpuCount: 4, region: stringToHex("eu-west", { size: 32 }) });
    const hash = await s.registry.write.listOffer([spec], { account: s.provider.account });
    const offer = await s.registry.read.getOffer([1n]);
    expect(offer.spec).to.deep.equal(spec);
    expect(offer.provider).to.equal(getAddress(s.provider.account.address));
    expect(offer.status).to.equal(OfferStatus.Active);
    expect(offer.reservedUnits).to.equal(0);
    expect(await s.registry.read.freeUnits([1n])).to.equal(4);
    expect(await s.registry.read.nextOfferId()).to.equal(2n);
    expect((await s.registry.read.offerProvider([1n])).toLowerCase()).to.equal(s.provider.account.address);
    const [listed] = (await eventsOf(s, s.registry.abi, hash)).filter((e) => e.eventName === "OfferListed");
    expect(listed.args.spec).to.deep.equal(spec);
  });

  it("listOffer validates the spec", async () => {
    const s = await offerFixture();
    const zero = `0x${"00".repeat(32)}` as const;
    const invalid = (reason: string) => customError("InvalidOfferSpec", reason);
    const cases: [Partial<ReturnType<typeof offerSpec>>, string][] = [
      [{ gpuModel: zero }, invalid("gpuModel empty")],
      [{ region: zero }, invalid("region empty")],
      [{ gpuCount: 0 }, invalid("gpuCount zero")],
      [{ vramGb: 0 }, invalid("vramGb zero")],
      [{ minHours: 0 }, invalid("hours range")],
      [{ minHours: 10, maxHours: 9 }, invalid("hours range")],
      [{ maxHours: 2 ** 24 }, invalid("hours range")],
      [{ pricePerGpuHour: 0n }, invalid("price zero")],
      // Prices are stored in 96 bits.
      [{ pricePerGpuHour: 2n ** 96n }, customError("PriceTooHigh", 2n ** 96n, 2n ** 96n - 1n)],
    ];
    for (const [override, message] of cases) {
      await expect(s.registry.write.listOffer([offerSpec(override)], { account: s.provider.account })).to.be.rejectedWith(message);
    }
  });

  it("listOffer needs a registered, sufficiently staked provider and an unpaused registry", async () => {
    const s = await offerFixture();
    await expect(s.registry.write.listOffer([offerSpec()], { account: s.stranger.account })).to.be.rejectedWith(
      customError("NotRegistered", s.stranger.account.address),
    );
    await s.registry.write.requestUnstake([1n], { account: s.provider.account });
    await expect(s.registry.write.listOffer([offerSpec()], { account: s.provider.account })).to.be.rejectedWith(
      customError("StakeBelowMinimum", MIN_STAKE - 1n, MIN_STAKE),
    );
    await s.registry.write.addStake([1n], { account: s.provider.account });
    await s.registry.write.pause();
    await expect(s.registry.write.listOffer([offerSpec()], { account: s.provider.account })).to.be.rejectedWith(customError("EnforcedPause"));
    await s.registry.write.unpause();
    await s.registry.write.listOffer([offerSpec()], { account: s.provider.account });
  });
});
