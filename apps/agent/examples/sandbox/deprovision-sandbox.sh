#!/bin/sh
# Removes a lease's sandbox made by provision-sandbox.sh: kills every shell entered through it (each
# recorded its PID in `pids`; the PID is checked to still be that sandbox's before it is signalled), then
# deletes the directory. Running it again, or for a lease that never got a sandbox, is harmless.
set -eu
root="${GRIDLEASE_SANDBOX_ROOT:?set GRIDLEASE_SANDBOX_ROOT in the script env}"
id="$GRIDLEASE_LEASE_ID"
case "$id" in ''|*[!0-9]*) echo "bad lease id: $id" >&2; exit 1 ;; esac
[ -d "$root" ] || exit 0
cd -P -- "$root"
root=$PWD
dir="$root/lease-$id"
[ -d "$dir" ] || exit 0
if [ -f "$dir/pids" ]; then
  while read -r pid; do
    case "$pid" in ''|*[!0-9]*) continue ;; esac
    # A recycled PID belongs to someone else: only a process whose command line names this sandbox is killed.
    if { tr '\0' ' ' < "/proc/$pid/cmdline"; } 2>/dev/null | grep -qF "$dir/home"; then kill -KILL "$pid" 2>/dev/null || true; fi
  done < "$dir/pids"
fi
rm -rf "$dir"
