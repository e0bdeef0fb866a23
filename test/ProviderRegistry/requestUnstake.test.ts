import { expect } from "chai";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { customError } from "../helpers/errors";
import { COOLDOWN, MIN_STAKE, USDC, offerFixture } from "../helpers/fixtures";

describe("ProviderRegistry.requestUnstake", () => {
  it("requestUnstake starts the cooldown and cannot exceed the unlocked stake", async () => {
    const s = await offerFixture();
    await s.registry.write.addStake([50n * USDC], { account: s.provider.account });
    await s.registry.write.requestUnstake([30n * USDC], { account: s.provider.account });
    const p = await s.registry.read.getProvider([s.provider.account.address]);
    expect(p.pendingUnstake).to.equal(30n * USDC);
    expect(p.unstakeAvailableAt).to.equal(BigInt(await time.latest()) + COOLDOWN);
    await expect(s.registry.write.requestUnstake([121n * USDC], { account: s.provider.account })).to.be.rejectedWith(
      customError("UnstakeExceedsStake", 121n * USDC, MIN_STAKE + 50n * USDC - 30n * USDC),
    );
    await expect(s.registry.write.requestUnstake([0n], { account: s.provider.account })).to.be.rejectedWith(customError("ZeroAmount"));
  });
});
