import { expect } from "chai";
import { getAddress } from "viem";
import { customError } from "../helpers/errors";
import { MIN_STAKE, PRICE, REQUEST, eventsOf, offerFixture } from "../helpers/fixtures";

describe("ProviderRegistry.cancelUnstake", () => {
  it("takes back a pending unstake so the stake counts (and books) again", async () => {
    const s = await offerFixture();
    await s.registry.write.requestUnstake([MIN_STAKE], { account: s.provider.account });
    await expect(s.escrow.write.book([1n, 1, 1, PRICE, REQUEST], { account: s.renter.account })).to.be.rejectedWith(
      customError("ProviderNotBookable", s.provider.account.address),
    );
    const hash = await s.registry.write.cancelUnstake({ account: s.provider.account });
    const p = await s.registry.read.getProvider([s.provider.account.address]);
    expect(p.pendingUnstake).to.equal(0n);
    expect(p.unstakeAvailableAt).to.equal(0n);
    const [cancelled] = (await eventsOf(s, s.registry.abi, hash)).filter((e) => e.eventName === "UnstakeCancelled");
    expect(cancelled.args).to.deep.equal({ provider: getAddress(s.provider.account.address), amount: MIN_STAKE });
    await s.escrow.write.book([1n, 1, 1, PRICE, REQUEST], { account: s.renter.account });
  });

  it("needs a pending unstake and a registered provider", async () => {
    const s = await offerFixture();
    await expect(s.registry.write.cancelUnstake({ account: s.provider.account })).to.be.rejectedWith(
      `NoPendingUnstake("${getAddress(s.provider.account.address)}")`,
    );
    await expect(s.registry.write.cancelUnstake({ account: s.stranger.account })).to.be.rejectedWith(customError("NotRegistered", s.stranger.account.address));
  });
});
