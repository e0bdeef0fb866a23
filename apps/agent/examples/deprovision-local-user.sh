#!/bin/sh
# Revokes a lease made by provision-local-user.sh: locks the account, kills every process of its
# UID until none is left, deletes what the UID left in the shared temporary directories and System V
# IPC, then deletes the user with its home. Safe to run more than once; exits non-zero (and leaves
# the account, so its UID stays taken) if something of the renter could not be removed.
# Give it the same optional env as the provision script (HOME_BASE, SHARED_TMP_DIRS).
set -eu
cat > /dev/null
: "${GRIDLEASE_LEASE_ID:?the agent sets GRIDLEASE_LEASE_ID}"
case "$GRIDLEASE_LEASE_ID" in '' | *[!0-9]*) echo "lease id '$GRIDLEASE_LEASE_ID' is not a number" >&2; exit 1 ;; esac
user="gl-lease-${GRIDLEASE_LEASE_ID}"
shared_tmp_dirs="${SHARED_TMP_DIRS:-/tmp /var/tmp /dev/shm}"
if ! id "$user" >/dev/null 2>&1; then
  echo "user $user does not exist; nothing to revoke" >&2
  exit 0
fi
uid=$(id -u "$user")
gid=$(id -g "$user")

# Lock first so no new SSH login, cron or at job can start while the processes are being ended.
usermod --lock --expiredate 1 --shell /usr/sbin/nologin "$user" >&2
if command -v crontab >/dev/null 2>&1; then crontab -r -u "$user" 2>/dev/null || true; fi
if command -v atq >/dev/null 2>&1; then
  for job in $(atq | awk -v u="$user" '$NF == u { print $1 }'); do atrm "$job" || true; done
fi

# Live (not zombie) processes whose real, effective or saved UID is the lease's.
live_pids() {
  ps -A -o pid=,ruid=,euid=,suid=,stat= | awk -v u="$uid" '($2 == u || $3 == u || $4 == u) && $5 !~ /^Z/ { print $1 }'
}

# Under systemd, SSH sessions of the user live in user-<uid>.slice: stop lingering and kill the
# whole cgroup at once (cgroup.kill, Linux 5.14+) so nothing in it gets to fork again.
if [ -d /run/systemd/system ]; then
  loginctl disable-linger "$user" 2>/dev/null || true
  loginctl terminate-user "$user" 2>/dev/null || true
  systemctl kill --signal=SIGKILL "user-$uid.slice" 2>/dev/null || true
fi
if [ -f "/sys/fs/cgroup/user.slice/user-$uid.slice/cgroup.kill" ]; then
  echo 1 > "/sys/fs/cgroup/user.slice/user-$uid.slice/cgroup.kill" 2>/dev/null || true
fi

# Processes outside that slice (cron jobs, anything without systemd) are killed by UID. A single
# `pkill -u` misses children forked after it read /proc, and a process that forks and exits in a
# loop can even hide from every listing. kill(-1) sent *as the user* signals every process of the
# UID in one pass under the kernel's task list lock, and a fork racing with it is aborted because
# the parent already has SIGKILL pending. So kill first, then check, and repeat until nothing is
# left. (The shell's builtin kill: procps 4.0.2's /bin/kill rejects the PID -1.)
tries=0
while :; do
  setpriv --reuid="$uid" --regid="$gid" --clear-groups -- sh -c 'kill -s KILL -- -1' 2>/dev/null || true
  # Root as well, for processes that only have the UID as effective or saved UID.
  pkill -KILL -U "$uid" 2>/dev/null || true
  pkill -KILL -u "$uid" 2>/dev/null || true
  sleep 0.1
  [ -n "$(live_pids)" ] || break
  tries=$((tries + 1))
  if [ "$tries" -ge 50 ]; then
    echo "processes of $user survive: $(live_pids | tr '\n' ' '); keeping the account so its UID stays taken" >&2
    exit 1
  fi
done

# Now that nothing of the renter runs, remove what it left where other users can reach it. find
# does not follow symlinks (-P, the default), -xdev keeps it on each directory's file system, and
# -delete unlinks entries relative to their directory, so nothing outside can be hit.
for dir in $shared_tmp_dirs /dev/mqueue; do
  [ -d "$dir" ] || continue
  find "$dir" -xdev -depth -user "$uid" -delete 2>/dev/null || true
  left=$(find "$dir" -xdev -user "$uid" -print 2>/dev/null | head -n 3)
  if [ -n "$left" ]; then echo "could not delete files of $user in $dir: $left" >&2; exit 1; fi
done
# System V shared memory, message queues and semaphores survive their processes; remove those the
# UID created or owns (numeric columns from /proc, looked up by header name).
for kind in shm:m msg:q sem:s; do
  table="/proc/sysvipc/${kind%%:*}"
  [ -r "$table" ] || continue
  for id in $(awk -v u="$uid" 'NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
                               $col["uid"] == u || $col["cuid"] == u { print $2 }' "$table"); do
    ipcrm "-${kind#*:}" "$id" 2>/dev/null || true
  done
done

# --force only overrides userdel's own "user is busy" check, which also counts zombies (dead
# processes whose parent has not collected them yet); the loop above saw no live process left.
userdel --remove --force "$user" >&2
echo "removed $user (${GRIDLEASE_REASON:-no reason given})" >&2
