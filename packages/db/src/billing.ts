import { CLOSE_REASON } from "@gridlease/sdk/protocol";
import { formatUnits } from "viem";
import { z } from "zod";
import type pg from "pg";
import { getPool } from "./client";
import { addressSchema, chainIdParam } from "./queries";
import { defaultChainId } from "./search";

/**
 * Billing history: every movement of money of one account across its leases, computed from the
 * indexed contract events (raw_event, one row per event, joined to the account's leases). Amounts are
 * exact decimal strings of token units, signed from the account's side: negative leaves it, positive
 * reaches it.
 *
 * Renter: deposits (booking), extensions (the renter's own, or anyone's payment) and auto top-ups (an
 * extension in a transaction whose LeaseTopUps event the indexer kept: paid from the renter's allowance),
 * dispute bonds, refunds at close (what the arbiter awarded included), bonds returned, and compensation
 * (provider stake slashed to the renter: no-show and dispute slashes).
 * Provider: earnings claimed while a lease runs and the payout at close (net of the protocol fee, the
 * fee and gross beside), dispute bonds received, and stake slashed.
 * Dispute rulings appear as zero-amount rows naming the split, so the history tells why a refund is what it is.
 */

export const BILLING_ROLES = ["renter", "provider"] as const;
export type BillingRole = (typeof BILLING_ROLES)[number];

export const BILLING_KINDS = {
  renter: ["deposit", "extension", "top_up", "dispute_bond", "outage_bond", "refund", "bond_returned", "compensation", "dispute_ruling"],
  provider: ["earnings", "final_payout", "bond_received", "slashed", "dispute_ruling"],
} as const;
export type BillingKind = (typeof BILLING_KINDS)[BillingRole][number];

/** The payment token's decimals (USDC). */
export const BILLING_TOKEN_DECIMALS = 6;
/** Most rows a CSV export holds; an account with more gets the newest. */
export const BILLING_CSV_MAX_ROWS = 100_000;

export const billingQuerySchema = z
  .object({
    chainId: chainIdParam,
    account: addressSchema,
    role: z.enum(BILLING_ROLES, { error: "must be renter or provider" }),
    limit: z.coerce.number().int("must be a whole number").min(1, "must be at least 1").max(1_000, "must be at most 1000").default(200),
    offset: z.coerce.number().int("must be a whole number").min(0, "must not be negative").max(1_000_000, "must be at most 1000000").default(0),
  })
  .strict();
export type BillingQuery = z.output<typeof billingQuerySchema>;

export interface BillingEntry {
  leaseId: string;
  blockNumber: string;
  txHash: string;
  logIndex: number;
  kind: BillingKind;
  /** Signed token units from the account's side. */
  amount: string;
  /** Provider rows: gross earned and the protocol fee kept from it (amount = gross − fee). */
  gross?: string;
  fee?: string;
  note: string;
}

export interface BillingTotals {
  /** Renter: what left the wallet (deposits, extensions, bonds). Provider: stake slashed. */
  paid: string;
  /** Renter: refunds, bonds returned, compensation. Provider: net earnings and bonds received. */
  received: string;
  /** received − paid. */
  net: string;
  /** Provider: protocol fees kept from its gross earnings (zero for a renter). */
  fees: string;
  byKind: Record<string, string>;
}

export interface BillingHistory {
  chainId: number;
  account: string;
  role: BillingRole;
  /** Rows in all (entries is one page of them, newest first). */
  total: number;
  totals: BillingTotals;
  entries: BillingEntry[];
}

// Outage reports (LeaseLiveness): the bond is the reporter's money, so it is the renter's only when the
// renter reported itself (an approved watcher pays its own); a refuted report's bond goes to the provider.
const RENTER_EVENTS = [
  "LeaseBooked",
  "LeaseExtended",
  "LeaseToppedUp",
  "LeaseClosed",
  "DisputeOpened",
  "DisputeBondSettled",
  "DisputeResolved",
  "OutageReported",
  "OutageSettled",
];
const PROVIDER_EVENTS = ["EarningsClaimed", "LeaseClosed", "DisputeBondSettled", "DisputeResolved", "OutageRefuted"];

interface EventRow {
  name: string;
  args: Record<string, string | number | boolean>;
  blockNumber: string;
  txHash: string;
  logIndex: number;
  leaseId: string;
}

