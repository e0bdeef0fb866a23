import { expect } from "chai";
import hre from "hardhat";
import { zeroAddress } from "viem";
import { COOLDOWN, ENCRYPTION_KEY, MIN_STAKE, PRICE, REQUEST, offerFixture, systemFixture } from "../helpers/fixtures";

describe("ProviderRegistry admin", () => {
  it("admin setters validate, emit and are admin-only; pausing leaves running offers bookable", async () => {
    const s = await offerFixture();
    await expect(s.registry.write.setEscrow([zeroAddress])).to.be.rejectedWith("ZeroAddress");
    await expect(s.registry.write.setMinStake([0n])).to.be.rejectedWith("ZeroAmount");
    await expect(s.registry.write.setUnstakeCooldown([91n * 86_400n])).to.be.rejectedWith("CooldownTooLong");
    await s.registry.write.setMinStake([MIN_STAKE * 2n]);
    expect(await s.registry.read.minStake()).to.equal(MIN_STAKE * 2n);
    await s.registry.write.setUnstakeCooldown([COOLDOWN * 2n]);
    expect(await s.registry.read.unstakeCooldown()).to.equal(COOLDOWN * 2n);
    const asStranger = { account: s.stranger.account };
    await expect(s.registry.write.setEscrow([s.stranger.account.address], asStranger)).to.be.rejectedWith("AccessControlUnauthorizedAccount");
    await expect(s.registry.write.setMinStake([1n], asStranger)).to.be.rejectedWith("AccessControlUnauthorizedAccount");
    await expect(s.registry.write.setUnstakeCooldown([1n], asStranger)).to.be.rejectedWith("AccessControlUnauthorizedAccount");
    await expect(s.registry.write.pause(asStranger)).to.be.rejectedWith("AccessControlUnauthorizedAccount");
    await expect(s.registry.write.unpause(asStranger)).to.be.rejectedWith("AccessControlUnauthorizedAccount");

    await s.registry.write.setMinStake([MIN_STAKE]);
    await s.registry.write.pause();
    await s.escrow.write.book([1n, 1, 1, PRICE, REQUEST], { account: s.renter.account });
    expect((await s.registry.read.stakeToken()).toLowerCase()).to.equal(s.token.address.toLowerCase());
    expect((await s.registry.read.escrow()).toLowerCase()).to.equal(s.escrow.address.toLowerCase());
  });

  it("constructor rejects a zero token, zero minimum stake and an overlong cooldown", async () => {
    const s = await systemFixture();
    const admin = s.deployer.account.address;
    await expect(hre.viem.deployContract("ProviderRegistry", [zeroAddress, MIN_STAKE, COOLDOWN, admin, 0])).to.be.rejectedWith("ZeroAddress");
    await expect(hre.viem.deployContract("ProviderRegistry", [s.token.address, 0n, COOLDOWN, admin, 0])).to.be.rejectedWith("ZeroAmount");
    await expect(hre.viem.deployContract("ProviderRegistry", [s.token.address, MIN_STAKE, 91n * 86_400n, admin, 0])).to.be.rejectedWith("CooldownTooLong");
    void ENCRYPTION_KEY;
  });
});
