import { expect } from "chai";
import { customError } from "../helpers/errors";
import { USDC, offerFixture, offerSpec } from "../helpers/fixtures";

describe("ProviderRegistry.reserveUnits, releaseUnits, slash", () => {
  it("reserveUnits, releaseUnits and slash are for the escrow only", async () => {
    const s = await offerFixture();
    const notEscrow = customError("NotEscrow", s.provider.account.address);
    await expect(s.registry.write.reserveUnits([1n, 1], { account: s.provider.account })).to.be.rejectedWith(notEscrow);
    await expect(s.registry.write.releaseUnits([1n, 1], { account: s.provider.account })).to.be.rejectedWith(notEscrow);
    // Sent from the default account, the deployer: admin is not escrow either.
    await expect(s.registry.write.slash([s.provider.account.address, 1n, s.renter.account.address])).to.be.rejectedWith(
      customError("NotEscrow", s.deployer.account.address),
    );
  });

  it("the escrow hooks keep capacity and the open-lease counter consistent", async () => {
    const s = await offerFixture();
    // Point the registry at an EOA acting as escrow to reach the defensive branches directly.
    await s.registry.write.setEscrow([s.stranger.account.address]);
    const asEscrow = { account: s.stranger.account };
    const { gpuCount } = offerSpec();
    await expect(s.registry.write.reserveUnits([1n, 0], asEscrow)).to.be.rejectedWith(customError("InsufficientUnits", 1n, 0, gpuCount));
    await expect(s.registry.write.reserveUnits([1n, 9], asEscrow)).to.be.rejectedWith(customError("InsufficientUnits", 1n, 9, gpuCount));
    await expect(s.registry.write.releaseUnits([1n, 1], asEscrow)).to.be.rejectedWith(customError("UnitsUnderflow", 1n, 1, 0));
    await expect(s.registry.write.releaseUnits([1n, 0], asEscrow)).to.be.rejectedWith(customError("NoOpenLeases", s.provider.account.address));
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
