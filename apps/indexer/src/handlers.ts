import { gpuModelById } from "@gridlease/sdk/gpus";
import type { Address, Hex } from "viem";
import { bytes32ToText } from "@gridlease/sdk/offers";
import { CLOSE_REASON } from "@gridlease/sdk/protocol";
import type { DecodedEvent, EventArgsOf, IndexedEventName } from "./events";
import { cleanText } from "./sanitize";
import {
  newProviderRow,
  type DisputeRow,
  type EntityRows,
  type EntityTable,
  type LeaseOutageRow,
  type LeaseRow,
  type OfferRow,
  type PriceHistoryRow,
  type ProviderRow,
} from "./rows";
import { IndexerError } from "./errors";

/**
 * The derived rows a batch touches: loaded from the database before the batch (`null` = no row),
 * changed in memory by the handlers, written back at the end. `dirty` lists what changed.
 */
export class BatchState {
  readonly rows: { [T in EntityTable]: Map<string, EntityRows[T] | null> } = {
    provider: new Map(),
    offer: new Map(),
    lease: new Map(),
    dispute: new Map(),
    lease_outage: new Map(),
    reporter_approval: new Map(),
  };
  readonly dirty: { [T in EntityTable]: Set<string> } = {
    provider: new Set(),
    offer: new Set(),
    lease: new Set(),
    dispute: new Set(),
    lease_outage: new Set(),
    reporter_approval: new Set(),
  };
  readonly priceHistory: PriceHistoryRow[] = [];

  constructor(
    readonly chainId: number,
    readonly finalized: (block: bigint) => boolean,
  ) {}

  get<T extends EntityTable>(table: T, key: string): EntityRows[T] | null {
    return (this.rows[table].get(key) ?? null) as EntityRows[T] | null;
  }

  put<T extends EntityTable>(table: T, key: string, row: EntityRows[T], block: bigint): void {
    row.updated_block = block.toString();
    row.finalized = this.finalized(block);
    this.rows[table].set(key, row);
    this.dirty[table].add(key);
  }
}

export class MissingRowError extends IndexerError {
  readonly code = "missing_row";
  constructor(what: string, event: DecodedEvent) {
    super(`${event.name} at block ${event.blockNumber} (tx ${event.txHash}, log ${event.logIndex}) refers to ${what}, which the index does not have`);
    this.name = "MissingRowError";
  }
}

const str = (value: bigint | number | string) => String(value);
const addr = (value: Address) => value.toLowerCase();
/** On-chain text (URIs, bytes32 labels): never stored without cleanText (NUL, controls, length; see sanitize.ts). */
const text = (value: string) => cleanText(value);
const bytes32Text = (value: Hex) => cleanText(bytes32ToText(value));

/** Close reason names by on-chain value, generated from the contracts. */
export const CLOSE_REASONS = CLOSE_REASON;

function pricePerTflop(model: string, price: string): number | "Infinity" {
  const tflops = gpuModelById(model)?.tflops;
  return tflops ? Number(price) / tflops : "Infinity";
}

/**
 * The handler of event `N`. Its args are typed from the ABI (EventArgsOf in events.ts), so reading a
 * field the event does not have, or using it as the wrong type, fails to compile instead of writing
 * "undefined". To handle a new event, add a method named after it to HANDLERS below (its args are then
 * typed by that name); an event of a new contract needs that contract's ABI in INDEXED_ABI first.
 */
type Handler<N extends IndexedEventName> = (state: BatchState, event: DecodedEvent, args: EventArgsOf<N>) => void;
export type Handlers = { [N in IndexedEventName]?: Handler<N> };

function provider(state: BatchState, address: string, event: DecodedEvent): ProviderRow {
  const row = state.get("provider", address);
  if (!row) throw new MissingRowError(`provider ${address}`, event);
  return { ...row };
}
function offer(state: BatchState, id: string, event: DecodedEvent): OfferRow {
  const row = state.get("offer", id);
  if (!row) throw new MissingRowError(`offer ${id}`, event);
  return { ...row };
}
function lease(state: BatchState, id: string, event: DecodedEvent): LeaseRow {
  const row = state.get("lease", id);
  if (!row) throw new MissingRowError(`lease ${id}`, event);
  return { ...row };
}
function dispute(state: BatchState, id: string, event: DecodedEvent): DisputeRow {
  const row = state.get("dispute", id);
  if (!row) throw new MissingRowError(`dispute on lease ${id}`, event);
  return { ...row };
}

