import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bytesToHex, hexToBytes, type Address, type Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { generateEncryptionKeyPair, sealJson, sharedSecretOf } from "@gridlease/sdk/crypto";
import { declineEvidenceDomain, declineEvidenceTypes } from "@gridlease/sdk/lease-request";
import { closeDatabaseClients, getPool } from "../src/client";
import { DeclineEvidenceRejected, recordDeclineEvidence, type DeclineEvidenceBody } from "../src/decline-evidence";
import { startTempPostgres } from "../src/embedded";
import { runMigrations } from "../src/migrate";
import { RELIABILITY_UPDATE_SQL } from "../src/reliability";

const CHAIN_ID = 31337;
const ESCROW: Address = "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512";
const RENTER: Address = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC";
const provider = privateKeyToAccount("0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d"); // Hardhat #1
const stranger = privateKeyToAccount("0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a"); // Hardhat #2
const providerKeys = generateEncryptionKeyPair();
const SSH = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGk9q0Qn2yP1c8x3bV0m2JkqW8rL7dT4uYhX5sN6eF1a renter@laptop";
let server: Awaited<ReturnType<typeof startTempPostgres>>;
let nextLease = 1n;
const sealed = new Map<bigint, Hex>();

beforeAll(async () => {
  server = await startTempPostgres("gridlease-decline-evidence-");
  await runMigrations(server.url);
  process.env.DATABASE_URL = server.url;
  const db = getPool();
  await db.query(
    `insert into indexer_cursor (chain_id, registry_address, escrow_address, deploy_block, deploy_block_hash, block_number, block_hash, finalized_block)
     values ($1, '0x5fbdb2315678afecb367f032d93f642f64180aa3', $2, 1, '0xaa', 100, '0xbb', 90)`,
    [CHAIN_ID, ESCROW.toLowerCase()],
  );
  // Three completed leases, nothing else: the indexer writes these rows in production.
  await db.query(
    `insert into provider (chain_id, address, status, stake, pending_unstake, total_slashed, encryption_key, metadata_uri, registered_block, offers_listed,
       leases_total, leases_completed, leases_cancelled, leases_not_accepted, leases_declined, disputes_opened, disputes_lost, earnings_net, updated_block)
     values ($1, $2, 'Active', 250000000, 0, 0, $3, '', 1, 1, 3, 3, 0, 0, 0, 0, 0, 0, 1)`,
    [CHAIN_ID, provider.address.toLowerCase(), bytesToHex(providerKeys.publicKey)],
  );
  await db.query(RELIABILITY_UPDATE_SQL, [CHAIN_ID, [provider.address.toLowerCase()]]);
}, 120_000);

afterAll(async () => {
  await closeDatabaseClients();
  await server?.stop();
});

const reliability = async () =>
  (
    await getPool().query<{ reliability: number }>("select reliability from provider where chain_id = $1 and address = $2", [
      CHAIN_ID,
      provider.address.toLowerCase(),
    ])
  ).rows[0]!.reliability;

/** A booking the provider declined, as the indexer records it (lease closed ProviderFault, leases_declined + 1). */
async function declinedLease(request: unknown): Promise<bigint> {
  const leaseId = nextLease++;
  const encryptedRequest = sealJson(bytesToHex(providerKeys.publicKey), request, {
    kind: "request",
    chainId: CHAIN_ID,
    escrow: ESCROW,
    offerId: 1n,
    renter: RENTER,
  });
  sealed.set(leaseId, encryptedRequest);
  const db = getPool();
  await db.query(
    `insert into lease (chain_id, lease_id, offer_id, renter, provider, token, gpus, hours, price_per_gpu_hour, deposit, accept_deadline, status, close_reason,
       claimed_gross, claimed_fee, provider_total, renter_refund, fee_total, encrypted_request, booked_block, booked_tx_hash, closed_block, updated_block)
     values ($1, $2, 1, $3, $4, '0x0', 1, 2, 2000000, 4000000, 1900000000, 'Closed', 'ProviderFault', 0, 0, 0, 4000000, 0, $5, 10, '0xab', 11, 11)`,
    [CHAIN_ID, leaseId.toString(), RENTER.toLowerCase(), provider.address.toLowerCase(), encryptedRequest],
  );
  await db.query("update provider set leases_total = leases_total + 1, leases_declined = leases_declined + 1 where chain_id = $1 and address = $2", [
    CHAIN_ID,
    provider.address.toLowerCase(),
  ]);
  await db.query(RELIABILITY_UPDATE_SQL, [CHAIN_ID, [provider.address.toLowerCase()]]);
  return leaseId;
}

