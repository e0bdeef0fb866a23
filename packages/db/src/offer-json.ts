/**
 * A snapshot row's search hit written straight to JSON from the columns: the same text as
 * `JSON.stringify(hit)` of offer-page.ts hitAt (less its sortValue), without building the object.
 * With every query new, building 25 hit objects per answer and stringifying them was a large share of
 * the web process's time (JSON 10%, garbage collection 11% in the CPU profile of docs/benchmarks.md).
 * Strings that come from data (addresses, model and region names, labels) are encoded with
 * JSON.stringify once per name table; numbers follow JSON.stringify (non-finite → null).
 *
 * Most of a hit cannot change while its snapshot object lives (offer-page.ts: an indexer delta, a
 * provider re-read, an online or verified change each make a new snapshot object), so that text is
 * kept per row of the snapshot (as UTF-8 bytes) the first time a search shows the row: later answers
 * that show it again (pages of popular filters, other budgets) only copy bytes. Two parts are not kept: the last
 * heartbeat (refreshLastSeen moves it in place; its ISO text is kept per provider while the time
 * stays) and the verified time, which expires with the clock. At most ROWS_KEPT rows per snapshot
 * keep their text (≈ 0.5 kB each), so memory stays bounded at a million offers.
 */
import type { ListSnapshot } from "./offer-list";
import { gpuLabels } from "./offer-page";

const encoded = new WeakMap<readonly (string | null)[], string[]>();

/** JSON of each name of a table that only grows (a longer table is encoded again). */
function encodedNames(names: readonly (string | null)[]): string[] {
  let list = encoded.get(names);
  if (!list || list.length !== names.length) encoded.set(names, (list = names.map((name) => JSON.stringify(name))));
  return list;
}

/** A number as JSON.stringify writes it. */
function num(value: number): string {
  return Number.isFinite(value) ? String(value) : "null";
}

/** Rows whose text one snapshot keeps; rows shown after that are written each time. */
export const ROWS_KEPT = 50_000;

/**
 * Kept UTF-8 texts of one snapshot's rows: `slot[i]` is 1 + the index of row i's text, 0 when not kept.
 * Kept as bytes: an answer is then one copy of each part into the response (no string to flatten and
 * encode per answer; those were ≈ 15 % of the web process's time with every query new). A row's text is
 * the whole hit as last written, `head · last seen · middle · verified · label`, so the common case (last
 * seen unchanged, not verified) is one part per hit; the part lengths let the others be cut out of it.
 */
interface RowTexts {
  slot: Int32Array;
  /** The whole hit, with `seen[k]` as its last heartbeat and null as its verified time. */
  text: Buffer[];
  /** The last-heartbeat JSON inside `text[k]` (lastSeenJson hands out one Buffer per provider and time). */
  seen: Buffer[];
  /** Bytes of `{"offerId":…` through `,"providerLastHeartbeatAt":`. */
  headLength: number[];
  /** Bytes of `,"providerOnline":…,"providerOutagesSettled":…,"verifiedAt":`. */
  middleLength: number[];
  /** The verified time as JSON (undefined until a search showed it verified). */
  verified: (Buffer | undefined)[];
}

const rowTexts = new WeakMap<ListSnapshot, RowTexts>();

interface LastSeenTexts {
  at: Float64Array;
  text: (Buffer | undefined)[];
}

const lastSeenTexts = new WeakMap<Float64Array, LastSeenTexts>();
const NULL = Buffer.from("null");

/** `"<ISO time>"` of a provider's last heartbeat, or `null`; re-written only when the time moved. */
function lastSeenJson(lastSeen: Float64Array, p: number): Buffer {
  const seen = lastSeen[p]!;
  if (Number.isNaN(seen)) return NULL;
  let memo = lastSeenTexts.get(lastSeen);
  if (!memo || memo.at.length !== lastSeen.length) lastSeenTexts.set(lastSeen, (memo = { at: new Float64Array(lastSeen.length).fill(NaN), text: [] }));
  if (memo.at[p] !== seen || memo.text[p] === undefined) {
    memo.at[p] = seen;
    memo.text[p] = Buffer.from(`"${new Date(seen).toISOString()}"`);
  }
  return memo.text[p]!;
}

const labelTails = new WeakMap<readonly (string | null)[], Buffer[]>();

/** `,"gpuLabel":…}` per model code (the label table only grows: a longer one is encoded again). */
function labelTail(snapshot: ListSnapshot, model: number): Buffer {
  const labels = gpuLabels(snapshot);
  let tails = labelTails.get(labels);
  if (!tails || tails.length !== labels.length) labelTails.set(labels, (tails = labels.map((label) => Buffer.from(`,"gpuLabel":${JSON.stringify(label)}}`))));
  return tails[model]!;
}

