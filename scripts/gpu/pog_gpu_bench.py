#!/usr/bin/env python3
"""Driver for scripts/gpu/pog-h200.sh (issue 21): answers proof-of-GPU challenges at gpu-profile sizes on
this machine's GPUs with apps/agent/gpu/pog.py, times them against the deadline, audits a few products per
challenge with the numpy checker (fingerprint + Freivalds, independent of torch) and prints a table.

Challenge sizes come from the sdk's own sources (packages/sdk/src/gpus.ts and proof-of-gpu/params.ts),
read here with regular expressions because a GPU host need not have node_modules; the shell script
cross-checks them with the sdk when node can run it.

Env: POG_DRY_RUN=1 (numpy backend unless POG_BACKEND=auto|torch, n=POG_DRY_N (default 128), 3 products:
checks this script without a GPU), POG_CHALLENGES (per configuration, default 3), POG_AUDITS (per challenge, default 2), POG_BATCH
(products per launch, default 4), POG_MODEL (override the detected model), OUT (folder for results.json).
"""
import json
import os
import random
import re
import secrets
import sys
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "apps", "agent", "gpu"))
sys.dont_write_bytecode = True  # no __pycache__ left in the agent's gpu/ folder
import pog  # noqa: E402


def sdk_tables():
    """GPU_MODELS (id, tflops, smiNames) and the gpu profile constants, parsed from the sdk sources."""
    gpus = open(os.path.join(ROOT, "packages/sdk/src/gpus.ts")).read()
    models = []
    for m in re.finditer(r'\{\s*id:\s*"([^"]+)".*?tflops:\s*([\d.]+),\s*int8Tops:\s*([\d.]+).*?smiNames:\s*\[([^\]]*)\]', gpus):
        # The rate challenges are sized from: the faster exact path (exactRate in params.ts).
        rate = max(float(m.group(2)), float(m.group(3)))
        models.append({"id": m.group(1), "tflops": rate, "smiNames": re.findall(r'"([^"]+)"', m.group(4))})
    params = open(os.path.join(ROOT, "packages/sdk/src/proof-of-gpu/params.ts")).read()
    line = re.search(r"^\s*gpu:\s*\{([^}]*)\}", params, re.M).group(1)
    profile = {k.strip(): v.strip() for k, v in (kv.split(":") for kv in line.split(",") if ":" in kv)}
    for k in ("matrixSize", "targetComputeMs", "flopsPerTflops", "efficiency", "allowanceMs", "audited", "rounds"):
        profile[k] = float(profile[k])
    return models, profile


def challenge_params(model, gpu_count, p):
    """The same formula as challengeParams() in params.ts (gpu profile: GPUs work in parallel)."""
    n = int(p["matrixSize"])
    work = 2 * n**3
    rate = model["tflops"] * p["flopsPerTflops"]
    per_gpu = max(1, round((p["targetComputeMs"] / 1000) * rate / work))
    compute_ms = per_gpu * work / (rate * p["efficiency"]) * 1000
    import math

    return {
        "matrixSize": n,
        "productsPerGpu": per_gpu,
        "products": per_gpu * gpu_count,
        "audited": int(min(p["audited"], per_gpu * gpu_count)),
        "rounds": int(p["rounds"]),
        "computeMs": compute_ms,
        "allowanceMs": p["allowanceMs"],
        "deadlineMs": math.ceil(compute_ms + p["allowanceMs"]),
    }


def new_challenge(model_id, gpu_count, params):
    check_id = "0x" + secrets.token_hex(32)
    # A random seed stands in for keccak(blockHash ‖ checkId): no chain here, and the GPU cannot tell the difference.
    return {
        "checkId": check_id,
        "chainId": 31337,
        "seedBlock": 0,
        "seed": "0x" + secrets.token_hex(32),
        "provider": "0x" + "00" * 20,
        "offerId": "0",
        "gpuModel": model_id,
        "gpuCount": gpu_count,
        "matrixSize": params["matrixSize"],
        "products": params["products"],
        "deadlineMs": params["deadlineMs"],
    }


