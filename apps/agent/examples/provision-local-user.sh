#!/bin/sh
# Gridlease provisioning example for any Linux host: one local user per lease, reachable over the
# host's own sshd with the renter's key. Run the agent as root (useradd needs it).
#
# Input: the lease as JSON on stdin, and the same facts as GRIDLEASE_* variables (used here, so no
# JSON parser is needed). Output: one JSON object on stdout, encrypted to the renter by the agent.
# Configure in the agent config, e.g.
#   "provision":   { "command": "./examples/provision-local-user.sh", "env": { "PUBLIC_HOST": "gpu-7.example.net", "SSH_PORT": "22" } }
#   "deprovision": { "command": "./examples/deprovision-local-user.sh" }
#
# Isolation: a plain user shares the host's kernel and can see every GPU; CUDA_VISIBLE_DEVICES only
# steers CUDA programs to the booked ones. Use the Docker example where renters must be fenced off.
set -eu
cat > /dev/null # the GRIDLEASE_* variables carry everything this script needs

: "${GRIDLEASE_LEASE_ID:?the agent sets GRIDLEASE_LEASE_ID}"
: "${GRIDLEASE_SSH_PUBLIC_KEY:?the agent sets GRIDLEASE_SSH_PUBLIC_KEY}"
user="gl-lease-${GRIDLEASE_LEASE_ID}"
host="${PUBLIC_HOST:-$(hostname -f 2>/dev/null || hostname)}"
port="${SSH_PORT:-22}"

# Idempotent: after an agent restart the script may run again for the same lease.
if ! id "$user" >/dev/null 2>&1; then
  useradd --create-home --shell /bin/bash --comment "Gridlease lease ${GRIDLEASE_LEASE_ID}" "$user" >&2
  # Members of the video/render groups may open /dev/nvidia*; not all distributions have both.
  for group in video render; do
    if getent group "$group" >/dev/null; then usermod -aG "$group" "$user" >&2; fi
  done
fi
home=$(getent passwd "$user" | cut -d: -f6)

install -d -m 700 -o "$user" -g "$user" "$home/.ssh"
# The agent has already checked that the key is a single-line OpenSSH public key.
printf '%s\n' "$GRIDLEASE_SSH_PUBLIC_KEY" > "$home/.ssh/authorized_keys"
chown "$user:$user" "$home/.ssh/authorized_keys"
chmod 600 "$home/.ssh/authorized_keys"

profile="$home/.gridlease-env"
printf 'export CUDA_VISIBLE_DEVICES=%s\n' "${GRIDLEASE_GPU_UUIDS:-$GRIDLEASE_GPU_INDICES}" > "$profile"
chown "$user:$user" "$profile"
for rc in .profile .bashrc; do
  touch "$home/$rc"
  grep -q '.gridlease-env' "$home/$rc" || printf '. "$HOME/.gridlease-env"\n' >> "$home/$rc"
  chown "$user:$user" "$home/$rc"
done

printf '{"host":"%s","port":%s,"user":"%s","ssh":"ssh -p %s %s@%s","gpuIndices":"%s"}\n' \
  "$host" "$port" "$user" "$port" "$user" "$host" "$GRIDLEASE_GPU_INDICES"
