#!/bin/sh
# Gridlease provisioning example for a Docker host with the NVIDIA Container Toolkit: one container
# per lease, limited to the booked GPUs, with sshd accepting only the renter's key.
#
# Prerequisites: docker, nvidia-container-toolkit (`nvidia-ctk runtime configure --runtime=docker`),
# and the image from examples/docker (`docker build -t gridlease/cuda-ssh:12.4 examples/docker`).
# Configure in the agent config, e.g.
#   "provision": { "command": "./examples/provision-docker.sh", "timeoutSeconds": 600,
#                  "env": { "PUBLIC_HOST": "gpu-7.example.net", "IMAGE": "gridlease/cuda-ssh:12.4",
#                           "CPUS_PER_GPU": "8", "MEMORY_PER_GPU": "64g" } }
#   "deprovision": { "command": "./examples/deprovision-docker.sh" }
#
# Input: the lease as JSON on stdin and as GRIDLEASE_* variables; everything Docker prints goes to
# stderr, so stdout carries only the access details (JSON) that the agent encrypts to the renter.
set -eu
cat > /dev/null # the GRIDLEASE_* variables carry everything this script needs

: "${GRIDLEASE_LEASE_ID:?the agent sets GRIDLEASE_LEASE_ID}"
: "${GRIDLEASE_GPU_INDICES:?the agent sets GRIDLEASE_GPU_INDICES (no GPUs were allocated)}"
: "${GRIDLEASE_SSH_PUBLIC_KEY:?the agent sets GRIDLEASE_SSH_PUBLIC_KEY}"
name="gridlease-lease-${GRIDLEASE_LEASE_ID}"
image="${IMAGE:-gridlease/cuda-ssh:12.4}"
host="${PUBLIC_HOST:-$(hostname -f 2>/dev/null || hostname)}"
gpus="${GRIDLEASE_GPUS:-1}"

# Idempotent: after an agent restart the script may run again for the same lease; keep a running container.
if [ "$(docker inspect --format '{{.State.Running}}' "$name" 2>/dev/null || true)" != "true" ]; then
  docker rm --force "$name" >&2 2>/dev/null || true
  set -- --detach --name "$name" \
    --label "gridlease.lease=${GRIDLEASE_LEASE_ID}" \
    --gpus "\"device=${GRIDLEASE_GPU_INDICES}\"" \
    --env "SSH_PUBLIC_KEY=${GRIDLEASE_SSH_PUBLIC_KEY}" \
    --publish 22 \
    --restart unless-stopped \
    --pids-limit 4096
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
