#!/bin/sh
# Gridlease provisioning example for any Linux host: one local user per lease, reachable over the
# host's own sshd with the renter's key. Run the agent as root (useradd needs it).
#
# Input: the lease as JSON on stdin, and the same facts as GRIDLEASE_* variables (used here, so no
# JSON parser is needed). Output: one JSON object on stdout, encrypted to the renter by the agent.
# Copy the scripts next to the agent config and configure them there (relative to the config file), e.g.
#   "provision":   { "command": "./provision-local-user.sh", "env": { "PUBLIC_HOST": "gpu-7.example.net", "SSH_PORT": "22" } }
#   "deprovision": { "command": "./deprovision-local-user.sh" }
# Optional env (give both scripts the same values): LEASE_UID_MIN / LEASE_UID_MAX (the UID range
# reserved for leases), STATE_DIR (where the UID counter lives), HOME_BASE, SHARED_TMP_DIRS.
#
# What keeps two renters (and the host) apart, and why:
# - Every lease gets a UID that was never used before: UIDs come from a dedicated range through a
#   counter that only goes up, and a UID that still owns a process or a file is skipped. A reused UID
#   would hand the new renter whatever the old one left behind (a 0600 file in /dev/shm, a process).
#   No subordinate UID ranges are given out, as those would be recycled by the next useradd.
# - Homes are 0700, and the script writes inside a home only as the lease user (setpriv), so a
#   renter who swaps a file for a symlink to /etc/shadow only reaches what the renter could already
#   reach. Root touches only the home directory itself, freshly created under root-owned HOME_BASE.
# - TMPDIR points at a private ~/.tmp; whatever the renter puts in the shared /tmp, /var/tmp and
#   /dev/shm is deleted by deprovision-local-user.sh, which also kills every process of the UID.
#   For a fully private /tmp, add pam_namespace to the host's sshd PAM stack.
# A plain user still shares the host's kernel and can see every GPU; CUDA_VISIBLE_DEVICES only
# steers CUDA programs to the booked ones. Use the Docker example where renters must be fenced off.
set -eu
umask 077
cat > /dev/null # the GRIDLEASE_* variables carry everything this script needs

: "${GRIDLEASE_LEASE_ID:?the agent sets GRIDLEASE_LEASE_ID}"
: "${GRIDLEASE_SSH_PUBLIC_KEY:?the agent sets GRIDLEASE_SSH_PUBLIC_KEY}"
# The lease id ends up in a user name and in paths: digits only.
case "$GRIDLEASE_LEASE_ID" in '' | *[!0-9]*) echo "lease id '$GRIDLEASE_LEASE_ID' is not a number" >&2; exit 1 ;; esac
user="gl-lease-${GRIDLEASE_LEASE_ID}"
host="${PUBLIC_HOST:-$(hostname -f 2>/dev/null || hostname)}"
port="${SSH_PORT:-22}"
gpus="${GRIDLEASE_GPU_UUIDS:-${GRIDLEASE_GPU_INDICES:-}}"
case "$gpus" in *[!A-Za-z0-9,-]*) echo "unexpected GPU list '$gpus'" >&2; exit 1 ;; esac
# Above Debian's UID_MAX (60000), the default subordinate ranges (100000-600100000) and systemd's
# container ranges, so no other account or container ever maps to a lease UID.
uid_min="${LEASE_UID_MIN:-2000000000}"
uid_max="${LEASE_UID_MAX:-2099999999}"
state_dir="${STATE_DIR:-/var/lib/gridlease-local-user}"
home_base="${HOME_BASE:-/home}"
shared_tmp_dirs="${SHARED_TMP_DIRS:-/tmp /var/tmp /dev/shm}"

# True when anything still belongs to the UID: an account or group, a process (real, effective or
# saved UID), or a file in the homes or the shared temporary directories.
uid_in_use() {
  getent passwd "$1" >/dev/null 2>&1 && return 0
  getent group "$1" >/dev/null 2>&1 && return 0
  [ -n "$(ps -A -o ruid=,euid=,suid= | awk -v u="$1" '$1 == u || $2 == u || $3 == u { print; exit }')" ] && return 0
  for dir in "$home_base" $shared_tmp_dirs; do
    [ -d "$dir" ] || continue
    [ -n "$(find "$dir" -xdev -uid "$1" -print -quit 2>/dev/null)" ] && return 0
  done
  return 1
}