async function evidence(leaseId: bigint, options: { secret?: Hex; signer?: typeof provider; escrow?: Address } = {}): Promise<DeclineEvidenceBody> {
  const sharedSecret = options.secret ?? bytesToHex(sharedSecretOf(providerKeys, hexToBytes(sealed.get(leaseId)!)));
  const signature = await (options.signer ?? provider).signTypedData({
    domain: declineEvidenceDomain(CHAIN_ID, options.escrow ?? ESCROW),
    types: declineEvidenceTypes,
    primaryType: "DeclineEvidence",
    message: { leaseId, sharedSecret },
  });
  return { chainId: CHAIN_ID, sharedSecret, signature };
}

async function rejection(leaseId: bigint, body: DeclineEvidenceBody) {
  const error = await recordDeclineEvidence(leaseId, body).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DeclineEvidenceRejected);
  const { status, code, field } = error as DeclineEvidenceRejected;
  return { status, code, field };
}

describe("decline evidence (issue 10, M3)", () => {
  it("a verified invalid request leaves reliability unchanged, while a plain decline lowers it", async () => {
    const before = await reliability();
    // The renter's request carries the all-zero (low-order) encryption key: the agent declines it.
    const invalid = await declinedLease({ sshPublicKey: SSH, renterEncryptionKey: `0x${"00".repeat(32)}` });
    const lowered = await reliability();
    expect(lowered).toBeLessThan(before);
    const { problem, reliability: restored } = await recordDeclineEvidence(invalid, await evidence(invalid));
    expect(problem).toMatch(/^renterEncryptionKey: a low-order X25519 point/);
    expect(restored).toBe(before);
    expect(await reliability()).toBe(before);
    const { rows } = await getPool().query("select verdict from lease_decline_evidence where chain_id = $1 and lease_id = $2", [CHAIN_ID, invalid.toString()]);
    expect(rows).toEqual([{ verdict: "declined_invalid_request" }]);

    // A valid request the provider declined anyway: the evidence is refused and the decline keeps counting.
    const valid = await declinedLease({ sshPublicKey: SSH, renterEncryptionKey: bytesToHex(generateEncryptionKeyPair().publicKey) });
    const afterPlainDecline = await reliability();
    expect(afterPlainDecline).toBeLessThan(before);
    expect(await rejection(valid, await evidence(valid))).toEqual({ status: 422, code: "request_is_valid", field: "sharedSecret" });
    expect(await reliability()).toBe(afterPlainDecline);
  });

  it("refuses a wrong secret, a secret for another box, a stranger's signature, another escrow's signature and an unknown lease, naming the field", async () => {
    const a = await declinedLease({ sshPublicKey: "not a key", renterEncryptionKey: bytesToHex(generateEncryptionKeyPair().publicKey) });
    const b = await declinedLease({ sshPublicKey: "not a key either", renterEncryptionKey: bytesToHex(generateEncryptionKeyPair().publicKey) });
    const secretOfB = bytesToHex(sharedSecretOf(providerKeys, hexToBytes(sealed.get(b)!)));
    expect(await rejection(a, await evidence(a, { secret: `0x${"11".repeat(32)}` }))).toEqual({
      status: 422,
      code: "secret_does_not_open_request",
      field: "sharedSecret",
    });
    expect(await rejection(a, await evidence(a, { secret: secretOfB }))).toEqual({ status: 422, code: "secret_does_not_open_request", field: "sharedSecret" });
    expect(await rejection(a, await evidence(a, { signer: stranger }))).toEqual({ status: 403, code: "bad_signature", field: "signature" });
    expect(await rejection(a, await evidence(a, { escrow: "0x5FbDB2315678afecb367f032d93F642f64180aa3" }))).toEqual({
      status: 403,
      code: "bad_signature",
      field: "signature",
    });
    // A signature over lease b's secret does not count for lease a.
    expect(await rejection(a, { ...(await evidence(b)), sharedSecret: secretOfB })).toEqual({ status: 403, code: "bad_signature", field: "signature" });
    expect(await rejection(999n, await evidence(a))).toEqual({ status: 404, code: "unknown_lease", field: "leaseId" });
    expect((await getPool().query("select 1 from lease_decline_evidence where lease_id = $1", [a.toString()])).rows).toEqual([]);
  });
});