function headOf(snapshot: ListSnapshot, i: number): string {
  const { providers } = snapshot;
  const p = snapshot.providerCode[i]!;
  return (
    `{"offerId":"${num(snapshot.offerId[i]!)}","provider":${encodedNames(providers.addresses)[p]}` +
    `,"gpuModel":${encodedNames(snapshot.gpuModels)[snapshot.gpuModelCode[i]!]},"gpuCount":${num(snapshot.gpuCount[i]!)}` +
    `,"freeUnits":${num(snapshot.freeUnits[i]!)},"vramGb":${num(snapshot.vramGb[i]!)},"cpuCores":${num(snapshot.cpuCores[i]!)}` +
    `,"ramGb":${num(snapshot.ramGb[i]!)},"diskGb":${num(snapshot.diskGb[i]!)},"bandwidthMbps":${num(snapshot.bandwidthMbps[i]!)}` +
    `,"region":${encodedNames(snapshot.regions)[snapshot.regionCode[i]!]},"pricePerGpuHour":"${String(snapshot.price[i])}"` +
    `,"pricePerTflop":${num(snapshot.pricePerTflop[i]!)},"minHours":${num(snapshot.minHours[i]!)},"maxHours":${num(snapshot.maxHours[i]!)}` +
    `,"status":"Active","listedBlock":"${String(snapshot.listedBlock[i])}","providerReliability":${num(snapshot.reliability[i]!)}` +
    `,"providerUptime7d":${num(providers.uptime7d[p]!)},"providerLastHeartbeatAt":`
  );
}

function middleOf(snapshot: ListSnapshot, i: number): string {
  return `,"providerOnline":${snapshot.online[i] === 1},"providerOutagesSettled":${num(snapshot.outagesSettled[i]!)},"verifiedAt":`;
}

/**
 * Row `i` of `snapshot` as UTF-8 JSON, appended to `out` in parts: equal to JSON.stringify of hitAt's
 * hit (same `verifiedSince`) without sortValue.
 */
export function pushHitJson(out: Buffer[], snapshot: ListSnapshot, i: number, verifiedSince: number): void {
  let texts = rowTexts.get(snapshot);
  if (!texts) rowTexts.set(snapshot, (texts = { slot: new Int32Array(snapshot.size), text: [], seen: [], headLength: [], middleLength: [], verified: [] }));
  const seen = lastSeenJson(snapshot.providers.lastSeen, snapshot.providerCode[i]!);
  const verifiedAt = snapshot.verifiedAt[i]!;
  const isVerified = verifiedAt >= verifiedSince;
  let k = texts.slot[i]! - 1;
  if (k >= 0 && !isVerified && texts.seen[k] === seen) {
    out.push(texts.text[k]!);
    return;
  }
  let head: Buffer;
  let middle: Buffer;
  if (k >= 0) {
    const text = texts.text[k]!;
    const middleStart = texts.headLength[k]! + texts.seen[k]!.length;
    head = text.subarray(0, texts.headLength[k]!);
    middle = text.subarray(middleStart, middleStart + texts.middleLength[k]!);
  } else {
    head = Buffer.from(headOf(snapshot, i));
    middle = Buffer.from(middleOf(snapshot, i));
  }
  const tail = labelTail(snapshot, snapshot.gpuModelCode[i]!);
  // Keep the whole hit as one text the first time (while fewer than ROWS_KEPT rows are), and again when its last seen moved.
  if (k >= 0 ? texts.seen[k] !== seen : texts.text.length < ROWS_KEPT) {
    const text = Buffer.concat([head, seen, middle, NULL, tail]);
    if (k >= 0) {
      texts.text[k] = text;
      texts.seen[k] = seen;
    } else {
      k = texts.text.push(text) - 1;
      texts.slot[i] = k + 1;
      texts.seen.push(seen);
      texts.headLength.push(head.length);
      texts.middleLength.push(middle.length);
      texts.verified.push(undefined);
    }
    if (!isVerified) {
      out.push(text);
      return;
    }
  }
  let verified: Buffer = NULL;
  if (isVerified) {
    verified = (k >= 0 ? texts.verified[k] : undefined) ?? Buffer.from(`"${new Date(verifiedAt).toISOString()}"`);
    if (k >= 0) texts.verified[k] = verified;
  }
  out.push(head, seen, middle, verified, tail);
}
