#!/bin/sh
# Replays nvidia-smi output recorded on a GPU host, so `gridlease-agent detect` can preview a listing
# on a machine without one. GRIDLEASE_SMI_RECORDING names a directory holding
#   query-gpu.csv   nvidia-smi --query-gpu=index,name,uuid,memory.total,driver_version,pci.bus_id --format=csv
#   nvidia-smi.txt  plain nvidia-smi (the banner carries the CUDA version)
# Use it with "nvidiaSmi": "<path of this script>" in the agent config.
dir="${GRIDLEASE_SMI_RECORDING:-}"
if [ ! -d "$dir" ]; then echo "nvidia-smi-replay: GRIDLEASE_SMI_RECORDING is not a directory ($dir): set it to the folder with query-gpu.csv and nvidia-smi.txt." >&2; exit 2; fi
case "$*" in
  "--query-gpu=index,name,uuid,memory.total,driver_version,pci.bus_id --format=csv") cat "$dir/query-gpu.csv" ;;
  "") cat "$dir/nvidia-smi.txt" ;;
  *) echo "nvidia-smi-replay: no recording for arguments: $*" >&2; exit 2 ;;
esac
