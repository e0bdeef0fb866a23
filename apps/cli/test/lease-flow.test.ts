import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { leaseEscrowAbi } from "@gridlease/sdk/contracts.generated";
import { bytesToHex } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLocalMarket, USDC, type LocalMarket } from "../../../packages/client/test/local-market";
import { leaseStatusSchema, txOutputSchema } from "../src/output";
import { cli } from "./helpers";

// A real hardhat node with the contracts, a registered provider with one offer at 1 USDC per
// GPU-hour (packages/client/test/local-market.ts); the renter only ever acts through the CLI.
let market: LocalMarket;
let base: string[];
let sshKeyFile: string;

beforeAll(async () => {
  market = await startLocalMarket();
  // The renter's key file, made by the CLI from an imported key; the passphrase comes from a file.
  const dir = await mkdtemp(path.join(tmpdir(), "gridlease-cli-"));
  const privateKeyFile = path.join(dir, "private-key.txt");
  await writeFile(privateKeyFile, bytesToHex(market.renter.getHdKey().privateKey!), { mode: 0o600 });
  await writeFile(path.join(dir, "passphrase"), "correct horse battery staple\n", { mode: 0o600 });
  sshKeyFile = path.join(dir, "id_ed25519.pub");
  await writeFile(sshKeyFile, "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGk9q0Qn2yP1c8x3bV0m2JkqW8rL7dT4uYhX5sN6eF1a renter@laptop\n");
  base = [
    "--rpc",
    market.node.url,
    "--escrow",
    market.deployment.escrow.address,
    "--key-file",
    path.join(dir, "renter-key.json"),
    "--passphrase-file",
    path.join(dir, "passphrase"),
  ];
  const init = await cli([...base, "--json", "keys", "init", "--import-private-key-file", privateKeyFile, "--scrypt-n", "1024"]);
  expect(init.code, init.stderr).toBe(0);
  expect(JSON.parse(init.stdout).address).toBe(market.renter.address);
}, 120_000);

afterAll(async () => {
  await market?.stop();
});

async function json(args: string[]) {
  const result = await cli([...base, "--json", ...args]);
  expect(result.code, result.stderr).toBe(0);
  return { value: JSON.parse(result.stdout) as Record<string, unknown>, stderr: result.stderr };
}

const accept = (leaseId: bigint, access: Record<string, unknown>) => market.accept(leaseId, access);

describe("gridlease against a real chain", () => {
  it("books → status → access → extend → cancel, showing progress and keeping each --json schema", async () => {
    const booked = await json(["book", "1", "--hours", "3", "--gpus", "2", "--max-price", "1.5", "--ssh-key", sshKeyFile]);
    txOutputSchema.parse(booked.value);
    expect(booked.stderr).toMatch(/booking sent \(0x[0-9a-f]{64}\); waiting for it to be mined/);
    expect(booked.stderr).toMatch(/✓ booking confirmed in block \d+/);
    const leaseId = BigInt(booked.value.leaseId as string);
    expect(booked.value.deposit).toBe(String(3n * 2n * USDC)); // charged at the actual price, not the guard

    const pending = leaseStatusSchema.parse((await json(["status", String(leaseId)])).value);
    expect([pending.status, pending.gpuCount, pending.hasAccess, pending.renter]).toEqual(["Pending", 2, false, market.renter.address]);

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
    expect(refused.stderr.trim().split("\n").at(-1)).toBe(
      "gridlease: The price rose to 1 USDC per GPU-hour, above the 0.5 USDC you accepted. Review the new price and book again.",
    );
    const disputed = await json(["dispute", String(leaseId), "--evidence", "the GPU never came up after boot"]);
    // The v2 bond: the lease's disputeBondBps of its deposit, fixed at booking.
    const terms = await market.client.readContract({
      address: market.deployment.escrow.address,
      abi: leaseEscrowAbi,
      functionName: "leaseTerms",
      args: [leaseId],
    });
    expect(terms.disputeBondBps).toBeGreaterThan(0);
    expect(disputed.value.bond).toBe(String((2n * USDC * BigInt(terms.disputeBondBps)) / 10_000n));
    expect(leaseStatusSchema.parse((await json(["status", String(leaseId)])).value).status).toBe("Disputed");
    expect(
      String(
        await market.client.readContract({ address: market.deployment.escrow.address, abi: leaseEscrowAbi, functionName: "disputeBond", args: [leaseId] }),
      ),
    ).toBe(disputed.value.bond);
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
