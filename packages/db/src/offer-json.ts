/**
 * A snapshot row's search hit written straight to JSON from the columns: the same text as
 * `JSON.stringify(hit)` of offer-page.ts hitAt (less its sortValue), without building the object.
 * With every query new, building 25 hit objects per answer and stringifying them was a large share of
 * the web process's time (JSON 10%, garbage collection 11% in the CPU profile of docs/benchmarks.md).
 * Strings that come from data (addresses, model and region names, labels) are encoded with
 * JSON.stringify once per name table; numbers follow JSON.stringify (non-finite → null).
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

/** Row `i` of `snapshot` as JSON, equal to JSON.stringify of hitAt's hit (same `verifiedSince`) without sortValue. */
export function hitJson(snapshot: ListSnapshot, i: number, verifiedSince: number): string {
  const { providers } = snapshot;
  const p = snapshot.providerCode[i]!;
  const model = snapshot.gpuModelCode[i]!;
  const lastSeen = providers.lastSeen[p]!;
  const verifiedAt = snapshot.verifiedAt[i]!;
  return (
    `{"offerId":"${num(snapshot.offerId[i]!)}","provider":${encodedNames(providers.addresses)[p]}` +
    `,"gpuModel":${encodedNames(snapshot.gpuModels)[model]},"gpuCount":${num(snapshot.gpuCount[i]!)}` +
    `,"freeUnits":${num(snapshot.freeUnits[i]!)},"vramGb":${num(snapshot.vramGb[i]!)},"cpuCores":${num(snapshot.cpuCores[i]!)}` +
    `,"ramGb":${num(snapshot.ramGb[i]!)},"diskGb":${num(snapshot.diskGb[i]!)},"bandwidthMbps":${num(snapshot.bandwidthMbps[i]!)}` +
    `,"region":${encodedNames(snapshot.regions)[snapshot.regionCode[i]!]},"pricePerGpuHour":"${String(snapshot.price[i])}"` +
    `,"pricePerTflop":${num(snapshot.pricePerTflop[i]!)},"minHours":${num(snapshot.minHours[i]!)},"maxHours":${num(snapshot.maxHours[i]!)}` +
    `,"status":"Active","listedBlock":"${String(snapshot.listedBlock[i])}","providerReliability":${num(snapshot.reliability[i]!)}` +
    `,"providerUptime7d":${num(providers.uptime7d[p]!)}` +
    `,"providerLastHeartbeatAt":${Number.isNaN(lastSeen) ? "null" : `"${new Date(lastSeen).toISOString()}"`}` +
    `,"providerOnline":${snapshot.online[i] === 1},"providerOutagesSettled":${num(snapshot.outagesSettled[i]!)}` +
    `,"verifiedAt":${verifiedAt >= verifiedSince ? `"${new Date(verifiedAt).toISOString()}"` : "null"}` +
    `,"gpuLabel":${encodedNames(gpuLabels(snapshot))[model]}}`
  );
}
