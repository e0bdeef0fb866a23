import { execFileSync, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  answerChallenge,
  challengeAnswerSchema,
  checkAnswerShape,
  deriveSeed,
  fingerprint,
  newCheckId,
  productBytes,
  productFromBytes,
  verifyAudit,
} from "@gridlease/sdk/proof-of-gpu";
import { afterAll, describe, expect, it } from "vitest";

// apps/agent/gpu/pog.py (the GPU path) must compute bit-for-bit what the sdk's CPU reference computes, or
// honest GPU hosts would fail their checks. Run it on every Python backend this machine has.
const POG = fileURLToPath(new URL("../gpu/pog.py", import.meta.url));

function probe(module: string): string | undefined {
  const r = spawnSync("python3", ["-c", `import ${module}`], { encoding: "utf8" });
  if (r.error) return `python3 not found (${r.error.message})`;
  return r.status === 0 ? undefined : `python3 cannot import ${module}: ${r.stderr.trim().split("\n").pop()}`;
}

const work = mkdtempSync(join(tmpdir(), "pog-py-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function challengeFor(n: number, products: number) {
  const checkId = newCheckId();
  return { checkId, seed: deriveSeed(newCheckId(), checkId), matrixSize: n, products };
}

function runPog(args: string[], input: object): Buffer {
  return execFileSync("python3", [POG, ...args], { input: JSON.stringify(input), maxBuffer: 64 << 20 });
}

const backends = [
  { name: "numpy", args: ["--backend", "numpy"], skip: probe("numpy") },
  // CPU torch runs the same code as CUDA torch except the matmul dtype; torch is not installed on this project's machines and is not pip-installed by tests.
  { name: "torch (cpu)", args: ["--backend", "torch", "--device", "cpu"], skip: probe("torch") },
];

describe.skipIf(backends[0].skip !== undefined)(
  `pog.py's torch path on a numpy stand-in for torch${backends[0].skip ? ` (skipped: ${backends[0].skip})` : ""}`,
  () => {
    // Not torch: test/fixtures/torch-standin mimics the calls pog.py makes, with 3 "CUDA" devices, so the path a GPU
    // host runs (INT8 probe, compile-and-compare, products spread over devices in batches with a short last batch)
    // is exercised here. Real torch runs in the cases above when installed, and in scripts/gpu/pog-h200.sh.
    const env = { ...process.env, PYTHONPATH: fileURLToPath(new URL("./fixtures/torch-standin", import.meta.url)), PYTHONDONTWRITEBYTECODE: "1" };

    it("spreads products over the devices in batches and answers bit-identically to the sdk", () => {
      const challenge = challengeFor(64, 11);
      const out = execFileSync("python3", [POG, "answer", "--batch", "2"], { input: JSON.stringify(challenge), env });
      const answer = JSON.parse(out.toString());
      expect(answer.backend).toBe("torch+int8+compile");
      expect(answer.devices).toHaveLength(3);
      expect(answer.fingerprints).toEqual(answerChallenge(challenge).fingerprints);
      const fp16 = JSON.parse(
        execFileSync("python3", [POG, "answer", "--batch", "4"], { input: JSON.stringify(challenge), env: { ...env, POG_INT8: "0" } }).toString(),
      );
      expect(fp16.backend).toBe("torch+fp16+compile");
      expect(fp16.commitment).toBe(answer.commitment);
      const bytes = execFileSync("python3", [POG, "product", "7"], { input: JSON.stringify(challenge), env });
      expect(bytes.equals(Buffer.from(productBytes(challenge.seed, 7, 64)))).toBe(true);
    });
  },
);

for (const backend of backends) {
  describe.skipIf(backend.skip !== undefined)(`pog.py on ${backend.name}${backend.skip ? ` (skipped: ${backend.skip})` : ""}`, () => {
    it("answers with the same fingerprints and commitment as the sdk's CPU reference", () => {
      for (const [n, products] of [
        [64, 5],
        [128, 3],
      ]) {
        const challenge = challengeFor(n, products);
        const py = challengeAnswerSchema.parse(JSON.parse(runPog(["answer", ...backend.args], challenge).toString()));
        const js = answerChallenge(challenge);
        expect(py.fingerprints).toEqual(js.fingerprints);
        expect(py.commitment).toBe(js.commitment);
        expect(checkAnswerShape(challenge, py)).toBeUndefined();
      }
    });

    it("serves product bytes identical to the sdk's, which the sdk's audit accepts", () => {
      const challenge = challengeFor(64, 4);
      const js = answerChallenge(challenge);
      const bytes = new Uint8Array(runPog(["product", "2", ...backend.args], challenge));
      expect(Buffer.from(bytes).equals(Buffer.from(productBytes(challenge.seed, 2, 64)))).toBe(true);
      expect(verifyAudit({ seed: challenge.seed, j: 2, n: 64, bytes, fingerprint: Number(js.fingerprints[2]), rounds: 2 })).toEqual({ ok: true });
    });

    it("serve mode answers line by line with the process kept warm", async () => {
      const challenges = [challengeFor(64, 2), challengeFor(64, 3)];
      const child = spawn("python3", [POG, "serve", ...backend.args], { stdio: ["pipe", "pipe", "inherit"] });
      let out = "";
      child.stdout.on("data", (d) => (out += d));
      for (const challenge of challenges) child.stdin.write(`${JSON.stringify({ op: "answer", challenge })}\n`);
      child.stdin.end();
      await new Promise((resolve) => child.on("exit", resolve));
      const replies = out
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l));
      expect(replies.map((r) => r.commitment)).toEqual(challenges.map((c) => answerChallenge(c).commitment));
    });
  });
}

describe.skipIf(backends[0].skip !== undefined)(`pog.py verify (the numpy checker)${backends[0].skip ? ` (skipped: ${backends[0].skip})` : ""}`, () => {
  it("accepts the sdk's product and names the product when one entry is wrong", () => {
    const challenge = challengeFor(64, 3);
    const js = answerChallenge(challenge);
    const file = join(work, "c.bin");
    const bytes = productBytes(challenge.seed, 1, 64);
    writeFileSync(file, bytes);
    const honest = spawnSync("python3", [POG, "verify", "1", file, js.fingerprints[1]], { input: JSON.stringify(challenge), encoding: "utf8" });
    expect(JSON.parse(honest.stdout)).toEqual({ ok: true });
    // Plant an error at a random entry, and commit to the wrong product's own fingerprint (a cheater's best case): Freivalds catches it.
    const bad = Buffer.from(bytes);
    const at = 2 * Math.floor(Math.random() * 64 * 64);
    bad.writeInt16LE(bad.readInt16LE(at) + 1, at);
    writeFileSync(file, bad);
    const wrongFp = spawnSync("python3", [POG, "verify", "1", file, js.fingerprints[1]], { input: JSON.stringify(challenge), encoding: "utf8" });
    expect(JSON.parse(wrongFp.stdout).reason).toMatch(/product 1: fingerprint/);
    const own = fingerprint(productFromBytes(bad, 64), 64, challenge.seed, 1);
    const cheat = spawnSync("python3", [POG, "verify", "1", file, String(own)], { input: JSON.stringify(challenge), encoding: "utf8" });
    expect(cheat.status).toBe(1);
    expect(JSON.parse(cheat.stdout).reason).toMatch(/product 1: Freivalds/);
    expect(readFileSync(file).length).toBe(2 * 64 * 64);
  });
});
