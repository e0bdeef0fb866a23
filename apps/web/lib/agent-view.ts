import { onlineStatus, type OnlineStatus } from "./last-seen";

/** The three commands that bring a registered wallet's agent online (apps/agent/README.md, Quick Start). */
export const AGENT_START_COMMANDS = [
  "gridlease-agent init --import-private-key-file wallet-key.txt",
  "gridlease-agent register",
  "gridlease-agent serve",
] as const;

export type AgentView =
  | { kind: "unregistered" }
  | ({ kind: "online" } & OnlineStatus)
  /** Registered but no heartbeat within the online window: show how to start an agent. */
  | ({ kind: "offline"; commands: readonly string[] } & OnlineStatus);

/**
 * What the Provide page shows for GET /api/providers/{address}: `summary` is its JSON body, or null
 * for a 404 (not registered). Online is the API's own `online` (the server's clock and SQL); the
 * last-seen text comes from `lastHeartbeatAt`.
 */
export function agentView(summary: { online?: boolean; lastHeartbeatAt?: string | null } | null, now = Date.now()): AgentView {
  if (!summary) return { kind: "unregistered" };
  const status = onlineStatus(summary.lastHeartbeatAt ?? null, now);
  const online = summary.online ?? status.online;
  return online ? { kind: "online", ...status, online: true } : { kind: "offline", ...status, online: false, commands: AGENT_START_COMMANDS };
}
