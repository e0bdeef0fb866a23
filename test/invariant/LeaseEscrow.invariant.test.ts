/**
 * Invariant campaign. Default (`pnpm test:contracts`): a short campaign. Full
 * (`pnpm test:invariant`, INVARIANT_RUNS=full): ≥ 100,000 calls. INVARIANT_SEED pins the seed.
 */
import { expect } from "chai";
import fc from "fast-check";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { actionArbitrary } from "./actions";
import { Campaign, InvariantViolation, deployHarness } from "./harness";

const FULL = process.env.INVARIANT_RUNS === "full";
// Instrumented bytecode is far slower; under `pnpm coverage` one run still drives every handler.
const UNDER_COVERAGE = process.env.SOLIDITY_COVERAGE === "true";
const RUNS = FULL ? 400 : UNDER_COVERAGE ? 1 : 12;
const CALLS_PER_RUN = 250;
const SEED = process.env.INVARIANT_SEED ? Number(process.env.INVARIANT_SEED) : Date.now() % 2_147_483_647;

async function correctEscrow() {
  return deployHarness("LeaseEscrow");
}

async function uncappedEscrow() {
  return deployHarness("LeaseEscrowUncappedAccrual");
}

describe("LeaseEscrow invariants", function () {
  this.timeout(0);

  it(`hold after every call (${RUNS} runs × ${CALLS_PER_RUN} calls, seed ${SEED})`, async () => {
    let calls = 0;
    let reverted = 0;
    let toppedUp = 0;
    const outages = { reported: 0, refuted: 0, settled: 0 };
    let runs = 0;
    const revertsByKind = new Map<string, number>();
    const started = Date.now();
    await fc.assert(
      fc.asyncProperty(fc.array(actionArbitrary, { minLength: CALLS_PER_RUN, maxLength: CALLS_PER_RUN }), async (actions) => {
        const campaign = new Campaign(await loadFixture(correctEscrow));
        try {
          await campaign.run(actions);
        } finally {
          runs += 1;
          if (FULL && runs % 20 === 0) console.log(`      ... ${runs} runs, ${calls + campaign.calls} calls, ${((Date.now() - started) / 1000).toFixed(0)} s`);
          calls += campaign.calls;
          reverted += campaign.reverted;
          toppedUp += campaign.toppedUp;
          for (const key of ["reported", "refuted", "settled"] as const) outages[key] += campaign.outages[key];
          for (const [kind, n] of campaign.revertsByKind) revertsByKind.set(kind, (revertsByKind.get(kind) ?? 0) + n);
        }
      }),
      { numRuns: RUNS, seed: SEED, endOnFailure: !FULL },
    );
    const seconds = (Date.now() - started) / 1000;
    console.log(
      `      invariant campaign: ${calls} calls (${reverted} reverted as expected) in ${seconds.toFixed(1)} s, ` +
        `${Math.round(calls / seconds)} calls/s, seed ${SEED}`,
    );
    console.log(`      auto top-ups that went through: ${toppedUp}`);
    console.log(`      outages reported ${outages.reported}, refuted ${outages.refuted}, settled ${outages.settled}`);
    console.log(`      reverts by call: ${[...revertsByKind].map(([k, n]) => `${k} ${n}`).join(", ")}`);
    expect(calls).to.be.greaterThanOrEqual(RUNS * CALLS_PER_RUN);
    // A short campaign tops up only a handful of leases (so zero is possible); the full one hundreds.
    if (FULL) expect(toppedUp, "the campaign should have topped leases up").to.be.greaterThan(0);
    if (FULL) for (const [path, n] of Object.entries(outages)) expect(n, `the campaign should have ${path} outages`).to.be.greaterThan(0);
  });

  it("catch a planted bug: accrual not capped at the lease end or the dispute", async () => {
    const result = await fc.check(
      fc.asyncProperty(fc.array(actionArbitrary, { minLength: CALLS_PER_RUN, maxLength: CALLS_PER_RUN }), async (actions) => {
        await new Campaign(await loadFixture(uncappedEscrow)).run(actions);
      }),
      { numRuns: UNDER_COVERAGE ? 3 : 40, seed: SEED, endOnFailure: true },
    );
    expect(result.failed, "the campaign should have found the planted bug").to.equal(true);
    expect(result.errorInstance).to.be.instanceOf(InvariantViolation);
    console.log(`      planted bug caught after ${result.numRuns} run(s): ${(result.errorInstance as Error).message.slice(0, 200)}`);
  });
});
