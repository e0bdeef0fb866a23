import { expect } from "chai";
import { OfferStatus, offerFixture } from "../helpers/fixtures";

describe("ProviderRegistry.pauseOffer, resumeOffer, delistOffer", () => {
  it("pause, resume and delist move through the allowed states only", async () => {
    const s = await offerFixture();
    await expect(s.registry.write.resumeOffer([1n], { account: s.provider.account })).to.be.rejectedWith("OfferNotPaused");
    await s.registry.write.pauseOffer([1n], { account: s.provider.account });
    expect((await s.registry.read.getOffer([1n])).status).to.equal(OfferStatus.Paused);
    await expect(s.registry.write.pauseOffer([1n], { account: s.provider.account })).to.be.rejectedWith("OfferNotActive");
    await s.registry.write.resumeOffer([1n], { account: s.provider.account });
    expect((await s.registry.read.getOffer([1n])).status).to.equal(OfferStatus.Active);
    await s.registry.write.delistOffer([1n], { account: s.provider.account });
    expect((await s.registry.read.getOffer([1n])).status).to.equal(OfferStatus.Delisted);
    await expect(s.registry.write.delistOffer([1n], { account: s.provider.account })).to.be.rejectedWith("OfferDelistedAlready");
    await expect(s.registry.write.pauseOffer([1n], { account: s.stranger.account })).to.be.rejectedWith("NotOfferOwner");
  });
});
