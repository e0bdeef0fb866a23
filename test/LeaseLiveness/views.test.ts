import { expect } from "chai";
import { getAddress } from "viem";
import { LIVENESS_CONFIG, deployEscrow } from "../helpers/fixtures";
import { activeLeaseFixture } from "./fixtures";

describe("LeaseLiveness views and construction", () => {
  it("is the escrow's own, with the configured windows and bond", async () => {
    const s = await activeLeaseFixture();
    expect(await s.liveness.read.escrow()).to.equal(getAddress(s.escrow.address));
    expect(await s.liveness.read.token()).to.equal(getAddress(s.token.address));
    expect(await s.liveness.read.challengeWindow()).to.equal(BigInt(LIVENESS_CONFIG.challengeWindow));
    expect(await s.liveness.read.grace()).to.equal(BigInt(LIVENESS_CONFIG.grace));
    expect(await s.liveness.read.maxOutageAge()).to.equal(BigInt(LIVENESS_CONFIG.maxOutageAge));
    expect(await s.liveness.read.bondBps()).to.equal(LIVENESS_CONFIG.bondBps);
    expect(await s.liveness.read.minBond()).to.equal(LIVENESS_CONFIG.minBond);
    expect((await s.liveness.read.outage([1n])).status).to.equal(0);
  });

  it("the escrow refuses liveness settings out of range at construction", async () => {
    const s = await activeLeaseFixture();
    const bad = [
      [{ challengeWindow: 0 }, `InvalidLivenessConfig("challengeWindow", 0)`],
      [{ challengeWindow: 30 * 86_400 + 1 }, `InvalidLivenessConfig("challengeWindow", ${30 * 86_400 + 1})`],
      [{ maxOutageAge: 30 * 86_400 + 1 }, `InvalidLivenessConfig("maxOutageAge", ${30 * 86_400 + 1})`],
      [{ grace: LIVENESS_CONFIG.maxOutageAge }, `InvalidLivenessConfig("grace", ${LIVENESS_CONFIG.maxOutageAge})`],
      [{ bondBps: 2_001 }, `InvalidLivenessConfig("bondBps", 2001)`],
      [{ minBond: 0n }, `InvalidLivenessConfig("minBond", 0)`],
    ] as const;
    for (const [override, error] of bad) {
      const config = { ...s.escrowConfig, liveness: { ...LIVENESS_CONFIG, ...override } };
      await expect(deployEscrow("LeaseEscrow", [s.registry.address, config])).to.be.rejectedWith(`custom error '${error}'`);
    }
  });
});