def main():
    dry = os.environ.get("POG_DRY_RUN") == "1"
    models, profile = sdk_tables()
    backend = pog.pick_backend(os.environ.get("POG_BACKEND", "numpy" if dry else "torch"), None if dry else "cuda")
    names = backend.device_names() if isinstance(backend, pog.TorchBackend) else ["cpu (dry run)"]
    wanted = os.environ.get("POG_MODEL")
    model = next((m for m in models if m["id"] == wanted), None) if wanted else next((m for m in models if names[0] in m["smiNames"]), None)
    if model is None:
        sys.exit(f"no GPU model in packages/sdk/src/gpus.ts matches {wanted or names[0]!r}; set POG_MODEL")
    batch = int(os.environ.get("POG_BATCH", "4"))
    runs, audits_per = int(os.environ.get("POG_CHALLENGES", "3")), int(os.environ.get("POG_AUDITS", "2"))
    print(f"model {model['id']} ({model['tflops']:g} T(FL)OPS datasheet, fastest exact path), devices {names}, backend {backend.name}, batch {batch}")

    # First, bit-identity: a small challenge answered by this backend and by numpy (checked against the JS
    # reference in apps/agent/test/pog-py.test.ts) must commit to the same fingerprints.
    small = {"checkId": "0x" + secrets.token_hex(32), "seed": "0x" + secrets.token_hex(32), "matrixSize": 256, "products": 2 * batch + 1}
    same = pog.answer(backend, small, batch)["commitment"] == pog.answer(pog.NumpyBackend(), small, batch)["commitment"]
    print(f"{backend.name} vs numpy reference, n=256, {small['products']} products: {'identical' if same else 'DIFFERENT'}")
    if not same:
        return 2

    results = []
    all_devices = list(backend.devices)
    configs = [1, len(all_devices)] if len(all_devices) > 1 else [1]
    for gpu_count in configs:
        backend.devices = all_devices[:gpu_count]
        params = challenge_params(model, gpu_count, profile)
        if dry:
            params.update(matrixSize=int(os.environ.get("POG_DRY_N", "128")), products=3)
        t = time.perf_counter()
        pog.warm_up(backend, params["matrixSize"], batch)
        warm_ms = (time.perf_counter() - t) * 1000
        print(f"{gpu_count} GPU(s): n={params['matrixSize']}, {params['products']} products, deadline {params['deadlineMs']} ms "
              f"(compute budget {params['computeMs']:.0f} ms + allowance {params['allowanceMs']:.0f} ms); warm-up {warm_ms:.0f} ms")
        for run in range(runs):
            ch = new_challenge(model["id"], gpu_count, params)
            t = time.perf_counter()
            ans = pog.answer(backend, ch, batch)
            wall_ms = (time.perf_counter() - t) * 1000
            audited = random.sample(range(ch["products"]), min(audits_per, ch["products"]))
            audit = []
            for j in audited:
                t = time.perf_counter()
                data = pog.product(backend, ch, j)
                fetch_ms = (time.perf_counter() - t) * 1000
                t = time.perf_counter()
                v = pog.verify(ch, j, data, int(ans["fingerprints"][j]), params["rounds"])
                audit.append({"j": j, "ok": v["ok"], "reason": v.get("reason"), "productMs": round(fetch_ms), "verifyMs": round((time.perf_counter() - t) * 1000)})
            row = {
                "model": model["id"], "device": names[0], "gpus": gpu_count, "n": ch["matrixSize"], "products": ch["products"],
                "deadlineMs": ch["deadlineMs"], "computeMs": ans["computeMs"], "wallMs": round(wall_ms),
                "topsReached": round(2 * ch["matrixSize"] ** 3 * ch["products"] / gpu_count / (ans["computeMs"] / 1000) / 1e12, 1) if ans["computeMs"] else None,
                "inTime": ans["computeMs"] <= ch["deadlineMs"], "audits": audit, "backend": ans["backend"], "warmUpMs": round(warm_ms), "run": run,
            }
            results.append(row)
            print(json.dumps(row))

    print()
    print(f"{'model':10} {'gpus':>4} {'n':>5} {'products':>8} {'compute ms':>10} {'deadline':>8} {'TOPS/GPU':>10} {'in time':>7} {'audits':>14} {'verify ms':>9}")
    for r in results:
        oks = sum(a["ok"] for a in r["audits"])
        passed = f"{oks}/{len(r['audits'])} passed"
        vms = max((a["verifyMs"] for a in r["audits"]), default=0)
        print(f"{r['model']:10} {r['gpus']:>4} {r['n']:>5} {r['products']:>8} {r['computeMs']:>10} {r['deadlineMs']:>8} {str(r['topsReached']):>10} "
              f"{'yes' if r['inTime'] else 'NO':>7} {passed:>14} {vms:>9}")
    out = os.environ.get("OUT")
    if out:
        with open(os.path.join(out, "pog-results.json"), "w") as fh:
            json.dump({"results": results, "profile": profile, "load": os.getloadavg()}, fh, indent=1)
    failed = [r for r in results if not all(a["ok"] for a in r["audits"])]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
