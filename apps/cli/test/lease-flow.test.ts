import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { leaseEscrowAbi, mockUsdcAbi, providerRegistryAbi } from "@gridlease/sdk/contracts.generated";
import { generateEncryptionKeyPair, openJson, sealJson, type LeaseRequestPayload } from "@gridlease/sdk/crypto";
import { deployGridlease, type GridleaseDeployment } from "@gridlease/sdk/deploy";
import { startHardhatNode, type HardhatNode } from "@gridlease/sdk/local-chain";
import { encodeOfferSpec } from "@gridlease/sdk/offers";
import { bytesToHex, createPublicClient, createWalletClient, http, type Hex, type PublicClient } from "viem";
import { mnemonicToAccount } from "viem/accounts";
import { hardhat } from "viem/chains";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { leaseStatusSchema, txOutputSchema } from "../src/output";
import { cli } from "./helpers";

// A real hardhat node with the contracts deployed; a provider (account 1) registered with an X25519
// key and one offer at 1 USDC per GPU-hour; the renter (account 2) only ever acts through the CLI.
const MNEMONIC = "test test test test test test test test test test test junk";
const account = (i: number) => mnemonicToAccount(MNEMONIC, { addressIndex: i });
const [admin, provider, renterAccount] = [account(0), account(1), account(2)];
const USDC = 1_000_000n;
const providerKey = generateEncryptionKeyPair();

let node: HardhatNode;
let client: PublicClient;
let deployment: GridleaseDeployment;
let base: string[];
let sshKeyFile: string;

async function send(who: typeof admin, request: Record<string, unknown>) {
  const hash = await createWalletClient({ account: who, chain: { ...hardhat, rpcUrls: { default: { http: [node.url] } } }, transport: http(node.url) }).writeContract(request as never);
  expect((await client.waitForTransactionReceipt({ hash })).status).toBe("success");
}

beforeAll(async () => {
  node = await startHardhatNode();
  client = createPublicClient({ chain: hardhat, transport: http(node.url), pollingInterval: 100 }) as PublicClient;
  const wallet = createWalletClient({ account: admin, chain: { ...hardhat, rpcUrls: { default: { http: [node.url] } } }, transport: http(node.url) });
  deployment = await deployGridlease({ walletClient: wallet, publicClient: client });
  const token = deployment.token.address;
  for (const who of [provider, renterAccount]) await send(admin, { address: token, abi: mockUsdcAbi, functionName: "faucet", args: [who.address, 10_000n * USDC] });
  await send(provider, { address: token, abi: mockUsdcAbi, functionName: "approve", args: [deployment.registry.address, 10_000n * USDC] });
  await send(provider, { address: deployment.registry.address, abi: providerRegistryAbi, functionName: "register", args: [500n * USDC, bytesToHex(providerKey.publicKey), "ipfs://cli-test"] });
  const spec = encodeOfferSpec({ gpuModel: "H100-SXM", gpuCount: 8, vramGb: 80, cpuCores: 32, ramGb: 256, diskGb: 1000, bandwidthMbps: 10000, region: "eu-west", pricePerGpuHour: USDC, minHours: 1, maxHours: 48 });
  await send(provider, { address: deployment.registry.address, abi: providerRegistryAbi, functionName: "listOffer", args: [spec] });

  // The renter's key file, made by the CLI from an imported key; the passphrase comes from a file.
  const dir = await mkdtemp(path.join(tmpdir(), "gridlease-cli-"));
  const privateKeyFile = path.join(dir, "private-key.txt");
  await writeFile(privateKeyFile, bytesToHex(renterAccount.getHdKey().privateKey!), { mode: 0o600 });
  await writeFile(path.join(dir, "passphrase"), "correct horse battery staple\n", { mode: 0o600 });
  sshKeyFile = path.join(dir, "id_ed25519.pub");
  await writeFile(sshKeyFile, "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGk9q0Qn2yP1c8x3bV0m2JkqW8rL7dT4uYhX5sN6eF1a renter@laptop\n");
  base = ["--rpc", node.url, "--escrow", deployment.escrow.address, "--key-file", path.join(dir, "renter-key.json"), "--passphrase-file", path.join(dir, "passphrase")];
  const init = await cli([...base, "--json", "keys", "init", "--import-private-key-file", privateKeyFile, "--scrypt-n", "1024"]);
  expect(init.code, init.stderr).toBe(0);
  expect(JSON.parse(init.stdout).address).toBe(renterAccount.address);
}, 120_000);

afterAll(async () => {
  await node?.stop();
});

async function json(args: string[]) {
  const result = await cli([...base, "--json", ...args]);
  expect(result.code, result.stderr).toBe(0);
  return { value: JSON.parse(result.stdout) as Record<string, unknown>, stderr: result.stderr };
}

