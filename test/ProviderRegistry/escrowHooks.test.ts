import { expect } from "chai";
import { USDC, offerFixture } from "../helpers/fixtures";

describe("ProviderRegistry.reserveUnits, releaseUnits, slash", () => {
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
});
