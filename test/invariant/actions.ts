import fc from "fast-check";

/** One random call. `pick` chooses the lease/offer, `actor` the caller where any account may call. */
export type Action =
  | { kind: "book"; pick: number; actor: number; gpus: number; hours: number; priceTooLow: boolean; wrongCaller?: false }
  | { kind: "warp"; pick: number; seconds: number; wrongCaller?: false }
  | { kind: "accept" | "decline" | "claim" | "reclaim" | "cancel" | "withdrawPending" | "openDispute" | "answerDispute"; pick: number; wrongCaller: boolean }
  | { kind: "extend"; pick: number; hours: number; priceTooLow: boolean; wrongCaller: boolean }
  | {
      kind: "setTerms";
      pick: number;
      noShowSlashBps: number;
      disputeBondBps: number;
      cap: number;
      minDeposit: number;
      timeoutHours: number;
      wrongCaller?: false;
    }
  | { kind: "withdrawTo"; pick: number; actor: number; wrongCaller?: false }
  | { kind: "complete" | "finalizeDispute" | "sweepFees" | "withdraw"; pick: number; actor: number; wrongCaller?: false }
  | { kind: "resolveDispute"; pick: number; shareBps: number; slash: number; renterRight: boolean; wrongCaller: boolean }
  | { kind: "updatePrice"; pick: number; price: number; wrongCaller?: false }
  | { kind: "pauseOffer" | "resumeOffer"; pick: number; wrongCaller?: false }
  // LeaseTopUps: the renter sets or revokes a policy; anyone calls topUp.
  | { kind: "setTopUpPolicy"; pick: number; minMinutes: number; maxHoursPerTopUp: number; cap: number; priceTooLow: boolean; wrongCaller: boolean }
  | { kind: "revokeTopUp"; pick: number; wrongCaller: boolean }
  | { kind: "topUp"; pick: number; actor: number; wrongCaller?: false }
  // LeaseLiveness: the renter (or its approved watcher) reports, the provider refutes, anyone settles.
  | { kind: "reportOutage"; pick: number; lastSeenAgo: number; viaWatcher: boolean; wrongCaller: boolean }
  | { kind: "refuteOutage"; pick: number; proof: "fresh" | "stale" | "foreign"; wrongCaller?: false }
  | { kind: "settleOutage"; pick: number; actor: number; wrongCaller?: false }
  | { kind: "approveReporter"; pick: number; actor: number; approved: boolean; wrongCaller?: false };

const pick = fc.nat({ max: 1_000 });
const actor = fc.nat({ max: 100 });
// Mostly the rightful caller, so the campaign spends its calls on state changes rather than on reverts.
const wrongCaller = fc.nat({ max: 9 }).map((n) => n === 0);

const leaseCall = (kind: "accept" | "decline" | "claim" | "reclaim" | "cancel" | "withdrawPending" | "openDispute" | "answerDispute") =>
  fc.record({ kind: fc.constant(kind), pick, wrongCaller });

export const actionArbitrary: fc.Arbitrary<Action> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant("book" as const),
      pick,
      actor,
      gpus: fc.integer({ min: 1, max: 4 }),
      hours: fc.integer({ min: 1, max: 12 }),
      priceTooLow: fc.nat({ max: 19 }).map((n) => n === 0),
    }),
  },
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant("warp" as const),
      pick,
      // Mostly short hops (inside accept windows and leases), sometimes past ends, grace periods and timeouts.
      seconds: fc.oneof(
        { weight: 4, arbitrary: fc.integer({ min: 1, max: 300 }) },
        { weight: 2, arbitrary: fc.integer({ min: 300, max: 3 * 3600 }) },
        { weight: 1, arbitrary: fc.integer({ min: 3600, max: 4 * 86_400 }) },
      ),
    }),
  },
  { weight: 5, arbitrary: leaseCall("accept") },
  { weight: 1, arbitrary: leaseCall("decline") },
  { weight: 5, arbitrary: leaseCall("claim") },
  { weight: 2, arbitrary: leaseCall("reclaim") },
  { weight: 2, arbitrary: leaseCall("cancel") },
  { weight: 1, arbitrary: leaseCall("withdrawPending") },
  { weight: 2, arbitrary: leaseCall("openDispute") },
  { weight: 1, arbitrary: leaseCall("answerDispute") },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("extend" as const),
      pick,
      hours: fc.integer({ min: 1, max: 6 }),
      priceTooLow: fc.nat({ max: 9 }).map((n) => n === 0),
      wrongCaller,
    }),
  },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("complete" as const), pick, actor }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("finalizeDispute" as const), pick, actor }) },
  // Slashes up to 60 USDC against a 50 USDC per-lease cap at the start: some arbiter calls overshoot it.
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("resolveDispute" as const),
      pick,
      shareBps: fc.integer({ min: 0, max: 10_000 }),
      slash: fc.integer({ min: 0, max: 60 }),
      renterRight: fc.boolean(),
      wrongCaller,
    }),
  },
  // Settings go through the timelock (schedule, wait the delay, execute); leases keep their booked terms.
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("setTerms" as const),
      pick,
      noShowSlashBps: fc.integer({ min: 0, max: 5_000 }),
      disputeBondBps: fc.integer({ min: 0, max: 2_000 }),
      cap: fc.integer({ min: 0, max: 80 }),
      minDeposit: fc.integer({ min: 0, max: 30 }),
      timeoutHours: fc.integer({ min: 1, max: 96 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("withdrawTo" as const), pick, actor }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("updatePrice" as const), pick, price: fc.integer({ min: 1, max: 60 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("pauseOffer" as const), pick }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("resumeOffer" as const), pick }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("sweepFees" as const), pick, actor }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("withdraw" as const), pick, actor }) },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant("setTopUpPolicy" as const),
      pick,
      // Mostly above what short leases have left, so many policies are due at once.
      minMinutes: fc.integer({ min: 1, max: 12 * 60 }),
      maxHoursPerTopUp: fc.integer({ min: 0, max: 4 }),
      // Caps from below one hour of one GPU to a few hours of four: top-ups often end at the cap.
      cap: fc.integer({ min: 0, max: 40 }),
      priceTooLow: fc.nat({ max: 9 }).map((n) => n === 0),
      wrongCaller,
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("revokeTopUp" as const), pick, wrongCaller }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant("topUp" as const), pick, actor }) },
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant("reportOutage" as const),
      pick,
      // Mostly within the harness's bounds (grace 5 s, maxOutageAge 900 s), sometimes outside either.
      lastSeenAgo: fc.oneof({ weight: 8, arbitrary: fc.integer({ min: 5, max: 900 }) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: 1_000 }) }),
      viaWatcher: fc.boolean(),
      wrongCaller,
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant("refuteOutage" as const),
      pick,
      proof: fc.constantFrom("fresh" as const, "fresh" as const, "stale" as const, "foreign" as const),
    }),
  },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("settleOutage" as const), pick, actor }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("approveReporter" as const), pick, actor, approved: fc.nat({ max: 3 }).map((n) => n !== 0) }) },
);
