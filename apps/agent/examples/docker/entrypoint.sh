#!/bin/sh
# Installs the renter's key, keeps the NVIDIA variables visible to SSH sessions, then runs sshd.
set -eu
: "${SSH_PUBLIC_KEY:?SSH_PUBLIC_KEY must hold the renter's OpenSSH public key}"
install -d -m 700 /root/.ssh
printf '%s\n' "$SSH_PUBLIC_KEY" > /root/.ssh/authorized_keys
chmod 600 /root/.ssh/authorized_keys
# sshd starts sessions with a clean environment; carry over what CUDA programs need.
env | grep -E '^(NVIDIA_|CUDA_|LD_LIBRARY_PATH=|PATH=)' | sed 's/^/export /' > /etc/profile.d/gridlease-cuda.sh
ssh-keygen -A >/dev/null
exec /usr/sbin/sshd -D -e
