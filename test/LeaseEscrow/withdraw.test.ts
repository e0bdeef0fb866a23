import { expect } from "chai";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { customError } from "../helpers/errors";
import { activeLeaseFixture } from "../helpers/fixtures";

describe("LeaseEscrow.withdraw", () => {
  it("reverts when nothing is owed", async () => {
    const s = await activeLeaseFixture();
    await time.increase(10);
    await expect(s.escrow.write.withdraw([s.token.address], { account: s.renter.account })).to.be.rejectedWith(
      customError("NothingToWithdraw", s.renter.account.address, s.token.address),
    );
  });
  // Paying out a deferred payout (and only once) is covered in security.test.ts with a blocklisting token.
});
