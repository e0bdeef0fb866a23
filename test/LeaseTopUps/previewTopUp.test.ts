import { expect } from "chai";
import hre from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { HOUR_COST, POLICY, policyFixture } from "./fixtures";
import { customError } from "../helpers/errors";
import { USDC } from "../helpers/fixtures";

describe("LeaseTopUps.previewTopUp and views", () => {
  it("tells what a top-up would buy now, or why it would be refused", async () => {
    const s = await policyFixture();
    // A call runs at the latest block's time, so mine one at a known time: 10 h less 10 s left, 2 h wanted.
    await time.increaseTo(s.acceptedAt + 10n);
    await expect(s.topUps.read.previewTopUp([1n])).to.be.rejectedWith(
      customError("TopUpNotNeeded", 1n, s.endsAt - (s.acceptedAt + 10n), BigInt(POLICY.minSecondsLeft)),
    );
    await time.increaseTo(s.endsAt - 1800n);
    expect(await s.topUps.read.previewTopUp([1n])).to.deep.equal([2, 2n * HOUR_COST]);
    await s.registry.write.updatePrice([1n, 5n * USDC], { account: s.provider.account });
    await expect(s.topUps.read.previewTopUp([1n])).to.be.rejectedWith(`PriceAboveLimit(1, ${5n * USDC}, ${POLICY.maxPricePerGpuHour})`);
  });

  it("knows its escrow, and holds a standing approval only for the escrow", async () => {
    const s = await policyFixture();
    expect((await s.topUps.read.escrow()).toLowerCase()).to.equal(s.escrow.address.toLowerCase());
    expect(await s.token.read.allowance([s.topUps.address, s.escrow.address])).to.equal(2n ** 256n - 1n);
  });

  it("cannot be deployed without an escrow", async () => {
    await expect(hre.viem.deployContract("LeaseTopUps", ["0x0000000000000000000000000000000000000000"])).to.be.rejectedWith(customError("ZeroAddress"));
  });
});
