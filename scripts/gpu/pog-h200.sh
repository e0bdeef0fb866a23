#!/usr/bin/env bash
# Proof of GPU (issue 21) on a real NVIDIA machine (H100/H200): the one prepared script for a GPU run.
# Installs nothing. Checks the driver and torch, then (scripts/gpu/pog_gpu_bench.py) answers gpu-profile
# challenges for the detected model on one GPU and on all of them with apps/agent/gpu/pog.py, times
# them against the deadline, audits products with the numpy checker (fingerprint + Freivalds; the same
# code the tests hold bit-identical to the sdk's JS checker) and prints a table. Results go to $OUT.
#
#   scripts/gpu/pog-h200.sh             # on the GPU machine
#   POG_DRY_RUN=1 scripts/gpu/pog-h200.sh   # anywhere: numpy, small n, no GPU needed (checks the script)
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT="${OUT:-$(mktemp -d)}"
export OUT
log() { printf '[pog-h200] %s\n' "$*"; }

log "$(date -u +%FT%TZ) host $(hostname), load $(cut -d' ' -f1-3 /proc/loadavg)"
if [[ "${POG_DRY_RUN:-}" != 1 ]]; then
  command -v nvidia-smi >/dev/null || { log "nvidia-smi not found: no NVIDIA driver here"; exit 2; }
  nvidia-smi --query-gpu=index,name,memory.total,clocks.max.sm,power.limit --format=csv | tee "$OUT/nvidia-smi.csv"
  python3 - <<'PY' || { log "torch with CUDA is needed (not installed by this script)"; exit 3; }
import torch
assert torch.cuda.is_available(), "torch.cuda.is_available() is False"
print(f"torch {torch.__version__}, CUDA {torch.version.cuda}, {torch.cuda.device_count()} GPU(s)")
PY
fi
python3 -c "import numpy" || { log "numpy is needed for the checker"; exit 3; }

# The gpu-profile sizes as the sdk computes them (when node and the workspace's node_modules are here),
# to compare with what the driver parsed from the same sources.
if command -v node >/dev/null && [[ -x node_modules/.bin/tsx ]]; then
  node_modules/.bin/tsx -e 'import { deadlineTable } from "@gridlease/sdk/proof-of-gpu"; for (const r of deadlineTable("gpu")) if (/^H[12]00/.test(r.model)) console.log(JSON.stringify(r));' \
    2>/dev/null | tee "$OUT/sdk-params.jsonl" || log "sdk params not printed (node could not run the sdk)"
fi

log "answering challenges (driver: scripts/gpu/pog_gpu_bench.py)"
status=0
timeout "${POG_TIMEOUT_S:-480}" python3 scripts/gpu/pog_gpu_bench.py 2>&1 | tee "$OUT/pog-run.txt" || status=$?
log "done (status $status), load $(cut -d' ' -f1-3 /proc/loadavg); results in $OUT"
exit "$status"
