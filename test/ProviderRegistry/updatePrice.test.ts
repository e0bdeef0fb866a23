import { expect } from "chai";
import { customError } from "../helpers/errors";
import { PRICE, eventsOf, offerFixture } from "../helpers/fixtures";

describe("ProviderRegistry.updatePrice", () => {
  it("updatePrice changes the price for new bookings, owner only, not after delisting", async () => {
    const s = await offerFixture();
    const hash = await s.registry.write.updatePrice([1n, PRICE * 2n], { account: s.provider.account });
    expect((await s.registry.read.getOffer([1n])).spec.pricePerGpuHour).to.equal(PRICE * 2n);
    const [updated] = (await eventsOf(s, s.registry.abi, hash)).filter((e) => e.eventName === "OfferPriceUpdated");
    expect(updated.args).to.deep.include({ oldPricePerGpuHour: PRICE, newPricePerGpuHour: PRICE * 2n });
    await expect(s.registry.write.updatePrice([1n, 0n], { account: s.provider.account })).to.be.rejectedWith(customError("InvalidOfferSpec", "price zero"));
    await expect(s.registry.write.updatePrice([1n, 1n], { account: s.stranger.account })).to.be.rejectedWith(
      customError("NotOfferOwner", 1n, s.stranger.account.address),
    );
    await expect(s.registry.write.updatePrice([7n, 1n], { account: s.provider.account })).to.be.rejectedWith(customError("UnknownOffer", 7n));
    await s.registry.write.delistOffer([1n], { account: s.provider.account });
    await expect(s.registry.write.updatePrice([1n, 1n], { account: s.provider.account })).to.be.rejectedWith(customError("OfferDelistedAlready", 1n));
  });
});