const updateProvider = (state: BatchState, event: DecodedEvent, address: string, change: (row: ProviderRow) => void) => {
  const row = provider(state, address, event);
  change(row);
  state.put("provider", address, row, event.blockNumber);
};
const updateOffer = (state: BatchState, event: DecodedEvent, id: string, change: (row: OfferRow) => void) => {
  const row = offer(state, id, event);
  change(row);
  state.put("offer", id, row, event.blockNumber);
};
const updateLease = (state: BatchState, event: DecodedEvent, id: string, change: (row: LeaseRow) => void) => {
  const row = lease(state, id, event);
  change(row);
  state.put("lease", id, row, event.blockNumber);
};

const add = (a: string, b: bigint | number) => (BigInt(a) + BigInt(b)).toString();

/** One handler per event name; events without a handler are only kept as raw events. */
export const HANDLERS: Handlers = {
  ProviderRegistered(state, event, args) {
    const address = addr(args.provider);
    const existing = state.get("provider", address);
    const row: ProviderRow = existing ? { ...existing } : newProviderRow(state.chainId, address, event.blockNumber.toString());
    Object.assign(row, {
      status: "Active",
      stake: str(args.stake),
      pending_unstake: "0",
      unstake_available_at: null,
      encryption_key: str(args.encryptionKey),
      metadata_uri: text(args.metadataURI),
    });
    state.put("provider", address, row, event.blockNumber);
  },
  ProviderUpdated(state, event, args) {
    updateProvider(state, event, addr(args.provider), (row) => {
      row.encryption_key = str(args.encryptionKey);
      row.metadata_uri = text(args.metadataURI);
    });
  },
  StakeAdded(state, event, args) {
    updateProvider(state, event, addr(args.provider), (row) => (row.stake = str(args.totalStake)));
  },
  UnstakeRequested(state, event, args) {
    updateProvider(state, event, addr(args.provider), (row) => {
      row.pending_unstake = add(row.pending_unstake, args.amount);
      row.unstake_available_at = str(args.availableAt);
    });
  },
  UnstakeCancelled(state, event, args) {
    updateProvider(state, event, addr(args.provider), (row) => {
      row.pending_unstake = "0";
      row.unstake_available_at = null;
    });
  },
  StakeWithdrawn(state, event, args) {
    updateProvider(state, event, addr(args.provider), (row) => {
      row.stake = str(args.totalStake);
      row.pending_unstake = "0";
      row.unstake_available_at = null;
      if (row.stake === "0") row.status = "Exited";
    });
  },
  ProviderSlashed(state, event, args) {
    updateProvider(state, event, addr(args.provider), (row) => {
      row.stake = str(args.totalStake);
      row.total_slashed = add(row.total_slashed, args.amount);
      if (BigInt(row.pending_unstake) > BigInt(row.stake)) row.pending_unstake = row.stake;
    });
  },
  OfferListed(state, event, args) {
    const { spec } = args;
    const id = str(args.offerId);
    const providerAddress = addr(args.provider);
    const gpuModel = bytes32Text(spec.gpuModel);
    const price = str(spec.pricePerGpuHour);
    state.put(
      "offer",
      id,
      {
        chain_id: state.chainId,
        offer_id: id,
        provider: providerAddress,
        gpu_model: gpuModel,
        gpu_count: Number(spec.gpuCount),
        vram_gb: Number(spec.vramGb),
        cpu_cores: Number(spec.cpuCores),
        ram_gb: str(spec.ramGb),
        disk_gb: str(spec.diskGb),
        bandwidth_mbps: str(spec.bandwidthMbps),
        region: bytes32Text(spec.region),
        price_per_gpu_hour: price,
        price_per_tflop: pricePerTflop(gpuModel, price),
        min_hours: str(spec.minHours),
        max_hours: str(spec.maxHours),
        status: "Active",
        free_units: Number(spec.gpuCount),
        listed_block: event.blockNumber.toString(),
        listed_log_index: event.logIndex,
        updated_block: "0",
        finalized: false,
      },
      event.blockNumber,
    );
    updateProvider(state, event, providerAddress, (row) => (row.offers_listed += 1));
    recordPrice(state, event, id, gpuModel, price);
  },
  OfferPriceUpdated(state, event, args) {
    const id = str(args.offerId);
    const price = str(args.newPricePerGpuHour);
    updateOffer(state, event, id, (row) => {
      row.price_per_gpu_hour = price;
      row.price_per_tflop = pricePerTflop(row.gpu_model, price);
    });
    recordPrice(state, event, id, offer(state, id, event).gpu_model, price);
  },
  OfferPaused(state, event, args) {
    updateOffer(state, event, str(args.offerId), (row) => (row.status = "Paused"));
  },
  OfferResumed(state, event, args) {
    updateOffer(state, event, str(args.offerId), (row) => (row.status = "Active"));
  },
  OfferDelisted(state, event, args) {
    updateOffer(state, event, str(args.offerId), (row) => (row.status = "Delisted"));
  },
  UnitsReserved(state, event, args) {
    updateOffer(state, event, str(args.offerId), (row) => (row.free_units = Number(args.freeUnits)));
  },
  UnitsReleased(state, event, args) {
    updateOffer(state, event, str(args.offerId), (row) => (row.free_units = Number(args.freeUnits)));
  },
  LeaseBooked(state, event, args) {
    const id = str(args.leaseId);
    const providerAddress = addr(args.provider);
    state.put(
      "lease",
      id,
      {
        chain_id: state.chainId,
        lease_id: id,
        offer_id: str(args.offerId),
        renter: addr(args.renter),
        provider: providerAddress,
        token: addr(args.token),
        gpus: Number(args.gpus),
        hours: str(args.durationHours),
        price_per_gpu_hour: str(args.pricePerGpuHour),
        deposit: str(args.deposit),
        accept_deadline: str(args.acceptDeadline),
        accepted_at: null,
        ends_at: null,
        status: "Pending",
        close_reason: null,
        claimed_gross: "0",
        claimed_fee: "0",
        provider_total: null,
        renter_refund: null,
        fee_total: null,
        encrypted_request: str(args.encryptedRequest),
        encrypted_access: null,
        booked_block: event.blockNumber.toString(),
        booked_tx_hash: event.txHash,
        closed_block: null,
        outages_reported: 0,
        updated_block: "0",
        finalized: false,
      },
      event.blockNumber,
    );
    updateProvider(state, event, providerAddress, (row) => (row.leases_total += 1));
  },
  LeaseAccepted(state, event, args) {
    updateLease(state, event, str(args.leaseId), (row) => {
      row.status = "Active";
      row.accepted_at = str(args.acceptedAt);
      row.ends_at = str(args.endsAt);
      row.encrypted_access = str(args.encryptedAccess);
    });
  },
  LeaseExtended(state, event, args) {
    updateLease(state, event, str(args.leaseId), (row) => {
      row.hours = add(row.hours, args.extraHours);
      row.deposit = add(row.deposit, args.extraDeposit);
      row.ends_at = str(args.endsAt);
    });
  },
  EarningsClaimed(state, event, args) {
    updateLease(state, event, str(args.leaseId), (row) => {
      row.claimed_gross = add(row.claimed_gross, args.gross);
      row.claimed_fee = add(row.claimed_fee, args.fee);
    });
  },
  LeaseClosed(state, event, args) {
    const id = str(args.leaseId);
    const reason = CLOSE_REASONS[args.reason] ?? `Unknown(${args.reason})`;
    updateLease(state, event, id, (row) => {
      row.status = "Closed";
      row.close_reason = reason;
      row.provider_total = str(args.providerTotal);
      row.renter_refund = str(args.renterRefund);
      row.fee_total = str(args.feeTotal);
      row.closed_block = event.blockNumber.toString();
    });
    const counter = (
      { Completed: "leases_completed", CancelledByRenter: "leases_cancelled", NotAccepted: "leases_not_accepted", ProviderFault: "leases_declined" } as const
    )[reason as "Completed"];
    updateProvider(state, event, lease(state, id, event).provider, (row) => {
      if (counter) row[counter] += 1;
      row.earnings_net = add(row.earnings_net, args.providerTotal);
    });
  },
  DisputeOpened(state, event, args) {
    const id = str(args.leaseId);
    updateLease(state, event, id, (row) => (row.status = "Disputed"));
    const disputed = lease(state, id, event);
    state.put(
      "dispute",
      id,
      {
        chain_id: state.chainId,
        lease_id: id,
        renter: addr(args.renter),
        provider: disputed.provider,
        evidence_hash: str(args.evidenceHash),
        evidence_uri: text(args.evidenceURI),
        status: "Open",
        arbiter: null,
        renter_amount: null,
        provider_amount: null,
        slash_amount: null,
        provider_lost: null,
        bond: str(args.bond),
        bond_to: null,
        answer_hash: null,
        answer_uri: null,
        opened_block: event.blockNumber.toString(),
        closed_block: null,
        updated_block: "0",
        finalized: false,
      },
      event.blockNumber,
    );
    updateProvider(state, event, disputed.provider, (row) => (row.disputes_opened += 1));
  },
  DisputeResolved(state, event, args) {
    const id = str(args.leaseId);
    const row = dispute(state, id, event);
    // The provider "lost" when the arbiter slashed it or gave the renter the larger share.
    const lost = args.slashAmount > 0n || args.renterAmount > args.providerAmount;
    Object.assign(row, {
      status: "Resolved",
      arbiter: addr(args.arbiter),
      renter_amount: str(args.renterAmount),
      provider_amount: str(args.providerAmount),
      slash_amount: str(args.slashAmount),
      provider_lost: lost,
      closed_block: event.blockNumber.toString(),
    });
    state.put("dispute", id, row, event.blockNumber);
    if (lost) updateProvider(state, event, row.provider, (p) => (p.disputes_lost += 1));
  },
  DisputeAnswered(state, event, args) {
    const id = str(args.leaseId);
    const row = dispute(state, id, event);
    Object.assign(row, { answer_hash: str(args.evidenceHash), answer_uri: text(args.evidenceURI) });
    state.put("dispute", id, row, event.blockNumber);
  },
  DisputeBondSettled(state, event, args) {
    const id = str(args.leaseId);
    const row = dispute(state, id, event);
    row.bond_to = addr(args.to);
    state.put("dispute", id, row, event.blockNumber);
  },
  DisputeFinalized(state, event, args) {
    const id = str(args.leaseId);
    const row = dispute(state, id, event);
    Object.assign(row, {
      status: "Finalized",
      renter_amount: str(args.renterAmount),
      provider_amount: str(args.providerAmount),
      slash_amount: "0",
      provider_lost: false,
      closed_block: event.blockNumber.toString(),
    });
    state.put("dispute", id, row, event.blockNumber);
  },
  // LeaseLiveness (issue 15). The escrow emits nothing for a suspension or a resumption, so the lease's
  // status follows these events; a settlement's close arrives as the escrow's LeaseClosed (ProviderOffline).
  ReporterApproved(state, event, args) {
    const renter = addr(args.renter);
    const reporter = addr(args.reporter);
    const id = `${renter}:${reporter}`;
    state.put(
      "reporter_approval",
      id,
      {
        chain_id: state.chainId,
        approval_id: id,
        renter,
        reporter,
        approved: args.approved,
        updated_block: "0",
        finalized: false,
      },
      event.blockNumber,
    );
  },
  OutageReported(state, event, args) {
    const id = str(args.leaseId);
    updateLease(state, event, id, (row) => {
      row.status = "Suspended";
      row.outages_reported += 1;
    });
    const reported = lease(state, id, event);
    const seq = reported.outages_reported;
    state.put(
      "lease_outage",
      `${id}:${seq}`,
      {
        chain_id: state.chainId,
        outage_id: `${id}:${seq}`,
        lease_id: id,
        seq,
        renter: reported.renter,
        provider: reported.provider,
        reporter: addr(args.reporter),
        last_seen: str(args.lastSeen),
        cutoff: str(args.cutoff),
        bond: str(args.bond),
        refutable_until: str(args.refutableUntil),
        status: "Reported",
        reported_block: event.blockNumber.toString(),
        reported_tx_hash: event.txHash,
        reported_log_index: event.logIndex,
        refuted_block: null,
        refuted_tx_hash: null,
        proof_block: null,
        settled_block: null,
        settled_tx_hash: null,
        updated_block: "0",
        finalized: false,
      },
      event.blockNumber,
    );
    updateProvider(state, event, reported.provider, (row) => (row.outages_reported += 1));
  },
  OutageRefuted(state, event, args) {
    const id = str(args.leaseId);
    updateLease(state, event, id, (row) => (row.status = "Active"));
    const row = openOutage(state, id, event);
    Object.assign(row, { status: "Refuted", refuted_block: event.blockNumber.toString(), refuted_tx_hash: event.txHash, proof_block: str(args.proofBlock) });
    state.put("lease_outage", row.outage_id, row, event.blockNumber);
    updateProvider(state, event, row.provider, (p) => (p.outages_refuted += 1));
  },
  OutageSettled(state, event, args) {
    const row = openOutage(state, str(args.leaseId), event);
    Object.assign(row, { status: "Settled", settled_block: event.blockNumber.toString(), settled_tx_hash: event.txHash });
    state.put("lease_outage", row.outage_id, row, event.blockNumber);
    updateProvider(state, event, row.provider, (p) => (p.outages_settled += 1));
  },
};