/**
 * The account's events, oldest first: those of its leases (raw_event rows whose leaseId is one of its
 * leases), and the stake slashes in the same transactions as its leases' closes (ProviderSlashed has
 * no lease id; a slash only ever happens inside a close).
 */
async function accountEvents(db: pg.Pool, chainId: number, account: string, role: BillingRole): Promise<EventRow[]> {
  const leaseColumn = role === "renter" ? "renter" : "provider";
  const slashParty = role === "renter" ? "recipient" : "provider";
  const { rows } = await db.query<EventRow>(
    `with mine as (
       select lease_id::text as lease_id from lease where chain_id = $1 and ${leaseColumn} = $2
     ), events as (
       select e.name, e.args, e.block_number, e.tx_hash, e.log_index, m.lease_id
       from mine m join raw_event e on e.chain_id = $1 and e.args->>'leaseId' = m.lease_id
       where e.name = any($3)
     )
     select name, args, block_number::text as "blockNumber", tx_hash as "txHash", log_index as "logIndex", lease_id as "leaseId"
     from (
       select * from events
       union all
       select s.name, s.args, s.block_number, s.tx_hash, s.log_index, c.lease_id
       from events c join raw_event s on s.chain_id = $1 and s.tx_hash = c.tx_hash and s.name = 'ProviderSlashed'
       where c.name = 'LeaseClosed' and lower(s.args->>'${slashParty}') = $2
     ) u
     order by block_number, log_index`,
    [chainId, account, role === "renter" ? RENTER_EVENTS : PROVIDER_EVENTS],
  );
  return rows;
}

const big = (v: unknown) => BigInt(String(v ?? 0));
const closeReason = (v: unknown) => CLOSE_REASON[Number(v)] ?? `reason ${String(v)}`;
const usdc = (v: bigint) => formatUnits(v, BILLING_TOKEN_DECIMALS);

/** Turns the account's events into billing rows (oldest first). */
export function billingEntries(events: EventRow[], account: string, role: BillingRole): BillingEntry[] {
  const me = account.toLowerCase();
  const entries: BillingEntry[] = [];
  // Provider: what claims already paid per lease, so the close row is only what the close paid.
  const claimed = new Map<string, { net: bigint; fee: bigint }>();
  // LeaseTopUps emits LeaseToppedUp before it calls extend: the extension of that transaction is a top-up.
  const topUpTxs = new Set(events.filter((e) => e.name === "LeaseToppedUp").map((e) => e.txHash));
  for (const e of events) {
    const a = e.args;
    const row = (kind: BillingKind, amount: bigint, note: string, extra: Partial<BillingEntry> = {}) =>
      entries.push({ leaseId: e.leaseId, blockNumber: e.blockNumber, txHash: e.txHash, logIndex: e.logIndex, kind, amount: amount.toString(), note, ...extra });
    switch (e.name) {
      case "LeaseBooked":
        row("deposit", -big(a.deposit), `booked ${a.gpus} GPU × ${a.durationHours} h at ${usdc(big(a.pricePerGpuHour))} per GPU-hour`);
        break;
      case "LeaseExtended":
        if (topUpTxs.has(e.txHash)) row("top_up", -big(a.extraDeposit), `auto top-up: ${a.extraHours} more hour(s)`);
        else row("extension", -big(a.extraDeposit), `${a.extraHours} more hour(s)`);
        break;
      case "DisputeOpened":
        if (big(a.bond) > 0n) row("dispute_bond", -big(a.bond), "dispute bond");
        break;
      case "DisputeBondSettled":
        if (String(a.to).toLowerCase() === me) row(role === "renter" ? "bond_returned" : "bond_received", big(a.amount), "dispute bond");
        break;
      case "OutageReported":
        if (String(a.reporter).toLowerCase() === me) row("outage_bond", -big(a.bond), "outage report bond");
        break;
      case "OutageSettled":
        if (String(a.reporter).toLowerCase() === me) row("bond_returned", big(a.bondReturned), "outage report bond (the report stood)");
        break;
      case "OutageRefuted":
        if (String(a.provider).toLowerCase() === me) row("bond_received", big(a.bond), "outage report bond (your agent refuted the report)");
        break;
      case "DisputeResolved":
        row(
          "dispute_ruling",
          0n,
          `arbiter: ${usdc(big(a.renterAmount))} to the renter, ${usdc(big(a.providerAmount))} to the provider, ${usdc(big(a.slashAmount))} slashed`,
        );
        break;
      case "ProviderSlashed":
        if (role === "renter") row("compensation", big(a.amount), "provider stake slashed to you");
        else row("slashed", -big(a.amount), "stake slashed");
        break;
      case "EarningsClaimed": {
        const gross = big(a.gross);
        const fee = big(a.fee);
        const sum = claimed.get(e.leaseId) ?? { net: 0n, fee: 0n };
        claimed.set(e.leaseId, { net: sum.net + gross - fee, fee: sum.fee + fee });
        row("earnings", gross - fee, "claimed while running", { gross: gross.toString(), fee: fee.toString() });
        break;
      }
      case "LeaseClosed": {
        const reason = closeReason(a.reason);
        if (role === "renter") {
          row("refund", big(a.renterRefund), `closed: ${reason}`);
        } else {
          // LeaseClosed carries lifetime totals; the close paid what the claims had not.
          const sum = claimed.get(e.leaseId) ?? { net: 0n, fee: 0n };
          const net = big(a.providerTotal) - sum.net;
          const fee = big(a.feeTotal) - sum.fee;
          row("final_payout", net, `closed: ${reason}`, { gross: (net + fee).toString(), fee: fee.toString() });
        }
        break;
      }
    }
  }
  return entries;
}