/** The provider's side of an accept: open the sealed request, seal access details to the renter's key. */
async function accept(leaseId: bigint, access: Record<string, unknown>) {
  const [booked] = await client.getContractEvents({ address: deployment.escrow.address, abi: leaseEscrowAbi, eventName: "LeaseBooked", args: { leaseId }, fromBlock: 0n });
  const request = openJson<LeaseRequestPayload>(providerKey, booked!.args.encryptedRequest as Hex, { kind: "request", chainId: 31337, escrow: deployment.escrow.address, offerId: 1n, renter: renterAccount.address });
  const sealed = sealJson(request.renterEncryptionKey, access, { kind: "access", chainId: 31337, escrow: deployment.escrow.address, leaseId, renter: renterAccount.address });
  await send(provider, { address: deployment.escrow.address, abi: leaseEscrowAbi, functionName: "accept", args: [leaseId, sealed] });
  return request;
}

describe("gridlease against a real chain", () => {
  it("books → status → access → extend → cancel, showing progress and keeping each --json schema", async () => {
    const booked = await json(["book", "1", "--hours", "3", "--gpus", "2", "--max-price", "1.5", "--ssh-key", sshKeyFile]);
    txOutputSchema.parse(booked.value);
    expect(booked.stderr).toMatch(/booking sent \(0x[0-9a-f]{64}\); waiting for it to be mined/);
    expect(booked.stderr).toMatch(/✓ booking confirmed in block \d+/);
    const leaseId = BigInt(booked.value.leaseId as string);
    expect(booked.value.deposit).toBe(String(3n * 2n * USDC)); // charged at the actual price, not the guard

    const pending = leaseStatusSchema.parse((await json(["status", String(leaseId)])).value);
    expect([pending.status, pending.gpuCount, pending.hasAccess, pending.renter]).toEqual(["Pending", 2, false, renterAccount.address]);

    const request = await accept(leaseId, { host: "203.0.113.7", port: 2222, user: "renter" });
    expect(request.sshPublicKey).toMatch(/^ssh-ed25519 /); // the provider read the SSH key the CLI sealed
    const active = leaseStatusSchema.parse((await json(["status", String(leaseId)])).value);
    expect([active.status, active.hasAccess]).toEqual(["Active", true]);
    expect((await json(["access", String(leaseId)])).value).toEqual({ host: "203.0.113.7", port: 2222, user: "renter" });

    const extended = await json(["extend", String(leaseId), "--hours", "2"]);
    txOutputSchema.parse(extended.value);
    expect(extended.value.extraDeposit).toBe(String(2n * 2n * USDC));
    expect((await json(["status", String(leaseId)])).value.durationHours).toBe(5);

    txOutputSchema.parse((await json(["cancel", String(leaseId)])).value);
    expect(leaseStatusSchema.parse((await json(["status", String(leaseId)])).value).status).toBe("Closed");
  });

  it("shows a revert as the web app's sentence, and opens a dispute with its bond", async () => {
    const leaseId = BigInt((await json(["book", "1", "--hours", "2", "--max-price", "1", "--ssh-key", sshKeyFile])).value.leaseId as string);
    await accept(leaseId, { host: "203.0.113.8" });
    const refused = await cli([...base, "extend", String(leaseId), "--hours", "1", "--max-price", "0.5"]);
    expect(refused.code).toBe(1);
    expect(refused.stderr.trim().split("\n").at(-1)).toBe("gridlease: The price rose to 1 USDC per GPU-hour, above the 0.5 USDC you accepted. Review the new price and book again.");
    const disputed = await json(["dispute", String(leaseId), "--evidence", "the GPU never came up after boot"]);
    // The v2 bond: the lease's disputeBondBps of its deposit, fixed at booking.
    const terms = await client.readContract({ address: deployment.escrow.address, abi: leaseEscrowAbi, functionName: "leaseTerms", args: [leaseId] });
    expect(terms.disputeBondBps).toBeGreaterThan(0);
    expect(disputed.value.bond).toBe(String((2n * USDC * BigInt(terms.disputeBondBps)) / 10_000n));
    expect(leaseStatusSchema.parse((await json(["status", String(leaseId)])).value).status).toBe("Disputed");
    expect(String(await client.readContract({ address: deployment.escrow.address, abi: leaseEscrowAbi, functionName: "disputeBond", args: [leaseId] }))).toBe(disputed.value.bond);
  });

  it("says what is missing instead of failing obscurely", async () => {
    const wrongPassphrase = path.join(path.dirname(sshKeyFile), "wrong");
    await writeFile(wrongPassphrase, "not the passphrase");
    const locked = await cli([...base.slice(0, -1), wrongPassphrase, "status", "1"]);
    expect(locked.stderr.trim()).toBe("gridlease: Wrong passphrase for the renter key file (or the file was modified).");
    const missing = await cli([...base, "status", "999"]);
    expect(missing.stderr.trim()).toBe("gridlease: Lease #999 does not exist.");
  });
});
