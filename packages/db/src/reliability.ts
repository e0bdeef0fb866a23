/**
 * Declines that count against the provider: all of them, less those the web API verified to be a
 * renter's invalid request (lease_decline_evidence, issue 10 M3) on leases the chain closed by decline.
 */
const PROVIDER_FAULT_DECLINES = `greatest(0, p.leases_declined - (select count(*) from lease_decline_evidence e join lease l on l.chain_id = e.chain_id and l.lease_id = e.lease_id
    where e.chain_id = p.chain_id and e.provider = p.address and l.close_reason = 'ProviderFault'))`;

/**
 * Proof of GPU (issue 21): checks of the provider's offers in the last 30 days that came back Failed or
 * TimedOut (a wrong product or too slow for the claimed GPU; not Unreachable, which an agent from before
 * proof of GPU gets too). The watcher recomputes reliability when it records a check.
 */
const FAILED_GPU_CHECKS = `(select count(*) from gpu_check g where g.chain_id = p.chain_id and g.provider = p.address
    and g.outcome in ('Failed', 'TimedOut') and g.checked_at > now() - interval '30 days')`;

/**
 * Provider reliability, 0..100, from what the index knows:
 *  - 50 % uptime over 7 days (heartbeats; 0 without any),
 *  - 30 % lease completion: (completed + 1) / (completed + not accepted + declined + disputes lost + outages settled + 2),
 *    smoothed so one early failure does not floor a new provider,
 *  - 20 % disputes and outages: 1 − (disputes lost + outages settled) / leases closed. An outage report that
 *    stood (LeaseLiveness: the provider did not prove it was alive, the lease closed as ProviderOffline) is a
 *    failed lease; a refuted report costs the provider nothing. A failed or timed-out GPU check (30 days)
 *    counts here like a lost dispute.
 * One SQL statement so the indexer (lease counters) and the heartbeat API (uptime) recompute it the same way.
 * Parameters: $1 chain id, $2 provider addresses.
 */
export const RELIABILITY_UPDATE_SQL = `
update provider p set reliability = round((100 * (
    0.5 * coalesce(u.uptime_7d, 0)
  + 0.3 * (p.leases_completed + 1)::float8 / (p.leases_completed + p.leases_not_accepted + ${PROVIDER_FAULT_DECLINES} + p.disputes_lost + p.outages_settled + 2)
  + 0.2 * (1 - least(1, (p.disputes_lost + p.outages_settled + ${FAILED_GPU_CHECKS})::float8
      / greatest(1, p.leases_completed + p.leases_cancelled + p.leases_not_accepted + ${PROVIDER_FAULT_DECLINES} + p.disputes_lost + p.outages_settled + ${FAILED_GPU_CHECKS})))
))::numeric, 1)::float8
from provider q left join provider_uptime u on u.chain_id = q.chain_id and u.provider = q.address
where p.chain_id = $1 and p.address = any($2::text[]) and q.chain_id = p.chain_id and q.address = p.address`;