export function billingTotals(entries: BillingEntry[]): BillingTotals {
  let paid = 0n;
  let received = 0n;
  let fees = 0n;
  const byKind: Record<string, bigint> = {};
  for (const entry of entries) {
    const amount = BigInt(entry.amount);
    if (amount < 0n) paid -= amount;
    else received += amount;
    if (entry.fee) fees += BigInt(entry.fee);
    byKind[entry.kind] = (byKind[entry.kind] ?? 0n) + amount;
  }
  return {
    paid: paid.toString(),
    received: received.toString(),
    net: (received - paid).toString(),
    fees: fees.toString(),
    byKind: Object.fromEntries(Object.entries(byKind).map(([k, v]) => [k, v.toString()])),
  };
}

/** One page of the account's billing history (newest first) with totals over all of it. */
export async function billingHistory(query: BillingQuery, db: pg.Pool = getPool()): Promise<BillingHistory> {
  const chainId = query.chainId ?? defaultChainId();
  const entries = billingEntries(await accountEvents(db, chainId, query.account, query.role), query.account, query.role);
  const newestFirst = entries.reverse();
  return {
    chainId,
    account: query.account,
    role: query.role,
    total: newestFirst.length,
    totals: billingTotals(newestFirst),
    entries: newestFirst.slice(query.offset, query.offset + query.limit),
  };
}

export const BILLING_CSV_HEADER = ["time_utc", "block", "lease", "kind", "amount_usdc", "gross_usdc", "fee_usdc", "tx", "note"] as const;

/** RFC 4180 field: quoted when it holds a comma, quote or line break; a leading =+-@ is defused for spreadsheets. */
function csvField(value: string): string {
  const safe = /^[=+@\t\r]/.test(value) || (/^-/.test(value) && !/^-\d/.test(value)) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/**
 * The history as CSV (header, then one line per entry, CRLF line ends), amounts in USDC. `times` maps
 * block numbers to unix seconds where known (the index keeps block numbers; the caller asks the node).
 */
export function billingCsv(entries: BillingEntry[], times: Map<number, number> = new Map()): string {
  const lines = [BILLING_CSV_HEADER.join(",")];
  for (const e of entries) {
    const time = times.get(Number(e.blockNumber));
    lines.push(
      [
        time === undefined ? "" : new Date(time * 1000).toISOString().replace(".000Z", "Z"),
        e.blockNumber,
        e.leaseId,
        e.kind,
        usdc(BigInt(e.amount)),
        e.gross === undefined ? "" : usdc(BigInt(e.gross)),
        e.fee === undefined ? "" : usdc(BigInt(e.fee)),
        e.txHash,
        e.note,
      ]
        .map(csvField)
        .join(","),
    );
  }
  return `${lines.join("\r\n")}\r\n`;
}
