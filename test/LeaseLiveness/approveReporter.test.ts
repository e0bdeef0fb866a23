import { expect } from "chai";
import { getAddress, zeroAddress } from "viem";
import { eventsOf } from "../helpers/fixtures";
import { activeLeaseFixture } from "./fixtures";

describe("LeaseLiveness.approveReporter", () => {
  it("records a renter's approval of a watcher for all its leases, and its revocation", async () => {
    const s = await activeLeaseFixture();
    const [renter, watcher] = [s.renter.account.address, s.stranger.account.address];
    expect(await s.liveness.read.isApprovedReporter([renter, watcher])).to.equal(false);
    const hash = await s.liveness.write.approveReporter([watcher, true], { account: s.renter.account });
    expect(await s.liveness.read.isApprovedReporter([renter, watcher])).to.equal(true);
    // Only for this renter: the approval is keyed by who gave it.
    expect(await s.liveness.read.isApprovedReporter([s.renter2.account.address, watcher])).to.equal(false);
    const [event] = (await eventsOf(s, s.liveness.abi, hash)).filter((e) => e.eventName === "ReporterApproved");
    expect(event.args).to.deep.equal({ renter: getAddress(renter), reporter: getAddress(watcher), approved: true });
    await s.liveness.write.approveReporter([watcher, false], { account: s.renter.account });
    expect(await s.liveness.read.isApprovedReporter([renter, watcher])).to.equal(false);
  });

  it("refuses the zero address", async () => {
    const s = await activeLeaseFixture();
    await expect(s.liveness.write.approveReporter([zeroAddress, true], { account: s.renter.account })).to.be.rejectedWith("custom error 'ZeroRecipient()'");
  });
});
