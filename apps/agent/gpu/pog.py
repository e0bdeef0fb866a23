#!/usr/bin/env python3
"""Proof of GPU (issue 21, docs/proof-of-gpu.md): the agent's GPU path.

Computes exactly what packages/sdk/src/proof-of-gpu computes on the CPU (same operands, product and
fingerprint, bit for bit) with PyTorch INT8 (torch._int_mm, else fp16) matmuls on CUDA, batching
products, one Python thread keeping every GPU's queue full.
Without torch (or with --backend numpy) the same code runs on numpy, so the generation and fingerprint
are checked against the JS reference on machines without a GPU too.

  pog.py info                       -> {"backend", "cuda", "devices": [...], "compiled"}
  pog.py answer   < challenge.json  -> ChallengeAnswer JSON (+ "backend", "devices")
  pog.py product J < challenge.json -> C_J as n*n int16 little-endian on stdout (what an audit fetches)
  pog.py verify J FILE FINGERPRINT < challenge.json -> {"ok": ..., "reason"?}: Freivalds + fingerprint, numpy
  pog.py serve                      -> one JSON request per stdin line, one JSON reply per stdout line:
                                       {"op": "answer", "challenge": {...}}
                                       {"op": "product", "challenge": {...}, "j": J, "path": FILE}
                                       {"op": "warmup", "matrixSize": N}  (compile + CUDA init before timed work)
                                       keeps torch and the CUDA contexts warm between challenges.
Options: --backend auto|torch|numpy, --device cpu|cuda (torch), --batch B (products per GPU launch).
Env: POG_INT8=0 (fp16 matmuls), POG_COMPILE=0 (no torch.compile).
Installs nothing; the agent runs it only when `import torch` works and CUDA is available.
"""
import argparse
import hashlib
import json
import os
import secrets
import struct
import sys
import time

M32 = 0xFFFFFFFF
# Tags exactly as packages/sdk/src/proof-of-gpu/hash.ts.
TAG_WEIGHT_ROWS = 0xFFFFFFF0
TAG_WEIGHT_COLS = 0xFFFFFFF1
TAG_FINGERPRINT = 0xFFFFFFF2
FREIVALDS_R_BITS = 20


def lowbias32_int(x):
    x &= M32
    x ^= x >> 16
    x = (x * 0x7FEB352D) & M32
    x ^= x >> 15
    x = (x * 0x846CA68B) & M32
    x ^= x >> 16
    return x


def seed_words(seed_hex):
    raw = bytes.fromhex(seed_hex[2:] if seed_hex.startswith("0x") else seed_hex)
    if len(raw) != 32:
        raise ValueError("seed must be 32 bytes")
    return list(struct.unpack(">8I", raw))


def seed_key(words, tag):
    h = lowbias32_int(tag)
    for w in words:
        h = lowbias32_int(h ^ w)
    return h


def matrix_keys(words, j, which):
    base = j * 4 + which * 2
    return seed_key(words, base), seed_key(words, base + 1)


# ---- array arithmetic shared by numpy and torch: int64 arrays holding uint32 values -----------------
# Products of two uint32 values overflow int64, so multiplications mod 2^32 are split into 16-bit halves
# (every intermediate < 2^49): the same code is then exact on numpy and torch, CPU and CUDA.


def mulmod32(a, b):
    lo = a * (b & 0xFFFF)
    hi = (a * (b >> 16)) & 0xFFFF
    return (lo + (hi << 16)) & M32


# Byte b of a hash word holds 4 entries (2 bits each, 0->0, 1->1, 2->-1, 3->0): BYTE_ENTRIES[b] lists them.
# Expanding through bytes writes the n^2 entries once from an n^2/4 index array, not from 16 shifted copies.
BYTE_ENTRIES = [[(0, 1, -1, 0)[(b >> (2 * s)) & 3] for s in range(4)] for b in range(256)]
BYTE_SHIFTS = (0, 8, 16, 24)


def lowbias32_arr(x):
    x = x & M32
    x = x ^ (x >> 16)
    x = mulmod32(x, 0x7FEB352D)
    x = x ^ (x >> 15)
    x = mulmod32(x, 0x846CA68B)
    return x ^ (x >> 16)


