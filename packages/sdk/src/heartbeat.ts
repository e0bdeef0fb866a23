import type { Address } from "viem";

/**
 * Provider heartbeats (docs/protocol.md, "Off-chain heartbeats"). The EIP-712 types, domain and limits
 * live here once so the agent that signs and the web API that verifies cannot drift apart.
 */

/** EIP-712 `Heartbeat(address provider, uint64 timestamp, uint256[] offerIds)`. */
export const HEARTBEAT_TYPES = {
  Heartbeat: [
    { name: "provider", type: "address" },
    { name: "timestamp", type: "uint64" },
    { name: "offerIds", type: "uint256[]" },
  ],
} as const;

export interface HeartbeatDeployment {
  chainId: number;
  /** The deployment's ProviderRegistry: where providers and their offers live. */
  registry: Address;
}

/**
 * Domain `Gridlease`/`1`/chainId/verifyingContract = the deployment's ProviderRegistry. Binding the
 * registry (not only the chain id) means a heartbeat signed for one deployment — a testnet rehearsal,
 * a redeploy on the same chain — is worthless against another.
 */
export function heartbeatDomain(deployment: HeartbeatDeployment) {
  return { name: "Gridlease", version: "1", chainId: deployment.chainId, verifyingContract: deployment.registry } as const;
}

/**
 * Uptime is counted in 5-minute slots and the server stores at most one heartbeat per provider per
 * slot. The agent beats every 60 s by default (`intervals.heartbeatSeconds`), so a slot normally sees
 * five beats and one or two lost ones do not cost the provider the slot; anything beyond the first
 * beat in a slot adds no information, so it is answered without a write.
 */
export const HEARTBEAT_SLOT_SECONDS = 300;
/** Beats signed further ahead than this are refused: enough for NTP-synchronised clocks, too little to pre-sign the next slot. */
export const HEARTBEAT_MAX_FUTURE_SECONDS = 30;
/** Beats older than this are refused: a delivery takes seconds (the agent gives up after 5 s), so older ones are replays. */
export const HEARTBEAT_MAX_AGE_SECONDS = 120;
/**
 * A provider is online while its last valid heartbeat (the signed time, never later than when it
 * arrived) is at most this old. The agent beats every 60 s, so one lost or late beat does not take it
 * offline, and a stopped agent is offline within 2 minutes. Search, offer pages and the booking form
 * all use this one definition (isOnline below; the same comparison in SQL in packages/db).
 */
export const ONLINE_WINDOW_SECONDS = 120;

/** Whether a provider last seen at `lastSeen` (ISO string, Date or null) is online at `now` (ms). */
export function isOnline(lastSeen: string | Date | null | undefined, now = Date.now()): boolean {
  if (!lastSeen) return false;
  const seen = typeof lastSeen === "string" ? Date.parse(lastSeen) : lastSeen.getTime();
  return Number.isFinite(seen) && now - seen <= ONLINE_WINDOW_SECONDS * 1000;
}

/** At most this many offer ids in one heartbeat (each must be an offer of the signing provider). */
export const HEARTBEAT_MAX_OFFER_IDS = 256;

/** The uptime slot a unix time (seconds) falls in. */
export function heartbeatSlot(unixSeconds: number): number {
  return Math.floor(unixSeconds / HEARTBEAT_SLOT_SECONDS);
}
