import { expect } from "chai";
import { customError } from "../helpers/errors";
import { OfferStatus, offerFixture } from "../helpers/fixtures";

describe("ProviderRegistry.pauseOffer, resumeOffer, delistOffer", () => {
  it("pause, resume and delist move through the allowed states only", async () => {
    const s = await offerFixture();
    await expect(s.registry.write.resumeOffer([1n], { account: s.provider.account })).to.be.rejectedWith(customError("OfferNotPaused", 1n, OfferStatus.Active));
    await s.registry.write.pauseOffer([1n], { account: s.provider.account });
    expect((await s.registry.read.getOffer([1n])).status).to.equal(OfferStatus.Paused);
    await expect(s.registry.write.pauseOffer([1n], { account: s.provider.account })).to.be.rejectedWith(customError("OfferNotActive", 1n, OfferStatus.Paused));
    await s.registry.write.resumeOffer([1n], { account: s.provider.account });
    expect((await s.registry.read.getOffer([1n])).status).to.equal(OfferStatus.Active);
    await s.registry.write.delistOffer([1n], { account: s.provider.account });
    expect((await s.registry.read.getOffer([1n])).status).to.equal(OfferStatus.Delisted);
    await expect(s.registry.write.delistOffer([1n], { account: s.provider.account })).to.be.rejectedWith(customError("OfferDelistedAlready", 1n));
    await expect(s.registry.write.pauseOffer([1n], { account: s.stranger.account })).to.be.rejectedWith(
      customError("NotOfferOwner", 1n, s.stranger.account.address),
    );
  });
});
