import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { getPool } from "../src/client";
import { GPU_CHECK_TYPES, gpuCheckOutcomeIndex, proofOfGpuDomain } from "@gridlease/sdk/proof-of-gpu";
import { getAddress, type Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import {
  checkSignaturesValid,
  flaggedProviders,
  GPU_CHECK_FAILURES_TO_FLAG,
  GPU_CHECK_VALID_SECONDS,
  latestChecks,
  localWatcherAddress,
  offerCheckHistory,
  offerVerifications,
  providerCheckHistory,
  providerFlag,
  trustedGpuCheckers,
} from "../src/gpu-checks";
import { clearSearchCaches, searchDataVersion, searchOffers, searchOffersAsJson } from "../src/search";
import { insertSyntheticOffers } from "../src/synthetic";
import { useTempDatabase } from "./helpers/temp-database";
import { allPages, queryArbitrary } from "./search-paths";

const CHAIN_ID = 31337;
const TRUSTED = ["0x00000000000000000000000000000000000000a1", "0x00000000000000000000000000000000000000a2"];
const STRANGER = "0x00000000000000000000000000000000000000b1";
let checkSeq = 0;

interface Offer {
  offerId: string;
  provider: string;
  gpuModel: string;
  gpuCount: number;
}
let offers: Offer[] = [];

useTempDatabase("gl-gpu-checks", async () => {
  process.env.TRUSTED_GPU_CHECKERS = TRUSTED.join(",");
  await insertSyntheticOffers({ chainId: CHAIN_ID, count: 400, seed: 0.21, offersPerProvider: 4 });
  await getPool().query("update offer set status = 'Paused' where offer_id % 40 = 0");
  const { rows } = await getPool().query<Offer>(
    `select offer_id::text as "offerId", provider, gpu_model as "gpuModel", gpu_count as "gpuCount" from offer where chain_id = $1 and status = 'Active' order by offer_id`,
    [CHAIN_ID],
  );
  offers = rows;
});

/** Inserts one check of `offer`, `ageSeconds` before now; returns its id. */
async function insertCheck(offer: Offer, fields: { outcome: string; ageSeconds: number; checker?: string; gpuModel?: string; gpuCount?: number }) {
  const checkId = `0x${(++checkSeq).toString(16).padStart(64, "0")}`;
  await getPool().query(
    `insert into gpu_check (chain_id, check_id, provider, offer_id, gpu_model, gpu_count, checker, seed_block, seed, matrix_size, products, audited,
       rounds, outcome, reason, elapsed_ms, deadline_ms, commitment, signature, checked_at)
     values ($1, $2, $3, $4, $5, $6, $7, 12, $8, 64, 4, 4, 2, $9, $10, $11, 900, $12, $13, now() - make_interval(secs => $14))`,
    [
      CHAIN_ID,
      checkId,
      offer.provider,
      offer.offerId,
      fields.gpuModel ?? offer.gpuModel,
      fields.gpuCount ?? offer.gpuCount,
      fields.checker ?? TRUSTED[0],
      `0x${"5".repeat(64)}`,
      fields.outcome,
      fields.outcome === "Passed" ? null : `${fields.outcome} in a test`,
      fields.outcome === "Unreachable" ? null : 420,
      fields.outcome === "Unreachable" ? null : `0x${"c".repeat(64)}`,
      `0x${"1".repeat(130)}`,
      fields.ageSeconds,
    ],
  );
  return checkId;
}

/** Verified offers computed the obvious way: every check read back, the latest trusted one decides. */
async function expectedVerified(): Promise<Set<string>> {
  const { rows } = await getPool().query<{
    offerId: string;
    checker: string;
    outcome: string;
    gpuModel: string;
    gpuCount: number;
    age: number;
    checkId: string;
  }>(
    `select offer_id::text as "offerId", checker, outcome, gpu_model as "gpuModel", gpu_count as "gpuCount", check_id as "checkId",
       extract(epoch from now() - checked_at)::float8 as age from gpu_check where chain_id = $1`,
    [CHAIN_ID],
  );
  const latest = new Map<string, (typeof rows)[number]>();
  for (const row of rows.filter((r) => TRUSTED.includes(r.checker))) {
    const held = latest.get(row.offerId);
    if (!held || row.age < held.age || (row.age === held.age && row.checkId > held.checkId)) latest.set(row.offerId, row);
  }
  const verified = new Set<string>();
  for (const offer of offers) {
    const check = latest.get(offer.offerId);
    if (check?.outcome === "Passed" && check.gpuModel === offer.gpuModel && check.gpuCount === offer.gpuCount && check.age <= GPU_CHECK_VALID_SECONDS)
      verified.add(offer.offerId);
  }
  return verified;
}

describe("the verified offer rule", () => {
  it("takes the latest trusted check only: passed, in time, for the offer's own model and count", async () => {
    const [fresh, expired, failedSince, stranger, strangerFailedSince, otherModel, fewerGpus] = offers;
    await insertCheck(fresh!, { outcome: "Passed", ageSeconds: 3600 });
    await insertCheck(expired!, { outcome: "Passed", ageSeconds: GPU_CHECK_VALID_SECONDS + 600 });
    await insertCheck(failedSince!, { outcome: "Passed", ageSeconds: 7200 });
    await insertCheck(failedSince!, { outcome: "TimedOut", ageSeconds: 3600, checker: TRUSTED[1] });
    await insertCheck(stranger!, { outcome: "Passed", ageSeconds: 60, checker: STRANGER });
    await insertCheck(strangerFailedSince!, { outcome: "Passed", ageSeconds: 3600, checker: TRUSTED[1] });
    await insertCheck(strangerFailedSince!, { outcome: "Failed", ageSeconds: 60, checker: STRANGER });
    await insertCheck(otherModel!, { outcome: "Passed", ageSeconds: 60, gpuModel: otherModel!.gpuModel === "T4" ? "L4" : "T4" });
    await insertCheck(fewerGpus!, { outcome: "Passed", ageSeconds: 60, gpuCount: fewerGpus!.gpuCount + 1 });

    const ids = offers.slice(0, 7).map((o) => o.offerId);
    const verified = await offerVerifications(CHAIN_ID, ids);
    expect([...verified.keys()].sort()).toEqual([fresh!.offerId, strangerFailedSince!.offerId].sort());
    expect(verified.get(fresh!.offerId)).toMatchObject({ gpuModel: fresh!.gpuModel, gpuCount: fresh!.gpuCount });

    clearSearchCaches();
    for (const source of ["snapshot", "sql"] as const) {
      const pages = await allPages({ verified: "1", online: "any", limit: 100 }, source);
      const hits = pages.flatMap((p) => p.offers);
      expect(hits.map((h) => h.offerId).sort(), source).toEqual([fresh!.offerId, strangerFailedSince!.offerId].sort());
      expect(pages[0]!.total, source).toBe(2);
      // The badge's time is the deciding check's, to the millisecond on both paths.
      expect(hits.find((h) => h.offerId === fresh!.offerId)!.verifiedAt, source).toBe(verified.get(fresh!.offerId)!.checkedAt);
    }
    // Unfiltered, unverified offers carry no time.
    const plain = (await allPages({ online: "any", limit: 100 }, "snapshot")).flatMap((p) => p.offers);
    expect(
      plain
        .filter((h) => h.verifiedAt !== null)
        .map((h) => h.offerId)
        .sort(),
    ).toEqual([fresh!.offerId, strangerFailedSince!.offerId].sort());
    // The API's JSON (kept row texts, offer-json.ts) carries the same badges: written first, then from the
    // texts kept by the first answer, with verified and unverified rows on the same page.
    const both = { online: "any", limit: 100, minGpus: Math.min(fresh!.gpuCount, strangerFailedSince!.gpuCount), sort: "newest" } as const;
    for (const query of [{ verified: "1", online: "any" }, { verified: "1", online: "any" }, both, both] as const) {
      expect(await searchOffersAsJson(query)).toBe(JSON.stringify(await searchOffers(query)));
    }
  });

  it("follows a new check at once: the data version moves and the next search shows it", async () => {
    const offer = offers[10]!;
    const before = await searchDataVersion();
    expect((await searchOffers({ verified: true, online: "any", limit: 100 })).offers.map((o) => o.offerId)).not.toContain(offer.offerId);
    await insertCheck(offer, { outcome: "Passed", ageSeconds: 0 });
    const after = await searchDataVersion();
    expect(after).not.toBe(before);
    expect((await searchOffers({ verified: true, online: "any", limit: 100 }, getPool(), after)).offers.map((o) => o.offerId)).toContain(offer.offerId);
    await insertCheck(offer, { outcome: "Failed", ageSeconds: 0 });
    expect((await searchOffers({ verified: true, online: "any", limit: 100 })).offers.map((o) => o.offerId)).not.toContain(offer.offerId);
  });

  it("is the same through the snapshot and through PostgreSQL under any other filters, as the rule read by hand", async () => {
    // Random histories: up to four checks per offer by trusted and other checkers, some expired.
    const random = fc.sample(
      fc.array(
        fc.record({
          outcome: fc.constantFrom("Passed", "Passed", "Failed", "TimedOut", "Unreachable"),
          // Older than the checks the later tests write, and never within 10 minutes of the window's
          // end (the rule read here and the search's must not see a check cross it in between).
          ageSeconds: fc
            .integer({ min: 1000, max: GPU_CHECK_VALID_SECONDS + 86_400 })
            .map((age) => (Math.abs(age - GPU_CHECK_VALID_SECONDS) < 600 ? age - 1200 : age)),
          checker: fc.constantFrom(TRUSTED[0]!, TRUSTED[1]!, STRANGER),
        }),
        { maxLength: 4 },
      ),
      { numRuns: offers.length - 20, seed: 21 },
    );
    for (const [n, history] of random.entries()) for (const check of history) await insertCheck(offers[20 + n]!, check);
    const expected = await expectedVerified();
    expect(expected.size).toBeGreaterThan(20);
    const all = (await allPages({ verified: "1", online: "any", limit: 100 }, "snapshot")).flatMap((p) => p.offers);
    expect(new Set(all.map((h) => h.offerId))).toEqual(expected);
    await fc.assert(
      fc.asyncProperty(queryArbitrary, async (query) => {
        const clean = Object.fromEntries(Object.entries({ ...query, verified: true }).filter(([, v]) => v !== undefined));
        const fromSql = await allPages(clean, "sql");
        const fromSnapshot = await allPages(clean, "snapshot");
        expect(fromSnapshot.map((p) => p.offers)).toEqual(fromSql.map((p) => p.offers));
        expect(fromSnapshot.map((p) => p.total)).toEqual(fromSql.map((p) => p.total));
        for (const hit of fromSql.flatMap((p) => p.offers)) expect(expected.has(hit.offerId)).toBe(true);
      }),
      { numRuns: 25, seed: 7 },
    );
    // "Why nothing matched" names the filter when only it excludes everything.
    const none = await searchOffers({ verified: true, online: "any", gpu: "NO-SUCH-GPU" });
    expect(none.total).toBe(0);
  }, 240_000);
});

describe("check history and flags", () => {
  const provider = () => offers[300]!.provider;
  const providerOffers = () => offers.filter((o) => o.provider === provider());

  it("lists a provider's and an offer's checks newest first, saying which checkers are trusted", async () => {
    const [a, b] = providerOffers();
    await insertCheck(a!, { outcome: "Passed", ageSeconds: 300 });
    await insertCheck(b!, { outcome: "Failed", ageSeconds: 200, checker: STRANGER });
    await insertCheck(a!, { outcome: "TimedOut", ageSeconds: 100 });
    const history = await providerCheckHistory(CHAIN_ID, provider());
    expect(history.slice(0, 3).map((c) => [c.offerId, c.outcome, c.trusted])).toEqual([
      [a!.offerId, "TimedOut", true],
      [b!.offerId, "Failed", false],
      [a!.offerId, "Passed", true],
    ]);
    expect((await offerCheckHistory(CHAIN_ID, a!.offerId)).slice(0, 2).map((c) => c.outcome)).toEqual(["TimedOut", "Passed"]);
    expect((await latestChecks(CHAIN_ID, [a!.offerId, b!.offerId])).get(b!.offerId)?.reason).toBe("Failed in a test");
    expect(await offerCheckHistory(CHAIN_ID, "not-an-id")).toEqual([]);
  });

  it(`flags a provider after ${GPU_CHECK_FAILURES_TO_FLAG} trusted checks in a row that did not pass, and one pass clears it`, async () => {
    const [a, b] = providerOffers();
    // From the previous test: TimedOut (trusted) is the latest; untrusted failures never count.
    for (let i = 0; i < 5; i++) await insertCheck(b!, { outcome: "Failed", ageSeconds: 90 - i, checker: STRANGER });
    expect((await providerFlag(CHAIN_ID, provider())).flagged).toBe(false);
    for (let i = 1; i < GPU_CHECK_FAILURES_TO_FLAG; i++) await insertCheck(i % 2 ? b! : a!, { outcome: i % 2 ? "Unreachable" : "Failed", ageSeconds: 50 - i });
    const flag = await providerFlag(CHAIN_ID, provider().toUpperCase().replace("0X", "0x"));
    expect(flag).toMatchObject({ flagged: true, failuresInARow: GPU_CHECK_FAILURES_TO_FLAG });
    expect(flag.lastReason).toMatch(/in a test/);
    await insertCheck(a!, { outcome: "Passed", ageSeconds: 1 });
    expect(await providerFlag(CHAIN_ID, provider())).toMatchObject({ flagged: false, failuresInARow: 0 });
    // A provider nobody checked is not flagged (and not listed).
    expect(await flaggedProviders(CHAIN_ID, [`0x${"e".repeat(40)}`])).toEqual(new Map());
  });
});

describe("trusted checkers", () => {
  it("default to the development watcher on the local chain only, and refuse a malformed list", () => {
    expect(trustedGpuCheckers(31337, {})).toEqual([localWatcherAddress()]);
    expect(localWatcherAddress()).toMatch(/^0x[0-9a-f]{40}$/);
    expect(trustedGpuCheckers(8453, {})).toEqual([]);
    expect(trustedGpuCheckers(8453, { TRUSTED_GPU_CHECKERS: ` ${TRUSTED[0]!.toUpperCase().replace("0X", "0x")}, ${TRUSTED[1]} ,` })).toEqual(TRUSTED);
    expect(() => trustedGpuCheckers(8453, { TRUSTED_GPU_CHECKERS: "0x1234" })).toThrow(/TRUSTED_GPU_CHECKERS must be comma-separated/);
  });
});

describe("check signatures", () => {
  it("verify against the checker and the deployment's domain, and fail once any signed field of the row is changed", async () => {
    const registry = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
    await getPool().query(
      `insert into indexer_cursor (chain_id, registry_address, escrow_address, deploy_block, deploy_block_hash, block_number, block_hash, finalized_block)
       values ($1, $2, '0xe7f1725e7734ce288f8367e1bb143e90bb3f0512', 1, '0xaa', 100, '0xbb', 90) on conflict do nothing`,
      [CHAIN_ID, registry.toLowerCase()],
    );
    const checker = privateKeyToAccount("0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d");
    const offer = offers[5]!;
    const checkId = `0x${"ab".repeat(32)}` as Hex;
    const seed = `0x${"5".repeat(64)}` as Hex;
    const signature = await checker.signTypedData({
      domain: proofOfGpuDomain({ chainId: CHAIN_ID, registry }),
      types: GPU_CHECK_TYPES,
      primaryType: "GpuCheck",
      // As the watcher signs an Unreachable check: no elapsed time (0), no commitment (zero bytes).
      message: {
        checkId,
        provider: getAddress(offer.provider),
        offerId: BigInt(offer.offerId),
        gpuModel: offer.gpuModel,
        gpuCount: offer.gpuCount,
        seed,
        outcome: gpuCheckOutcomeIndex("Unreachable"),
        elapsedMs: 0,
        deadlineMs: 900,
        commitment: `0x${"0".repeat(64)}`,
      },
    });
    const row = {
      checkId,
      provider: offer.provider,
      offerId: offer.offerId,
      gpuModel: offer.gpuModel,
      gpuCount: offer.gpuCount,
      checker: checker.address.toLowerCase(),
      trusted: false,
      seedBlock: "12",
      seed,
      matrixSize: 64,
      products: 4,
      audited: 0,
      rounds: 2,
      outcome: "Unreachable",
      reason: "no endpoint",
      elapsedMs: null,
      deadlineMs: 900,
      commitment: null,
      signature,
      checkedAt: new Date().toISOString(),
    };
    const tampered = [
      { ...row, outcome: "Passed" },
      { ...row, deadlineMs: 9000 },
      { ...row, checker: STRANGER },
      { ...row, gpuCount: offer.gpuCount + 1 },
    ];
    expect(await checkSignaturesValid(CHAIN_ID, [row, ...tampered])).toEqual([true, false, false, false, false]);
    expect(await checkSignaturesValid(8453, [row])).toEqual([false]);
  });
});
