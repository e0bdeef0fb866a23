import { expect } from "chai";
import hre from "hardhat";
import { keccak256, stringToHex, zeroAddress } from "viem";
import { COOLDOWN, ENCRYPTION_KEY, MIN_STAKE, PRICE, REQUEST, USDC, eventsOf, offerFixture, systemFixture } from "../helpers/fixtures";

describe("ProviderRegistry.updateProvider, escrow hooks and admin", () => {
  it("updateProvider replaces key and metadata", async () => {
    const s = await offerFixture();
    const key = keccak256(stringToHex("new key"));
    const hash = await s.registry.write.updateProvider([key, "ipfs://v2"], { account: s.provider.account });
    const p = await s.registry.read.getProvider([s.provider.account.address]);
    expect(p.encryptionKey).to.equal(key);
    expect(p.metadataURI).to.equal("ipfs://v2");
    expect((await eventsOf(s, s.registry.abi, hash)).map((e) => e.eventName)).to.include("ProviderUpdated");
    await expect(s.registry.write.updateProvider([`0x${"00".repeat(32)}`, ""], { account: s.provider.account })).to.be.rejectedWith("EmptyEncryptionKey");
    await expect(s.registry.write.updateProvider([key, ""], { account: s.stranger.account })).to.be.rejectedWith("NotRegistered");
  });

  it("reserveUnits, releaseUnits and slash are for the escrow only", async () => {
    const s = await offerFixture();
    await expect(s.registry.write.reserveUnits([1n, 1], { account: s.provider.account })).to.be.rejectedWith("NotEscrow");
    await expect(s.registry.write.releaseUnits([1n, 1], { account: s.provider.account })).to.be.rejectedWith("NotEscrow");
    await expect(s.registry.write.slash([s.provider.account.address, 1n, s.renter.account.address])).to.be.rejectedWith("NotEscrow");
  });

  it("the escrow hooks keep capacity and the open-lease counter consistent", async () => {
    const s = await offerFixture();
    // Point the registry at an EOA acting as escrow to reach the defensive branches directly.
    await s.registry.write.setEscrow([s.stranger.account.address]);
    const asEscrow = { account: s.stranger.account };
    await expect(s.registry.write.reserveUnits([1n, 0], asEscrow)).to.be.rejectedWith("InsufficientUnits");
    await expect(s.registry.write.reserveUnits([1n, 9], asEscrow)).to.be.rejectedWith("InsufficientUnits");
    await expect(s.registry.write.releaseUnits([1n, 1], asEscrow)).to.be.rejectedWith("UnitsUnderflow");
    await expect(s.registry.write.releaseUnits([1n, 0], asEscrow)).to.be.rejectedWith("NoOpenLeases");
    await s.registry.write.reserveUnits([1n, 8], asEscrow);
    expect(await s.registry.read.freeUnits([1n])).to.equal(0);
    await s.registry.write.releaseUnits([1n, 8], asEscrow);
    expect(await s.registry.read.freeUnits([1n])).to.equal(8);
    // Slashing an account without stake takes nothing and moves no tokens.
    const before = await s.token.read.balanceOf([s.stranger.account.address]);
    await s.registry.write.slash([s.renter.account.address, 5n, s.renter.account.address], asEscrow);
    expect(await s.token.read.balanceOf([s.stranger.account.address])).to.equal(before);
    await s.registry.write.slash([s.provider.account.address, 5n * USDC, s.renter.account.address], asEscrow);
    expect(await s.token.read.balanceOf([s.stranger.account.address])).to.equal(before + 5n * USDC);
  });

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
