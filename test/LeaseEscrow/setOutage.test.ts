import { expect } from "chai";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { keccak256, stringToHex } from "viem";
import { LeaseStatus, PRICE } from "../helpers/fixtures";
import { activeLeaseFixture, quoted, reportedFixture } from "../LeaseLiveness/fixtures";

describe("LeaseEscrow.setOutage (the liveness hook)", () => {
  it("answers its own LeaseLiveness only", async () => {
    const s = await activeLeaseFixture();
    for (const wallet of [s.renter, s.provider, s.deployer, s.stranger]) {
      for (const action of [1, 2, 3]) {
        await expect(s.escrow.write.setOutage([1n, action, 0n], { account: wallet.account })).to.be.rejectedWith(
          `custom error 'NotLiveness(${quoted(wallet.account.address)})'`,
        );
      }
    }
  });

  it("blocks claim, cancel, complete, extend and a dispute while the lease is suspended", async () => {
    const s = await reportedFixture();
    const suspended = `custom error 'WrongStatus(1, ${LeaseStatus.Suspended})'`;
    await expect(s.escrow.write.claim([1n], { account: s.provider.account })).to.be.rejectedWith(suspended);
    await expect(s.escrow.write.cancel([1n], { account: s.renter.account })).to.be.rejectedWith(suspended);
    await expect(s.escrow.write.extend([1n, 1, PRICE], { account: s.renter.account })).to.be.rejectedWith(suspended);
    await expect(s.escrow.write.openDispute([1n, keccak256(stringToHex("logs")), "ipfs://e"], { account: s.renter.account })).to.be.rejectedWith(suspended);
    await time.increaseTo(s.endsAt);
    await expect(s.escrow.write.complete([1n])).to.be.rejectedWith(suspended);
    await expect(s.escrow.write.claim([1n], { account: s.provider.account })).to.be.rejectedWith(suspended);
    expect(await s.escrow.read.claimable([1n])).to.equal(0n);
  });
});
