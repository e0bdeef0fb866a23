/// <reference path="./pg-copy-streams.d.ts" />
import { pipeline } from "node:stream/promises";
import { Readable } from "node:stream";
import type pg from "pg";
import { from as copyFrom } from "pg-copy-streams";

/** One value in COPY text format: \N for null, backslash escapes for the characters COPY treats specially. */
function copyValue(value: unknown): string {
  if (value === null || value === undefined) return "\\N";
  const text = typeof value === "object" ? JSON.stringify(value) : String(value);
  return text.replace(/[\\\t\n\r]/g, (c) => (c === "\\" ? "\\\\" : c === "\t" ? "\\t" : c === "\n" ? "\\n" : "\\r"));
}

/**
 * Bulk-inserts rows with COPY … FROM STDIN (several times faster than multi-row INSERT for
 * thousands of rows). No ON CONFLICT: callers insert only rows they know are new.
 */
export async function copyRows(client: pg.PoolClient, table: string, columns: string[], rows: Record<string, unknown>[]): Promise<void> {
  if (rows.length === 0) return;
  const stream = client.query(copyFrom(`COPY ${table} (${columns.join(", ")}) FROM STDIN`));
  const lines = (function* () {
    for (let i = 0; i < rows.length; i += 500) {
      let chunk = "";
      for (const row of rows.slice(i, i + 500)) chunk += `${columns.map((c) => copyValue(row[c])).join("\t")}\n`;
      yield chunk;
    }
  })();
  await pipeline(Readable.from(lines), stream);
}
