import { expect } from "chai";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { zeroAddress } from "viem";
import { customError } from "../helpers/errors";
import { COOLDOWN, ENCRYPTION_KEY, MIN_STAKE, PRICE, ProviderStatus, REQUEST, USDC, atTimestamp, offerFixture, systemFixture } from "../helpers/fixtures";

describe("ProviderRegistry.withdrawStake", () => {
  it("withdrawStake honours the cooldown to the second", async () => {
    const s = await offerFixture();
    await s.registry.write.addStake([50n * USDC], { account: s.provider.account });
    await s.registry.write.requestUnstake([50n * USDC], { account: s.provider.account });
    const { unstakeAvailableAt } = await s.registry.read.getProvider([s.provider.account.address]);
    await atTimestamp(unstakeAvailableAt - 1n);
    await expect(s.registry.write.withdrawStake({ account: s.provider.account })).to.be.rejectedWith(
      customError("UnstakeCooldownActive", unstakeAvailableAt, unstakeAvailableAt - 1n),
    );
    await atTimestamp(unstakeAvailableAt);
    const before = await s.token.read.balanceOf([s.provider.account.address]);
    await s.registry.write.withdrawStake({ account: s.provider.account });
    expect(await s.token.read.balanceOf([s.provider.account.address])).to.equal(before + 50n * USDC);
    expect((await s.registry.read.getProvider([s.provider.account.address])).stake).to.equal(MIN_STAKE);
    await expect(s.registry.write.withdrawStake({ account: s.provider.account })).to.be.rejectedWith(
      customError("NoPendingUnstake", s.provider.account.address),
    );
  });

  it("open leases block a withdrawal below the minimum; the stake stays slashable meanwhile", async () => {
    const s = await offerFixture();
    await s.escrow.write.book([1n, 1, 50, PRICE, REQUEST], { account: s.renter.account }); // 100 USDC deposit
    await s.registry.write.requestUnstake([MIN_STAKE], { account: s.provider.account });
    await time.increase(COOLDOWN);
    await expect(s.registry.write.withdrawStake({ account: s.provider.account })).to.be.rejectedWith(
      customError("OpenLeasesBlockWithdrawal", s.provider.account.address, 1),
    );
    await s.escrow.write.reclaim([1n], { account: s.renter.account }); // slashes 10 % = 10 USDC during the cooldown
    const p = await s.registry.read.getProvider([s.provider.account.address]);
    expect(p.stake).to.equal(MIN_STAKE - 10n * USDC);
    expect(p.pendingUnstake).to.equal(MIN_STAKE - 10n * USDC);
    await s.registry.write.withdrawStake({ account: s.provider.account });
    const exited = await s.registry.read.getProvider([s.provider.account.address]);
    expect(exited.status).to.equal(ProviderStatus.Exited);
    expect(exited.stake).to.equal(0n);
    await expect(s.registry.write.addStake([1n], { account: s.provider.account })).to.be.rejectedWith(customError("NotRegistered", s.provider.account.address));
    await s.registry.write.register([MIN_STAKE, ENCRYPTION_KEY, "back"], { account: s.provider.account });
    expect((await s.registry.read.getProvider([s.provider.account.address])).status).to.equal(ProviderStatus.Active);
  });

  it("a withdrawal that keeps the minimum is allowed with open leases", async () => {
    const s = await offerFixture();
    await s.registry.write.addStake([10n * USDC], { account: s.provider.account });
    await s.escrow.write.book([1n, 1, 1, PRICE, REQUEST], { account: s.renter.account });
    await s.registry.write.requestUnstake([10n * USDC], { account: s.provider.account });
    await time.increase(COOLDOWN);
    await s.registry.write.withdrawStake({ account: s.provider.account });
    expect((await s.registry.read.getProvider([s.provider.account.address])).stake).to.equal(MIN_STAKE);
  });

  it("L-2: withdrawStakeTo pays a recipient the provider names (a blocklisted provider still recovers its stake)", async () => {
    const s = await offerFixture();
    await s.registry.write.requestUnstake([10n * USDC], { account: s.provider.account });
    await time.increase(COOLDOWN);
    await expect(s.registry.write.withdrawStakeTo([zeroAddress], { account: s.provider.account })).to.be.rejectedWith("ZeroAddress()");
    const before = await s.token.read.balanceOf([s.stranger.account.address]);
    await s.registry.write.withdrawStakeTo([s.stranger.account.address], { account: s.provider.account });
    expect(await s.token.read.balanceOf([s.stranger.account.address])).to.equal(before + 10n * USDC);
    expect((await s.registry.read.getProvider([s.provider.account.address])).stake).to.equal(MIN_STAKE - 10n * USDC);
  });

  it("unregistered accounts cannot unstake", async () => {
    const s = await systemFixture();
    const notRegistered = customError("NotRegistered", s.stranger.account.address);
    await expect(s.registry.write.requestUnstake([1n], { account: s.stranger.account })).to.be.rejectedWith(notRegistered);
    await expect(s.registry.write.withdrawStake({ account: s.stranger.account })).to.be.rejectedWith(notRegistered);
  });
});
