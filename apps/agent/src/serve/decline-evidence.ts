import { setTimeout as sleep } from "node:timers/promises";
import { bytesToHex } from "viem";
import { declineEvidenceDomain, declineEvidenceTypes } from "@gridlease/sdk/lease-request";
import type { LeaseHandlerDeps } from "./lease-handler";
import { requestSharedSecret, type Booking } from "./lease-request";

const ATTEMPTS = 4;
const RETRY_MS = 2000;

/**
 * Issue 10, M3: a decline counts against the provider's reliability unless the provider shows the
 * request was invalid. The request box is public (LeaseBooked), so revealing its X25519 shared secret
 * lets the web server open that one box, run the same validator (@gridlease/sdk/lease-request) and
 * see for itself; the secret opens nothing else and says nothing about the provider's private key.
 * Signed EIP-712 by the provider wallet, bound to this chain, escrow and lease. Best effort: the lease
 * is declined either way; the web app may not have indexed the booking yet, hence a few retries.
 */
export async function publishDeclineEvidence(deps: Pick<LeaseHandlerDeps, "config" | "keys" | "ctx" | "log" | "shutdown">, booking: Booking): Promise<void> {
  const { config, keys, ctx, log } = deps;
  const id = booking.leaseId;
  const sharedSecret = bytesToHex(requestSharedSecret(keys.encryption, booking.encryptedRequest));
  if (!keys.account.signTypedData) return;
  const signature = await keys.account.signTypedData({
    domain: declineEvidenceDomain(ctx.chainId, ctx.contracts.escrow),
    types: declineEvidenceTypes,
    primaryType: "DeclineEvidence",
    message: { leaseId: id, sharedSecret },
  });
  const url = new URL(`/api/leases/${id}/decline-evidence`, config.apiUrl);
  let problem = "";
  for (let attempt = 1; attempt <= ATTEMPTS && !deps.shutdown.aborted; attempt++) {
    try {
      const response = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ chainId: ctx.chainId, sharedSecret, signature }),
        signal: AbortSignal.timeout(5000),
      });
      if (response.ok) {
        log.info(`lease ${id}: decline evidence accepted by ${url.origin}; this decline does not count against reliability.`);
        return;
      }
      problem = `${response.status} ${(await response.text()).slice(0, 300)}`;
      // 404/409: the web app has not indexed the booking or the decline yet; other 4xx will not change.
      if (response.status !== 404 && response.status !== 409 && response.status < 500) break;
    } catch (error) {
      problem = (error as Error).message;
    }
    if (attempt < ATTEMPTS) await sleep(RETRY_MS * attempt, undefined, { signal: deps.shutdown }).catch(() => {});
  }
  log.warn(`lease ${id}: decline evidence not delivered to ${url}: ${problem}`);
}