/** The lease's latest outage report, which a refutation or settlement closes. */
function openOutage(state: BatchState, leaseId: string, event: DecodedEvent): LeaseOutageRow {
  const { outages_reported: seq } = lease(state, leaseId, event);
  const row = state.get("lease_outage", `${leaseId}:${seq}`);
  if (row?.status !== "Reported") throw new MissingRowError(`an open outage report of lease ${leaseId}`, event);
  return { ...row };
}

/**
 * Runs the handler of `event`, if any. The one place a decoded event meets its typed handler: decodeLog
 * decoded `event.args` with the ABI entry of `event.name` (strict), so they have that handler's type.
 */
export function applyHandler(state: BatchState, event: DecodedEvent): void {
  const handler = (HANDLERS as Record<string, Handler<IndexedEventName> | undefined>)[event.name];
  handler?.(state, event, event.args as EventArgsOf<IndexedEventName>);
}

function recordPrice(state: BatchState, event: DecodedEvent, offerId: string, gpuModel: string, price: string): void {
  state.priceHistory.push({
    chain_id: state.chainId,
    tx_hash: event.txHash,
    log_index: event.logIndex,
    offer_id: offerId,
    gpu_model: gpuModel,
    block_number: event.blockNumber.toString(),
    price_per_gpu_hour: price,
    finalized: state.finalized(event.blockNumber),
  });
}

/** Keys of the rows a batch's events need loaded before the handlers run. */
export function keysToLoad(events: DecodedEvent[]): { providers: Set<string>; offers: Set<string>; leases: Set<string>; approvals: Set<string> } {
  const providers = new Set<string>();
  const offers = new Set<string>();
  const leases = new Set<string>();
  const approvals = new Set<string>();
  // Any event (of any contract) naming a provider, offer or lease: read by field name, untyped on purpose.
  // A lease's outage rows are found from its row (outages_reported) once loaded (loadBatchState).
  for (const { name, args } of events) {
    if (args.provider !== undefined) providers.add(String(args.provider).toLowerCase());
    if (args.offerId !== undefined) offers.add(String(args.offerId));
    if (args.leaseId !== undefined) leases.add(String(args.leaseId));
    if (name === "ReporterApproved") approvals.add(`${String(args.renter).toLowerCase()}:${String(args.reporter).toLowerCase()}`);
  }
  return { providers, offers, leases, approvals };
}
