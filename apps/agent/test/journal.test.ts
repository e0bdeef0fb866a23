import { describe, expect, it } from "vitest";
import { appendFile, mkdtemp, readFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { Journal } from "../src/journal";

describe("journal", () => {
  it("replays recorded effects after a reopen", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "gridlease-journal-"));
    const first = await Journal.open(dir);
    await first.record({ event: "provision-started", leaseId: "7", gpuIndices: [2, 3] });
    await first.record({ event: "provisioned", leaseId: "7", encryptedAccess: "0xabcd" });
    await first.record({ event: "provision-failed", leaseId: "8", reason: "exit 1" });
    await first.close();

    const second = await Journal.open(dir);
    expect(second.stateOf(7n)).toMatchObject({ provisionStarted: true, gpuIndices: [2, 3], encryptedAccess: "0xabcd", deprovisioned: false });
    expect(second.stateOf("8").provisionFailure).toBe("exit 1");
    expect(second.stateOf("9").provisionStarted).toBe(false);
    expect(second.stateOf("9").encryptedAccess).toBeUndefined();
    await second.close();
  });

  it("ignores a record torn by a crash and keeps later records readable", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "gridlease-journal-"));
    const journal = await Journal.open(dir);
    await journal.record({ event: "provision-started", leaseId: "1", gpuIndices: [0] });
    await journal.close();
    await appendFile(path.join(dir, "journal.jsonl"), '{"at":"2026-01-01T00:00:00Z","event":"provis');

    const reopened = await Journal.open(dir);
    expect(reopened.stateOf("1").encryptedAccess).toBeUndefined();
    await reopened.record({ event: "provisioned", leaseId: "1", encryptedAccess: "0x01" });
    await reopened.close();

    const lines = (await readFile(path.join(dir, "journal.jsonl"), "utf8")).trim().split("\n");
    expect(lines).toHaveLength(3);
    expect((await Journal.open(dir)).stateOf("1")).toMatchObject({ provisionStarted: true, encryptedAccess: "0x01" });
  });

  it("keeps a scan checkpoint that only moves forward and survives a reopen", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "gridlease-journal-"));
    const journal = await Journal.open(dir);
    expect(await journal.readScanCheckpoint()).toBeUndefined();
    await journal.saveScanCheckpoint(120n);
    await journal.saveScanCheckpoint(90n); // a lease booked earlier still needs work: never move back on disk
    await journal.close();
    const reopened = await Journal.open(dir);
    expect(await reopened.readScanCheckpoint()).toBe(120n);
    await reopened.saveScanCheckpoint(121n);
    expect(JSON.parse(await readFile(path.join(dir, "scan-checkpoint.json"), "utf8"))).toEqual({ block: "121" });
    await reopened.close();
  });
});