# Idempotent: after an agent restart the script may run again for the same lease.
if ! id "$user" >/dev/null 2>&1; then
  mkdir -p "$state_dir"
  chmod 700 "$state_dir"
  # One allocation at a time: two leases provisioned together must not pick the same UID.
  exec 9> "$state_dir/lock"
  flock 9
  uid=$(cat "$state_dir/next-uid" 2>/dev/null || echo "$uid_min")
  case "$uid" in '' | *[!0-9]*) echo "$state_dir/next-uid is damaged; fix it by hand (never lower it)" >&2; exit 1 ;; esac
  [ "$uid" -ge "$uid_min" ] || uid="$uid_min"
  while uid_in_use "$uid"; do uid=$((uid + 1)); done
  if [ "$uid" -gt "$uid_max" ]; then echo "no unused UID left in $uid_min-$uid_max" >&2; exit 1; fi
  # Record the next UID before creating the user, so even a crash right after never hands it out twice.
  printf '%s\n' "$((uid + 1))" > "$state_dir/next-uid.tmp"
  mv -f "$state_dir/next-uid.tmp" "$state_dir/next-uid"

  home="$home_base/$user"
  # A leftover home could hold anything an earlier renter planted there; never adopt it.
  if [ -e "$home" ] || [ -L "$home" ]; then echo "$home already exists; remove it by hand" >&2; exit 1; fi
  groupadd --gid "$uid" "$user" >&2
  useradd --uid "$uid" --gid "$uid" --create-home --home-dir "$home" --shell /bin/bash \
    --no-log-init -K HOME_MODE=0700 -K SUB_UID_COUNT=0 -K SUB_GID_COUNT=0 \
    --comment "Gridlease lease ${GRIDLEASE_LEASE_ID}" "$user" >&2
  # Fresh directory, root-owned parent, and the new UID has no process yet: nothing can race this.
  chmod 700 "$home"
  # Members of the video/render groups may open /dev/nvidia*; not all distributions have both.
  for group in video render; do
    if getent group "$group" >/dev/null; then usermod -aG "$group" "$user" >&2; fi
  done
  # Closing the lock also keeps its root-opened descriptor out of the lease user's process below.
  exec 9>&-
fi
uid=$(id -u "$user")
gid=$(id -g "$user")
home=$(getent passwd "$user" | cut -d: -f6)

# Everything inside the home is written by the lease user, never by root: on a re-run the renter has
# had the home for a while, and a root write there could follow a symlink anywhere. Files are
# replaced by rename, which replaces a planted symlink instead of writing through it. The key and
# GPU list are passed as arguments, never pasted into the shell code.
setpriv --reuid="$uid" --regid="$gid" --clear-groups -- \
  env -i HOME="$home" USER="$user" LOGNAME="$user" PATH=/usr/bin:/bin \
  sh -eu -c '
    umask 077
    cd "$HOME"
    mkdir -p .ssh .tmp
    chmod 700 .ssh .tmp
    printf "%s\n" "$1" > .ssh/authorized_keys.new
    mv -f .ssh/authorized_keys.new .ssh/authorized_keys
    printf "export CUDA_VISIBLE_DEVICES=%s\nexport TMPDIR=\"\$HOME/.tmp\"\n" "$2" > .gridlease-env.new
    mv -f .gridlease-env.new .gridlease-env
    for rc in .profile .bashrc; do
      # A renter who replaced an rc file with something else meant to; leave it alone.
      if [ -L "$rc" ] || { [ -e "$rc" ] && [ ! -f "$rc" ]; }; then continue; fi
      touch "$rc"
      grep -q ".gridlease-env" "$rc" || printf ". \"\$HOME/.gridlease-env\"\n" >> "$rc"
    done
  ' gridlease-home "$GRIDLEASE_SSH_PUBLIC_KEY" "$gpus" >&2

printf '{"host":"%s","port":%s,"user":"%s","ssh":"ssh -p %s %s@%s","gpuIndices":"%s"}\n' \
  "$host" "$port" "$user" "$port" "$user" "$host" "${GRIDLEASE_GPU_INDICES:-}"
