/** Row shapes of the derived tables, keyed by column name so they go straight into json_populate_recordset. */
import type { LeaseStatusName, OfferStatusName, ProviderStatusName } from "@gridlease/sdk/protocol";

export interface ProviderRow {
  chain_id: number;
  address: string;
  status: Exclude<ProviderStatusName, "None">;
  stake: string;
  pending_unstake: string;
  unstake_available_at: string | null;
  total_slashed: string;
  encryption_key: string;
  metadata_uri: string;
  registered_block: string;
  offers_listed: number;
  leases_total: number;
  leases_completed: number;
  leases_cancelled: number;
  leases_not_accepted: number;
  leases_declined: number;
  disputes_opened: number;
  disputes_lost: number;
  /** SLA history (LeaseLiveness): reports against the provider, refuted by its agent, settled. */
  outages_reported: number;
  outages_refuted: number;
  outages_settled: number;
  earnings_net: string;
  reliability: number;
  updated_block: string;
  finalized: boolean;
}

/** A provider's row before its first event is applied: registered at `registeredBlock`, every count at zero. */
export function newProviderRow(chainId: number, address: string, registeredBlock: string): ProviderRow {
  return {
    chain_id: chainId,
    address,
    status: "Active",
    stake: "0",
    pending_unstake: "0",
    unstake_available_at: null,
    total_slashed: "0",
    encryption_key: "",
    metadata_uri: "",
    registered_block: registeredBlock,
    offers_listed: 0,
    leases_total: 0,
    leases_completed: 0,
    leases_cancelled: 0,
    leases_not_accepted: 0,
    leases_declined: 0,
    disputes_opened: 0,
    disputes_lost: 0,
    outages_reported: 0,
    outages_refuted: 0,
    outages_settled: 0,
    earnings_net: "0",
    reliability: 0,
    updated_block: "0",
    finalized: false,
  };
}

export interface OfferRow {
  chain_id: number;
  offer_id: string;
  provider: string;
  gpu_model: string;
  gpu_count: number;
  vram_gb: number;
  cpu_cores: number;
  ram_gb: string;
  disk_gb: string;
  bandwidth_mbps: string;
  region: string;
  price_per_gpu_hour: string;
  price_per_tflop: number | "Infinity";
  min_hours: string;
  max_hours: string;
  status: Exclude<OfferStatusName, "None">;
  free_units: number;
  listed_block: string;
  listed_log_index: number;
  updated_block: string;
  finalized: boolean;
}

export interface LeaseRow {
  chain_id: number;
  lease_id: string;
  offer_id: string;
  renter: string;
  provider: string;
  token: string;
  gpus: number;
  hours: string;
  price_per_gpu_hour: string;
  deposit: string;
  accept_deadline: string;
  accepted_at: string | null;
  ends_at: string | null;
  status: Exclude<LeaseStatusName, "None">;
  close_reason: string | null;
  claimed_gross: string;
  claimed_fee: string;
  provider_total: string | null;
  renter_refund: string | null;
  fee_total: string | null;
  encrypted_request: string;
  encrypted_access: string | null;
  booked_block: string;
  booked_tx_hash: string;
  closed_block: string | null;
  /** Outage reports so far: the latest report's row is lease_outage "<lease_id>:<outages_reported>". */
  outages_reported: number;
  updated_block: string;
  finalized: boolean;
}

export interface DisputeRow {
  chain_id: number;
  lease_id: string;
  renter: string;
  provider: string;
  evidence_hash: string;
  evidence_uri: string;
  status: "Open" | "Resolved" | "Finalized";
  arbiter: string | null;
  renter_amount: string | null;
  provider_amount: string | null;
  slash_amount: string | null;
  bond: string;
  bond_to: string | null;
  answer_hash: string | null;
  answer_uri: string | null;
  provider_lost: boolean | null;
  opened_block: string;
  closed_block: string | null;
  updated_block: string;
  finalized: boolean;
}

/** One outage report of a lease (LeaseLiveness), keyed "<lease_id>:<n>" for the lease's n-th report. */
export interface LeaseOutageRow {
  chain_id: number;
  outage_id: string;
  lease_id: string;
  seq: number;
  renter: string;
  provider: string;
  reporter: string;
  last_seen: string;
  cutoff: string;
  bond: string;
  refutable_until: string;
  status: "Reported" | "Refuted" | "Settled";
  reported_block: string;
  reported_tx_hash: string;
  reported_log_index: number;
  refuted_block: string | null;
  refuted_tx_hash: string | null;
  proof_block: string | null;
  settled_block: string | null;
  settled_tx_hash: string | null;
  updated_block: string;
  finalized: boolean;
}

/** A renter's approval of a reporter (approveReporter), keyed "<renter>:<reporter>". */
export interface ReporterApprovalRow {
  chain_id: number;
  approval_id: string;
  renter: string;
  reporter: string;
  approved: boolean;
  updated_block: string;
  finalized: boolean;
}

export interface PriceHistoryRow {
  chain_id: number;
  tx_hash: string;
  log_index: number;
  offer_id: string;
  gpu_model: string;
  block_number: string;
  price_per_gpu_hour: string;
  finalized: boolean;
}

export interface RawEventRow {
  chain_id: number;
  tx_hash: string;
  log_index: number;
  block_number: string;
  block_hash: string;
  address: string;
  name: string;
  /** JSON text of the decoded args (the jsonb column's value). */
  args: string;
  finalized: boolean;
}

/** The derived tables, in foreign-key order (parents first), with their primary keys. */
export const ENTITY_TABLES = {
  provider: ["chain_id", "address"],
  offer: ["chain_id", "offer_id"],
  lease: ["chain_id", "lease_id"],
  dispute: ["chain_id", "lease_id"],
  lease_outage: ["chain_id", "outage_id"],
  reporter_approval: ["chain_id", "approval_id"],
} as const;

export type EntityTable = keyof typeof ENTITY_TABLES;

export interface EntityRows {
  provider: ProviderRow;
  offer: OfferRow;
  lease: LeaseRow;
  dispute: DisputeRow;
  lease_outage: LeaseOutageRow;
  reporter_approval: ReporterApprovalRow;
}
