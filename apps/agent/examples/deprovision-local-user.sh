#!/bin/sh
# Revokes a lease made by provision-local-user.sh: ends the user's processes and deletes the user
# with its home directory. Safe to run more than once.
set -eu
cat > /dev/null
: "${GRIDLEASE_LEASE_ID:?the agent sets GRIDLEASE_LEASE_ID}"
user="gl-lease-${GRIDLEASE_LEASE_ID}"
if ! id "$user" >/dev/null 2>&1; then
  echo "user $user does not exist; nothing to revoke" >&2
  exit 0
fi
# Lock first so no new SSH login can start while the user's processes are being ended.
usermod --lock --expiredate 1 "$user" >&2
pkill -KILL -u "$user" 2>/dev/null || true
userdel --remove "$user" >&2 2>/dev/null || userdel --remove --force "$user" >&2
echo "removed $user (${GRIDLEASE_REASON:-no reason given})" >&2
