import { expect } from "chai";
import hre from "hardhat";
import { zeroAddress, zeroHash } from "viem";
import { customError } from "../helpers/errors";
import { COOLDOWN, DAY, ENCRYPTION_KEY, MIN_STAKE, PAUSER_ROLE, PRICE, REQUEST, offerFixture, systemFixture } from "../helpers/fixtures";

/** The longest unstake cooldown the registry takes. */
const MAX_UNSTAKE_COOLDOWN = 90n * DAY;

describe("ProviderRegistry admin", () => {
  it("admin setters validate, emit and are admin-only; pausing leaves running offers bookable", async () => {
    const s = await offerFixture();
    await expect(s.registry.write.setEscrow([zeroAddress])).to.be.rejectedWith(customError("ZeroAddress"));
    await expect(s.registry.write.setMinStake([0n])).to.be.rejectedWith(customError("ZeroAmount"));
    await expect(s.registry.write.setUnstakeCooldown([91n * DAY])).to.be.rejectedWith(customError("CooldownTooLong", 91n * DAY, MAX_UNSTAKE_COOLDOWN));
    await s.registry.write.setMinStake([MIN_STAKE * 2n]);
    expect(await s.registry.read.minStake()).to.equal(MIN_STAKE * 2n);
    await s.registry.write.setUnstakeCooldown([COOLDOWN * 2n]);
    expect(await s.registry.read.unstakeCooldown()).to.equal(COOLDOWN * 2n);
    const asStranger = { account: s.stranger.account };
    // Settings need the default admin role (zero id); pausing and unpausing need the pauser role.
    const missing = (role: `0x${string}`) => customError("AccessControlUnauthorizedAccount", s.stranger.account.address, role);
    await expect(s.registry.write.setEscrow([s.stranger.account.address], asStranger)).to.be.rejectedWith(missing(zeroHash));
    await expect(s.registry.write.setMinStake([1n], asStranger)).to.be.rejectedWith(missing(zeroHash));
    await expect(s.registry.write.setUnstakeCooldown([1n], asStranger)).to.be.rejectedWith(missing(zeroHash));
    await expect(s.registry.write.pause(asStranger)).to.be.rejectedWith(missing(PAUSER_ROLE));
    await expect(s.registry.write.unpause(asStranger)).to.be.rejectedWith(missing(PAUSER_ROLE));

    await s.registry.write.setMinStake([MIN_STAKE]);
    await s.registry.write.pause();
    await s.escrow.write.book([1n, 1, 1, PRICE, REQUEST], { account: s.renter.account });
    expect((await s.registry.read.stakeToken()).toLowerCase()).to.equal(s.token.address.toLowerCase());
    expect((await s.registry.read.escrow()).toLowerCase()).to.equal(s.escrow.address.toLowerCase());
  });

  it("constructor rejects a zero token, zero minimum stake and an overlong cooldown", async () => {
    const s = await systemFixture();
    const admin = s.deployer.account.address;
    await expect(hre.viem.deployContract("ProviderRegistry", [zeroAddress, MIN_STAKE, COOLDOWN, admin, 0])).to.be.rejectedWith(customError("ZeroAddress"));
    await expect(hre.viem.deployContract("ProviderRegistry", [s.token.address, 0n, COOLDOWN, admin, 0])).to.be.rejectedWith(customError("ZeroAmount"));
    await expect(hre.viem.deployContract("ProviderRegistry", [s.token.address, MIN_STAKE, 91n * DAY, admin, 0])).to.be.rejectedWith(
      customError("CooldownTooLong", 91n * DAY, MAX_UNSTAKE_COOLDOWN),
    );
    void ENCRYPTION_KEY;
  });
});
