#!/bin/sh
# Gridlease provisioning example for a Docker host with the NVIDIA Container Toolkit: one container
# per lease, limited to the booked GPUs, with sshd accepting only the renter's key.
#
# Prerequisites: docker, nvidia-container-toolkit (`nvidia-ctk runtime configure --runtime=docker`),
# and the image from examples/docker (`docker build -t gridlease/cuda-ssh:12.4 examples/docker`).
# Copy the scripts next to the agent config and configure them there (relative to the config file), e.g.
#   "provision": { "command": "./provision-docker.sh", "timeoutSeconds": 600,
#                  "env": { "PUBLIC_HOST": "gpu-7.example.net", "IMAGE": "gridlease/cuda-ssh:12.4",
#                           "CPUS_PER_GPU": "8", "MEMORY_PER_GPU": "64g" } }
#   "deprovision": { "command": "./deprovision-docker.sh" }
#
# Input: the lease as JSON on stdin and as GRIDLEASE_* variables; everything Docker prints goes to
# stderr, so stdout carries only the access details (JSON) that the agent encrypts to the renter.
#
# Fencing, and why:
# - The renter is root inside the container, so the container gets no-new-privileges and only the
#   capabilities sshd and package installs need (no NET_RAW, MKNOD, SYS_ADMIN, ...), private IPC
#   and a PID limit. Nothing the renter chose reaches `docker run` except the SSH key, which the
#   agent has checked to be one OpenSSH public key line, passed as a single argument; no renter
#   environment (LD_PRELOAD, NVIDIA_VISIBLE_DEVICES, NVIDIA_DRIVER_CAPABILITIES) is forwarded.
# - Every lease container joins one bridge (NETWORK, bridge device BRIDGE) with inter-container
#   traffic off, so two leases cannot reach each other. Docker cannot keep a container from the
#   host or from cloud metadata by itself, so the script adds iptables rules: nothing from the
#   bridge to the host (INPUT) except replies, and nothing forwarded to BLOCKED_NETS (default:
#   link-local, which holds 169.254.169.254). Add your LAN ranges there if renters must not reach
#   it. Without iptables the script refuses to start a container; FENCE_NETWORK=0 skips the rules
#   if you fence the bridge another way. (Containers get no IPv6 unless you enable it in Docker.)
set -eu
cat > /dev/null # the GRIDLEASE_* variables carry everything this script needs

: "${GRIDLEASE_LEASE_ID:?the agent sets GRIDLEASE_LEASE_ID}"
: "${GRIDLEASE_GPU_INDICES:?the agent sets GRIDLEASE_GPU_INDICES (no GPUs were allocated)}"
: "${GRIDLEASE_SSH_PUBLIC_KEY:?the agent sets GRIDLEASE_SSH_PUBLIC_KEY}"
# Both end up in names and in --gpus: digits (and commas) only.
case "$GRIDLEASE_LEASE_ID" in '' | *[!0-9]*) echo "lease id '$GRIDLEASE_LEASE_ID' is not a number" >&2; exit 1 ;; esac
case "$GRIDLEASE_GPU_INDICES" in *[!0-9,]*) echo "unexpected GPU indices '$GRIDLEASE_GPU_INDICES'" >&2; exit 1 ;; esac
name="gridlease-lease-${GRIDLEASE_LEASE_ID}"
image="${IMAGE:-gridlease/cuda-ssh:12.4}"
host="${PUBLIC_HOST:-$(hostname -f 2>/dev/null || hostname)}"
gpus="${GRIDLEASE_GPUS:-1}"
network="${NETWORK:-gridlease-leases}"
bridge="${BRIDGE:-gridlease0}"
blocked_nets="${BLOCKED_NETS:-169.254.0.0/16}"

# Idempotent rules: insert a rule only when `iptables -C` does not find it.
ensure_rule() { # chain, position, rule...
  chain="$1"; position="$2"; shift 2
  iptables -C "$chain" "$@" 2>/dev/null || iptables -I "$chain" "$position" "$@" >&2
}
if ! docker network inspect "$network" >/dev/null 2>&1; then
  docker network create --driver bridge \
    --opt "com.docker.network.bridge.name=${bridge}" \
    --opt com.docker.network.bridge.enable_icc=false \
    "$network" >&2
fi
if [ "${FENCE_NETWORK:-1}" != "0" ]; then
  if ! command -v iptables >/dev/null 2>&1; then
    echo "iptables is missing: cannot keep lease containers from the host and 169.254.169.254 (FENCE_NETWORK=0 if you do it another way)" >&2
    exit 1
  fi
  # The drop goes in first so that the reply rule inserted after it lands above it.
  ensure_rule INPUT 1 -i "$bridge" -j DROP
  ensure_rule INPUT 1 -i "$bridge" -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT
  iptables -N DOCKER-USER 2>/dev/null || true
  for net in $blocked_nets; do ensure_rule DOCKER-USER 1 -i "$bridge" -d "$net" -j DROP; done
  ensure_rule DOCKER-USER 1 -i "$bridge" -m conntrack --ctstate ESTABLISHED,RELATED -j RETURN
fi

# Idempotent: after an agent restart the script may run again for the same lease; keep a running container.
if [ "$(docker inspect --format '{{.State.Running}}' "$name" 2>/dev/null || true)" != "true" ]; then
  docker rm --force "$name" >&2 2>/dev/null || true
  set -- --detach --name "$name" \
    --label "gridlease.lease=${GRIDLEASE_LEASE_ID}" \
    --gpus "\"device=${GRIDLEASE_GPU_INDICES}\"" \
    --env "SSH_PUBLIC_KEY=${GRIDLEASE_SSH_PUBLIC_KEY}" \
    --env "NVIDIA_DRIVER_CAPABILITIES=${GPU_DRIVER_CAPABILITIES:-compute,utility}" \
    --network "$network" \
    --publish 22 \
    --restart unless-stopped \
    --pids-limit 4096 \
    --ipc private \
    --security-opt no-new-privileges \
    --cap-drop ALL
  # What sshd (privilege separation, chroot, pty ownership, PAM audit records) and apt need as root.
  for cap in CHOWN DAC_OVERRIDE FOWNER SETUID SETGID SYS_CHROOT KILL AUDIT_WRITE NET_BIND_SERVICE; do
    set -- "$@" --cap-add "$cap"
  done
  if [ -n "${CPUS_PER_GPU:-}" ]; then set -- "$@" --cpus "$((CPUS_PER_GPU * gpus))"; fi
  if [ -n "${MEMORY_PER_GPU:-}" ]; then
    amount="${MEMORY_PER_GPU%[gGmM]}"; unit="${MEMORY_PER_GPU#"$amount"}"
    set -- "$@" --memory "$((amount * gpus))${unit}"
  fi
  docker run "$@" "$image" >&2
fi

# Docker picked a free host port for the container's sshd; wait until sshd answers on it.
port=""
tries=0
while [ -z "$port" ] || ! docker exec "$name" sh -c 'pgrep -x sshd >/dev/null'; do
  tries=$((tries + 1))
  if [ "$tries" -gt 60 ]; then
    echo "container $name did not start sshd within 60 s" >&2
    docker logs --tail 20 "$name" >&2 || true
    exit 1
  fi
  sleep 1
  port=$(docker port "$name" 22/tcp 2>/dev/null | head -n 1 | sed 's/.*://')
done

printf '{"host":"%s","port":%s,"user":"root","ssh":"ssh -p %s root@%s","container":"%s","gpuIndices":"%s"}\n' \
  "$host" "$port" "$port" "$host" "$name" "$GRIDLEASE_GPU_INDICES"