class NumpyBackend:
    name = "numpy"

    def __init__(self):
        import numpy as np

        self.np = np
        self.devices = ["cpu"]
        self.compiled = False

    def generate(self, k0, k1, n, device=None):
        np = self.np
        words = np.arange(n * n // 16, dtype=np.int64)
        h = lowbias32_arr(lowbias32_arr(words ^ k0) ^ k1)
        byte = (h[:, None] >> np.array(BYTE_SHIFTS, dtype=np.int64)[None, :]) & 255
        return np.array(BYTE_ENTRIES, dtype=np.int8)[byte].reshape(n, n)

    def products(self, pairs, n, device=None):
        np = self.np
        # float32 BLAS is exact here: every partial sum is an integer of magnitude <= n <= 8192 < 2^24.
        return [np.rint(a.astype(np.float32) @ b.astype(np.float32)).astype(np.int16) for a, b in pairs]

    def weights(self, ku, kv, n, device=None):
        np = self.np
        idx = np.arange(n, dtype=np.int64)
        return lowbias32_arr(idx ^ ku), lowbias32_arr(idx ^ kv)

    def fingerprint(self, c, n, u, v, start_j):
        t = c.astype(self.np.int64) + n
        t = t * t
        g = mulmod32(t, v[None, :]).sum(axis=1) & M32
        return (start_j + int(mulmod32(u, g).sum())) & M32

    def to_bytes(self, c):
        return c.astype("<i2").tobytes()


class TorchBackend:
    name = "torch"

    def __init__(self, device_kind):
        import torch

        self.torch = torch
        if device_kind == "cuda":
            if not torch.cuda.is_available():
                raise RuntimeError("CUDA is not available to torch")
            self.devices = [f"cuda:{i}" for i in range(torch.cuda.device_count())]
            # fp16 inputs, fp32 accumulation: the reduced-precision split-K reduction is switched off so every
            # partial sum stays exact (they are integers far below 2^24 anyway).
            torch.backends.cuda.matmul.allow_fp16_reduced_precision_reduction = False
        else:
            self.devices = ["cpu"]
        self.cuda = device_kind == "cuda"
        self.mm = "fp16" if self.cuda else "fp32"
        if self.cuda and os.environ.get("POG_INT8", "1") != "0" and hasattr(torch, "_int_mm"):
            # INT8 tensor cores are twice (datacenter) to four times (GeForce) the fp16 rate and exact for these
            # {-1,0,1} operands (int32 accumulation); the deadlines are sized for them (exactRate in params.ts).
            # torch._int_mm is used only if it agrees with fp16 on a small product here.
            try:
                a = torch.randint(-1, 2, (64, 64), dtype=torch.int8, device=self.devices[0])
                b = torch.randint(-1, 2, (64, 64), dtype=torch.int8, device=self.devices[0])
                if torch.equal(torch._int_mm(a, b), (a.half() @ b.half()).to(torch.int32)):
                    self.mm = "int8"
                else:
                    print("pog.py: torch._int_mm disagrees with fp16; using fp16", file=sys.stderr)
            except Exception as e:  # noqa: BLE001 - fp16 it is
                print(f"pog.py: torch._int_mm unusable ({e}); using fp16", file=sys.stderr)
        self.compiled = False
        self._compiled = {}
        if self.cuda and os.environ.get("POG_COMPILE", "1") != "0":
            # Fusing the elementwise hash and fingerprint into single kernels keeps them small next to the matmul
            # (eager torch makes ~15 passes over n^2 int64 values per matrix). torch.compile compiles lazily, so a
            # failure shows on first use: _run then falls back to eager for good. Each compiled function is also
            # compared with eager once, since a wrong fingerprint would fail an honest host.
            try:
                self._compiled = {
                    "gen": torch.compile(self._generate_eager, dynamic=False),
                    "fp": torch.compile(self._fingerprint_rows_eager, dynamic=False),
                }
                self.compiled = True
            except Exception as e:  # noqa: BLE001 - any failure means eager
                print(f"pog.py: torch.compile unavailable ({e}); eager kernels", file=sys.stderr)
        self._checked = set()
        self.full_batch = None
        if self._compiled:
            # One compiled graph per device and shape; the default limit (8) would push an 8-GPU host back to eager.
            torch._dynamo.config.cache_size_limit = 64

    def _run(self, kind, eager, batch_size, *args):
        # Only full batches use the compiled kernels: a last, shorter batch would trigger a recompile (seconds).
        fn = self._compiled.get(kind) if batch_size == self.full_batch else None
        if fn is None:
            return eager(*args)
        try:
            out = fn(*args)
            if kind not in self._checked:
                if not self.torch.equal(out, eager(*args)):
                    raise RuntimeError(f"compiled {kind} differs from eager")
                self._checked.add(kind)
            return out
        except Exception as e:  # noqa: BLE001 - fall back, say why
            print(f"pog.py: compiled {kind} failed ({e}); eager from now on", file=sys.stderr)
            self._compiled.pop(kind, None)
            self.compiled = bool(self._compiled)
            return eager(*args)

    def device_names(self):
        if not self.cuda:
            return ["cpu"]
        return [self.torch.cuda.get_device_name(i) for i in range(len(self.devices))]

    def _generate_eager(self, words, k0, k1, shifts, table):
        h = lowbias32_arr(lowbias32_arr(words ^ k0) ^ k1)
        byte = (h[..., None] >> shifts) & 255
        return table[byte]

    def generate_batch(self, keys, n, device):
        torch = self.torch
        words = torch.arange(n * n // 16, dtype=torch.int64, device=device)
        k0 = torch.tensor([k[0] for k in keys], dtype=torch.int64, device=device)[:, None]
        k1 = torch.tensor([k[1] for k in keys], dtype=torch.int64, device=device)[:, None]
        shifts = torch.tensor(BYTE_SHIFTS, dtype=torch.int64, device=device)
        dtype = {"int8": torch.int8, "fp16": torch.float16, "fp32": torch.float32}[self.mm]
        table = torch.tensor(BYTE_ENTRIES, dtype=dtype, device=device)
        out = self._run("gen", self._generate_eager, len(keys), words[None, :], k0, k1, shifts, table)
        return out.reshape(len(keys), n, n)

    def generate(self, k0, k1, n, device="cpu"):
        return self.generate_batch([(k0, k1)], n, device)[0].to(self.torch.int8).cpu().numpy()

    def multiply_batch(self, a, b):
        # INT8 (int32 out) or fp16 (fp32 accumulation) tensor cores on CUDA, fp32 on CPU: all exact here.
        if self.mm == "int8":
            # _int_mm has no batched form; one launch per product of n = 4096 (~70 µs of work) costs little.
            return self.torch.stack([self.torch._int_mm(a[i], b[i]) for i in range(a.shape[0])])
        return self.torch.bmm(a, b)

    def _fingerprint_rows_eager(self, c, n, u, v):
        t = c.to(self.torch.int64) + n
        t = t * t
        g = mulmod32(t, v).sum(dim=-1) & M32
        return mulmod32(u, g).sum(dim=-1)

    def weights(self, ku, kv, n, device="cpu"):
        idx = self.torch.arange(n, dtype=self.torch.int64, device=device)
        return lowbias32_arr(idx ^ ku), lowbias32_arr(idx ^ kv)

    def fingerprints_batch(self, c, n, u, v):
        """Enqueues the fingerprints of a batch (a device tensor; reading it waits for the GPU)."""
        return self._run("fp", self._fingerprint_rows_eager, c.shape[0], c, n, u, v)

    def product_bytes(self, keys_a, keys_b, n, device):
        a = self.generate_batch([keys_a], n, device)
        b = self.generate_batch([keys_b], n, device)
        c = self.multiply_batch(a, b)[0]
        return c.to(self.torch.int16).cpu().numpy().astype("<i2").tobytes()


def describe(backend):
    if not isinstance(backend, TorchBackend):
        return backend.name
    return f"torch+{backend.mm}" + ("+compile" if backend.compiled else "")


def pick_backend(name, device):
    if name in ("auto", "torch"):
        try:
            import torch  # noqa: F401

            kind = device or ("cuda" if torch.cuda.is_available() else "cpu")
            return TorchBackend(kind)
        except ImportError:
            if name == "torch":
                raise
    return NumpyBackend()


def answer(backend, challenge, batch):
    """Fingerprints of every product; GPU g takes the g-th contiguous share of the products."""
    n = int(challenge["matrixSize"])
    m = int(challenge["products"])
    words = seed_words(challenge["seed"])
    ku, kv = seed_key(words, TAG_WEIGHT_ROWS), seed_key(words, TAG_WEIGHT_COLS)
    start = seed_key(words, TAG_FINGERPRINT)
    fps = [0] * m
    devices = backend.devices
    share = (m + len(devices) - 1) // len(devices)
    t0 = time.perf_counter()

    if isinstance(backend, TorchBackend):
        # One Python thread drives every GPU: kernel launches return at once, so enqueuing a batch on each
        # device in turn keeps them all busy, and nothing runs torch.compile'd code from several threads.
        queues = [list(range(g * share, min(m, (g + 1) * share))) for g in range(len(devices))]
        uv = [backend.weights(ku, kv, n, d) for d in devices]
        backend.full_batch = batch
        in_flight = []
        while any(queues) or in_flight:
            # Enqueue the next batch on every device before reading the previous one, so each GPU always has
            # work queued while Python waits for a result.
            queued = []
            for g, d in enumerate(devices):
                js, queues[g] = queues[g][:batch], queues[g][batch:]
                if not js:
                    continue
                a = backend.generate_batch([matrix_keys(words, j, 0) for j in js], n, d)
                b = backend.generate_batch([matrix_keys(words, j, 1) for j in js], n, d)
                queued.append((js, backend.fingerprints_batch(backend.multiply_batch(a, b), n, *uv[g])))
            for js, fs in in_flight:
                for j, f in zip(js, fs.cpu().tolist()):
                    fps[j] = (lowbias32_int(start ^ j) + int(f)) & M32
            in_flight = queued
    else:
        u, v = backend.weights(ku, kv, n)
        for j in range(m):
            a = backend.generate(*matrix_keys(words, j, 0), n)
            b = backend.generate(*matrix_keys(words, j, 1), n)
            (c,) = backend.products([(a, b)], n)
            fps[j] = backend.fingerprint(c, n, u, v, lowbias32_int(start ^ j))
    compute_ms = round((time.perf_counter() - t0) * 1000)
    seed = bytes.fromhex(challenge["seed"][2:])
    check_id = bytes.fromhex(challenge["checkId"][2:])
    commitment = "0x" + hashlib.sha256(seed + check_id + struct.pack(f">{m}I", *fps)).hexdigest()
    return {
        "checkId": challenge["checkId"],
        "commitment": commitment,
        "fingerprints": [str(f) for f in fps],
        "computeMs": compute_ms,
        "backend": describe(backend),
        "devices": backend.device_names() if isinstance(backend, TorchBackend) else ["cpu"],
    }


def product(backend, challenge, j):
    n = int(challenge["matrixSize"])
    if not 0 <= j < int(challenge["products"]):
        raise ValueError(f"product {j} out of range")
    words = seed_words(challenge["seed"])
    if isinstance(backend, TorchBackend):
        return backend.product_bytes(matrix_keys(words, j, 0), matrix_keys(words, j, 1), n, backend.devices[0])
    a = backend.generate(*matrix_keys(words, j, 0), n)
    b = backend.generate(*matrix_keys(words, j, 1), n)
    return backend.to_bytes(backend.products([(a, b)], n)[0])


def verify(challenge, j, data, committed, rounds=2):
    """The checker's audit of one product, in numpy (independent of the backend that answered)."""
    import numpy as np

    nb = NumpyBackend()
    n = int(challenge["matrixSize"])
    if len(data) != 2 * n * n:
        return {"ok": False, "reason": f"product {j}: got {len(data)} bytes, expected {2 * n * n}"}
    c = np.frombuffer(data, dtype="<i2").reshape(n, n)
    words = seed_words(challenge["seed"])
    u, v = nb.weights(seed_key(words, TAG_WEIGHT_ROWS), seed_key(words, TAG_WEIGHT_COLS), n)
    f = nb.fingerprint(c, n, u, v, lowbias32_int(seed_key(words, TAG_FINGERPRINT) ^ j))
    if f != committed:
        return {"ok": False, "reason": f"product {j}: fingerprint of the served product is {f}, the answer committed to {committed}"}
    a = nb.generate(*matrix_keys(words, j, 0), n).astype(np.float64)
    b = nb.generate(*matrix_keys(words, j, 1), n).astype(np.float64)
    cf = c.astype(np.float64)
    for _ in range(rounds):
        # r uniform in [0, 2^20)^n; every dot product below is an integer < 2^53, so float64 is exact.
        r = np.frombuffer(secrets.token_bytes(4 * n), dtype="<u4").astype(np.int64) & ((1 << FREIVALDS_R_BITS) - 1)
        r = r.astype(np.float64)
        if not np.array_equal(a @ (b @ r), cf @ r):
            return {"ok": False, "reason": f"product {j}: Freivalds check failed (A·(B·r) ≠ C·r)"}
    return {"ok": True}


def info(backend):
    return {
        "backend": describe(backend),
        "cuda": isinstance(backend, TorchBackend) and backend.cuda,
        "devices": backend.device_names() if isinstance(backend, TorchBackend) else ["cpu"],
        "compiled": backend.compiled,
    }


def warm_up(backend, n, batch):
    """Compiles (torch.compile) and initialises every GPU for size n before the first timed challenge."""
    if not isinstance(backend, TorchBackend):
        return
    backend.full_batch = batch
    words = seed_words("0x" + "00" * 32)
    for d in backend.devices:
        u, v = backend.weights(1, 2, n, d)
        a = backend.generate_batch([matrix_keys(words, j, 0) for j in range(batch)], n, d)
        backend.fingerprints_batch(backend.multiply_batch(a, a), n, u, v).cpu()


def serve(backend, batch):
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            req = json.loads(line)
            if req["op"] == "answer":
                reply = answer(backend, req["challenge"], batch)
            elif req["op"] == "product":
                with open(req["path"], "wb") as fh:
                    fh.write(product(backend, req["challenge"], int(req["j"])))
                reply = {"ok": True}
            elif req["op"] == "warmup":
                t0 = time.perf_counter()
                warm_up(backend, int(req["matrixSize"]), batch)
                reply = {"ok": True, "ms": round((time.perf_counter() - t0) * 1000)}
            elif req["op"] == "info":
                reply = info(backend)
            else:
                reply = {"error": f"unknown op {req['op']}"}
        except Exception as e:  # noqa: BLE001 - the agent gets the reason
            reply = {"error": str(e)}
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("mode", choices=["info", "answer", "product", "verify", "serve"])
    p.add_argument("args", nargs="*")
    p.add_argument("--backend", choices=["auto", "torch", "numpy"], default="auto")
    p.add_argument("--device", choices=["cpu", "cuda"], default=None)
    p.add_argument("--batch", type=int, default=4)
    o = p.parse_args()
    if o.mode == "verify":
        challenge = json.load(sys.stdin)
        with open(o.args[1], "rb") as fh:
            data = fh.read()
        result = verify(challenge, int(o.args[0]), data, int(o.args[2], 0))
        print(json.dumps(result))
        return 0 if result["ok"] else 1
    backend = pick_backend(o.backend, o.device)
    if o.mode == "info":
        print(json.dumps(info(backend)))
    elif o.mode == "answer":
        print(json.dumps(answer(backend, json.load(sys.stdin), o.batch)))
    elif o.mode == "product":
        sys.stdout.buffer.write(product(backend, json.load(sys.stdin), int(o.args[0])))
    else:
        serve(backend, o.batch)
    return 0


if __name__ == "__main__":
    sys.exit(main())
