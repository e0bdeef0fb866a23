#!/bin/sh
# Revokes a lease made by provision-docker.sh: removes its container (and with it the renter's
# access and GPU reservation). Safe to run more than once.
set -eu
cat > /dev/null
: "${GRIDLEASE_LEASE_ID:?the agent sets GRIDLEASE_LEASE_ID}"
name="gridlease-lease-${GRIDLEASE_LEASE_ID}"
if docker inspect "$name" >/dev/null 2>&1; then
  docker rm --force "$name" >&2
  echo "removed container $name (${GRIDLEASE_REASON:-no reason given})" >&2
else
  echo "container $name does not exist; nothing to revoke" >&2
fi
