import type { Account, Address, Hex } from "viem";
import { heartbeatDomain, type HeartbeatDeployment } from "@gridlease/sdk/heartbeat";
import { AGENT_ENDPOINT_TYPES } from "@gridlease/sdk/proof-of-gpu";
import type { Logger } from "../log";

export interface SignedEndpoint {
  url: string;
  timestamp: number;
  signature: Hex;
}

/** EIP-712 `AgentEndpoint(address provider, string url, uint64 timestamp)` in the heartbeats' domain (the web API verifies it against the provider). */
export async function signAgentEndpoint(
  account: Account,
  deployment: HeartbeatDeployment,
  url: string,
  timestamp = Math.floor(Date.now() / 1000),
): Promise<SignedEndpoint> {
  if (!account.signTypedData) throw new Error("This account cannot sign typed data.");
  const signature = await account.signTypedData({
    domain: heartbeatDomain(deployment),
    types: AGENT_ENDPOINT_TYPES,
    primaryType: "AgentEndpoint",
    message: { provider: account.address, url, timestamp: BigInt(timestamp) },
  });
  return { url, timestamp, signature };
}

/** POSTs the endpoint; resolves to a problem description, or undefined when the web app took it. */
export async function postAgentEndpoint(apiUrl: string, provider: Address, body: SignedEndpoint & { chainId?: number }): Promise<string | undefined> {
  const url = new URL(`/api/providers/${provider}/endpoint`, apiUrl);
  try {
    const response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(5000),
    });
    if (response.ok) return undefined;
    const text = (await response.text()).slice(0, 300);
    return `${url} answered ${response.status}${text ? `: ${text}` : ""}`;
  } catch (error) {
    const cause = (error as Error & { cause?: { message?: string } }).cause;
    return `${url} is unreachable (${cause?.message ?? (error as Error).message})`;
  }
}

/** Retries come quickly at first (the web app may still be starting), then at most every minute. */
const RETRY_MS = [2_000, 4_000, 8_000, 15_000, 30_000, 60_000];
/** A registered URL is signed afresh now and then, so a web database that was reset learns it again. */
const REFRESH_MS = 3_600_000;

/**
 * Registers where this provider's agent answers GPU challenges with the web app, at start and then
 * hourly. A failed registration is logged and retried; it never stops the agent (checkers then record
 * the provider as Unreachable until it succeeds).
 */
export class EndpointRegistrar {
  private timer?: NodeJS.Timeout;
  private stopped = false;
  private failures = 0;

  constructor(private readonly options: { apiUrl: string; account: Account; deployment: HeartbeatDeployment; url: string; log: Logger }) {}

  /** `delayMs`: a fleet spreads its providers' first registrations, as it spreads their first heartbeats. */
  start(delayMs = 0): void {
    this.timer = setTimeout(() => void this.attempt(), delayMs);
    this.timer.unref();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private async attempt(): Promise<void> {
    if (this.stopped) return;
    const { apiUrl, account, deployment, url, log } = this.options;
    let problem: string | undefined;
    try {
      problem = await postAgentEndpoint(apiUrl, account.address, { ...(await signAgentEndpoint(account, deployment, url)), chainId: deployment.chainId });
    } catch (error) {
      problem = (error as Error).message;
    }
    if (this.stopped) return;
    if (problem) {
      const delay = RETRY_MS[Math.min(this.failures, RETRY_MS.length - 1)]!;
      // Said on the first failure and then once a minute's worth of retries, not on every attempt.
      if (this.failures === 0 || delay === RETRY_MS.at(-1)) log.warn(`proof of GPU: registering ${url} failed, retrying in ${delay / 1000} s: ${problem}`);
      this.failures++;
      this.timer = setTimeout(() => void this.attempt(), delay);
    } else {
      log.info(`proof of GPU: registered ${url} as this provider's challenge endpoint${this.failures ? ` (after ${this.failures} failed attempt(s))` : ""}.`);
      this.failures = 0;
      this.timer = setTimeout(() => void this.attempt(), REFRESH_MS);
    }
    this.timer?.unref();
  }
}
