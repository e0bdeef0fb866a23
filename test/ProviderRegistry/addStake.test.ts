import { expect } from "chai";
import { customError } from "../helpers/errors";
import { MIN_STAKE, USDC, offerFixture } from "../helpers/fixtures";

describe("ProviderRegistry.addStake", () => {
  it("addStake increases the stake; rejects zero and unregistered callers", async () => {
    const s = await offerFixture();
    await s.registry.write.addStake([50n * USDC], { account: s.provider.account });
    expect((await s.registry.read.getProvider([s.provider.account.address])).stake).to.equal(MIN_STAKE + 50n * USDC);
    await expect(s.registry.write.addStake([0n], { account: s.provider.account })).to.be.rejectedWith(customError("ZeroAmount"));
    await expect(s.registry.write.addStake([1n], { account: s.stranger.account })).to.be.rejectedWith(customError("NotRegistered", s.stranger.account.address));
  });
});
