/// <reference path="./pg-copy-streams.d.ts" />
/**
 * Reads the snapshot's offer rows with COPY … TO STDOUT in binary format: numbers arrive as 4- and
 * 8-byte integers and doubles read straight from the buffer, instead of one text value per column
 * that the pg client turns into a string and the loader into a number (≈ 2/3 of a full load's time
 * at 200k offers was that text handling).
 */
import type pg from "pg";
import { to as copyTo } from "pg-copy-streams";
import { codeOf, type CodeTable, type ListSnapshot } from "./offer-list";

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** The columns, in the order the parser below reads them (types fixed by the casts). */
const COLUMNS = `o.offer_id::int8, o.provider, o.gpu_model, o.region, o.gpu_count::int4, o.vram_gb::int4, o.cpu_cores::int4,
  o.ram_gb::int8, o.disk_gb::int8, o.bandwidth_mbps::int8,
  case when o.price_per_gpu_hour <= ${MAX_SAFE} then o.price_per_gpu_hour::int8 end,
  case when o.price_per_gpu_hour > ${MAX_SAFE} then o.price_per_gpu_hour::text end,
  o.free_units::int4, o.price_per_tflop::float8, o.min_hours::int8, o.max_hours::int8, o.listed_block::int8`;

/**
 * Fills rows 0.. of `s` with `where`'s offers (already quoted SQL: no parameters in COPY) in offer id
 * order; returns how many rows it read.
 */
export async function copyOfferRows(client: pg.PoolClient, where: string, s: ListSnapshot, providerNames: CodeTable): Promise<number> {
  const stream = client.query(copyTo(`COPY (select ${COLUMNS} from offer o where ${where} order by o.offer_id) TO STDOUT (FORMAT binary)`));
  let pending: Buffer = Buffer.alloc(0);
  let headerDone = false;
  let i = 0;
  const int8 = (buf: Buffer, at: number): number => {
    const value = buf.readBigInt64BE(at);
    if (value >= -MAX_SAFE && value <= MAX_SAFE) return Number(value);
    s.listable = false;
    return Infinity; // beyond 2^53 (never a real spec) passes every minimum
  };
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    let buf: Buffer = pending.length ? Buffer.concat([pending, chunk]) : chunk;
    let at = 0;
    if (!headerDone) {
      if (buf.length < 19) {
        pending = buf;
        continue;
      }
      at = 19 + buf.readInt32BE(15); // signature (11), flags (4), header extension length (4) + extension
      headerDone = true;
    }
    for (;;) {
      if (buf.length - at < 2) break;
      const fields = buf.readInt16BE(at);
      if (fields === -1) {
        at += 2;
        break;
      }
      // Is the whole tuple here? Walk its field lengths first.
      let end = at + 2;
      let complete = true;
      for (let f = 0; f < fields; f++) {
        if (buf.length - end < 4) {
          complete = false;
          break;
        }
        const length = buf.readInt32BE(end);
        end += 4 + Math.max(0, length);
        if (end > buf.length) {
          complete = false;
          break;
        }
      }
      if (!complete) break;
      let p = at + 2;
      const field = (): [number, number] => {
        const length = buf.readInt32BE(p);
        const start = p + 4;
        p = start + Math.max(0, length);
        return [start, length];
      };
      const text = () => {
        const [start, length] = field();
        return length < 0 ? null : buf.toString("utf8", start, start + length);
      };
      const num = (kind: 4 | 8 | "f") => {
        const [start] = field();
        return kind === 4 ? buf.readInt32BE(start) : kind === 8 ? int8(buf, start) : buf.readDoubleBE(start);
      };
      s.offerId[i] = num(8);
      s.providerCode[i] = codeOf(providerNames, text()!);
      s.gpuModelCode[i] = codeOf(s.codes.models, text()!);
      s.regionCode[i] = codeOf(s.codes.regions, text()!);
      s.gpuCount[i] = num(4);
      s.vramGb[i] = num(4);
      s.cpuCores[i] = num(4);
      s.ramGb[i] = num(8);
      s.diskGb[i] = num(8);
      s.bandwidthMbps[i] = num(8);
      const [priceAt, priceLength] = field();
      const large = text();
      if (priceLength >= 0) s.price[i] = int8(buf, priceAt);
      else {
        s.price[i] = Infinity;
        s.largePrices.set(i, BigInt(large!));
        s.listable = false;
      }
      s.freeUnits[i] = num(4);
      s.pricePerTflop[i] = num("f");
      if (Number.isNaN(s.pricePerTflop[i])) s.listable = false; // NaN sorts last in PostgreSQL, and compares with nothing here
      s.minHours[i] = num(8);
      s.maxHours[i] = num(8);
      s.listedBlock[i] = num(8);
      i++;
      at = end;
    }
    pending = buf.subarray(at);
    buf = pending;
  }
  return i;
}
