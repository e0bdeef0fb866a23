import { expect } from "chai";
import { mine, time } from "@nomicfoundation/hardhat-network-helpers";
import hre from "hardhat";
import { getAddress } from "viem";
import { ENCRYPTION_KEY, LeaseStatus, MIN_STAKE, PRICE, USDC, accrual, eventsOf, offerSpec } from "../helpers/fixtures";
import { DEPOSIT, MIN_BOND, activeLeaseFixture, blocklistActiveFixture, proofOver, quoted, report, reportedFixture } from "./fixtures";

describe("LeaseLiveness.refuteOutage", () => {
  it("with the provider's proof over a block after the report resumes the lease and pays the bond to the provider", async () => {
    const s = await reportedFixture();
    const proofBlock = s.reported.reportBlock + 1n;
    const signature = await proofOver(s, proofBlock);
    const providerBefore = await s.token.read.balanceOf([s.provider.account.address]);
    // Anyone may carry the proof (the agent, a relayer): the signature is what counts.
    const hash = await s.liveness.write.refuteOutage([1n, proofBlock, signature], { account: s.stranger.account });
    const lease = await s.escrow.read.getLease([1n]);
    expect(lease.status).to.equal(LeaseStatus.Active);
    expect(lease.disputedAt).to.equal(0n);
    expect(await s.token.read.balanceOf([s.provider.account.address])).to.equal(providerBefore + MIN_BOND);
    expect(await s.token.read.balanceOf([s.liveness.address])).to.equal(0n);
    expect((await s.liveness.read.outage([1n])).status).to.equal(2);
    const [event] = (await eventsOf(s, s.liveness.abi, hash)).filter((e) => e.eventName === "OutageRefuted");
    expect(event.args).to.deep.equal({ leaseId: 1n, provider: getAddress(s.provider.account.address), proofBlock, bond: MIN_BOND });
    // A live provider is paid for the reported window too: accrual is no longer capped at the cutoff.
    const now = BigInt(await time.latest());
    expect(await s.escrow.read.accrued([1n])).to.equal(accrual(DEPOSIT, 10n, now - s.acceptedAt));
    await s.escrow.write.claim([1n], { account: s.provider.account });
  });

  it("lets the renter report again after a refutation", async () => {
    const s = await reportedFixture();
    const proofBlock = s.reported.reportBlock + 1n;
    await s.liveness.write.refuteOutage([1n, proofBlock, await proofOver(s, proofBlock)], { account: s.provider.account });
    const second = await report(s, 30n);
    expect((await s.liveness.read.outage([1n])).status).to.equal(1);
    // The first report's proof is stale for the second one.
    await expect(s.liveness.write.refuteOutage([1n, proofBlock, await proofOver(s, proofBlock)])).to.be.rejectedWith(
      `custom error 'StaleProof(${proofBlock}, ${second.reportBlock})'`,
    );
  });

  it("refuses a proof over the report's block or an earlier one (it could predate the report)", async () => {
    const s = await reportedFixture();
    await mine(2);
    for (const block of [s.reported.reportBlock, s.reported.reportBlock - 1n]) {
      await expect(s.liveness.write.refuteOutage([1n, block, await proofOver(s, block)])).to.be.rejectedWith(
        `custom error 'StaleProof(${block}, ${s.reported.reportBlock})'`,
      );
    }
  });

  it("refuses a proof for another lease, or signed by anyone but the provider", async () => {
    const s = await reportedFixture();
    const block = s.reported.reportBlock + 1n;
    const otherLease = await proofOver(s, block, s.provider, 2n);
    const foreign = await proofOver(s, block, s.stranger);
    const byRenter = await proofOver(s, block, s.renter);
    for (const signature of [otherLease, foreign, byRenter]) {
      await expect(s.liveness.write.refuteOutage([1n, block, signature])).to.be.rejectedWith(
        `custom error 'InvalidLivenessProof(1, ${quoted(s.provider.account.address)})'`,
      );
    }
    await expect(s.liveness.write.refuteOutage([1n, block, "0x1234"])).to.be.rejectedWith(
      `custom error 'InvalidLivenessProof(1, ${quoted(s.provider.account.address)})'`,
    );
  });

  it("refuses a block whose hash the chain no longer knows (> 256 back) or does not know yet", async () => {
    const s = await reportedFixture();
    const block = s.reported.reportBlock + 1n;
    const signature = await proofOver(s, block);
    // 256 more blocks within the same second: the window is still open, the block hash is gone.
    await mine(256, { interval: 0 });
    await expect(s.liveness.write.refuteOutage([1n, block, signature])).to.be.rejectedWith(`custom error 'UnknownBlockHash(${block})'`);
    const future = (await s.publicClient.getBlockNumber()) + 5n;
    await expect(s.liveness.write.refuteOutage([1n, future, signature])).to.be.rejectedWith(`custom error 'UnknownBlockHash(${future})'`);
  });

  it("refuses after the challenge window closed, naming its end", async () => {
    const s = await reportedFixture();
    const block = s.reported.reportBlock + 1n;
    const signature = await proofOver(s, block);
    await time.setNextBlockTimestamp(s.reported.refutableUntil + 1n);
    await expect(s.liveness.write.refuteOutage([1n, block, signature])).to.be.rejectedWith(
      `custom error 'ChallengeWindowClosed(1, ${s.reported.refutableUntil})'`,
    );
  });

  it("still takes a proof in the window's last second", async () => {
    const s = await reportedFixture();
    const block = s.reported.reportBlock + 1n;
    const signature = await proofOver(s, block);
    await time.setNextBlockTimestamp(s.reported.refutableUntil);
    await s.liveness.write.refuteOutage([1n, block, signature]);
    expect((await s.escrow.read.getLease([1n])).status).to.equal(LeaseStatus.Active);
  });

  it("takes a proof from a smart-contract wallet provider (ERC-1271) signed by its owner key, and no one else's", async () => {
    const s = await activeLeaseFixture();
    // provider2's key owns a contract wallet that is itself the provider of offer 2.
    const wallet = await hre.viem.deployContract("ContractWalletProvider", [
      s.provider2.account.address,
      s.registry.address,
      s.escrow.address,
      s.token.address,
    ]);
    await s.token.write.faucet([wallet.address, 1_000n * USDC]);
    await wallet.write.register([MIN_STAKE, ENCRYPTION_KEY, offerSpec()], { account: s.provider2.account });
    await s.escrow.write.book([2n, 1, 4, PRICE, "0x"], { account: s.renter.account });
    await wallet.write.accept([2n], { account: s.provider2.account });
    const r = await report({ ...s, leaseId: 2n });
    const block = r.reportBlock + 1n;
    const byStranger = await proofOver({ ...s, leaseId: 2n }, block, s.stranger);
    await expect(s.liveness.write.refuteOutage([2n, block, byStranger])).to.be.rejectedWith(
      `custom error 'InvalidLivenessProof(2, ${quoted(wallet.address)})'`,
    );
    await s.liveness.write.refuteOutage([2n, block, await proofOver({ ...s, leaseId: 2n }, block, s.provider2)]);
    expect((await s.escrow.read.getLease([2n])).status).to.equal(LeaseStatus.Active);
    expect(await s.token.read.balanceOf([wallet.address])).to.equal(1_000n * USDC - MIN_STAKE + MIN_BOND);
  });

  it("refuses when no report is open", async () => {
    const s = await activeLeaseFixture();
    await mine(1);
    await expect(s.liveness.write.refuteOutage([1n, 1n, "0x"])).to.be.rejectedWith("custom error 'NoOpenOutage(1)'");
  });

  it("credits the bond to a provider the token refuses to pay, who withdraws it elsewhere", async () => {
    const s = await blocklistActiveFixture();
    const r = await report(s);
    const block = r.reportBlock + 1n;
    const signature = await proofOver(s, block);
    await (await hre.viem.getContractAt("BlocklistToken", s.token.address)).write.setBlocked([s.provider.account.address, true]);
    const hash = await s.liveness.write.refuteOutage([1n, block, signature]);
    expect((await s.escrow.read.getLease([1n])).status).to.equal(LeaseStatus.Active);
    expect(await s.liveness.read.withdrawableBond([s.provider.account.address])).to.equal(MIN_BOND);
    const [deferred] = (await eventsOf(s, s.liveness.abi, hash)).filter((e) => e.eventName === "BondPayoutDeferred");
    expect(deferred.args).to.deep.equal({ account: getAddress(s.provider.account.address), amount: MIN_BOND });
    const before = await s.token.read.balanceOf([s.provider2.account.address]);
    await s.liveness.write.withdrawBond([s.provider2.account.address], { account: s.provider.account });
    expect(await s.token.read.balanceOf([s.provider2.account.address])).to.equal(before + MIN_BOND);
    expect(await s.liveness.read.withdrawableBond([s.provider.account.address])).to.equal(0n);
    await expect(s.liveness.write.withdrawBond([s.provider2.account.address], { account: s.provider.account })).to.be.rejectedWith(
      `custom error 'NoBondToWithdraw(${quoted(s.provider.account.address)})'`,
    );
  });
});
