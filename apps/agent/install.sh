#!/bin/sh
# Installs gridlease-agent from an unpacked release (`pnpm --filter @gridlease/agent bundle` makes
# dist/gridlease-agent-<version>.tar.gz):
#
#   tar xzf gridlease-agent-<version>.tar.gz && sudo ./gridlease-agent-<version>/install.sh
#
# The agent is one bundled file; the host needs only Node.js >= 20. It goes to
# $PREFIX/lib/gridlease-agent (with the example config, scripts and systemd unit) and a shim to
# $PREFIX/bin/gridlease-agent. PREFIX defaults to /usr/local.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
prefix="${PREFIX:-/usr/local}"
lib="$prefix/lib/gridlease-agent"
bin="$prefix/bin"

if ! command -v node >/dev/null 2>&1; then
  echo "install.sh: Node.js is not installed: install Node.js 20 or newer (e.g. apt-get install nodejs, or from nodejs.org), then run this again." >&2
  exit 1
fi
major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$major" -lt 20 ]; then
  echo "install.sh: Node.js $(node --version) is too old: install Node.js 20 or newer, then run this again." >&2
  exit 1
fi
if [ ! -f "$here/gridlease-agent.mjs" ]; then
  echo "install.sh: $here/gridlease-agent.mjs is missing: run this from an unpacked gridlease-agent release (pnpm --filter @gridlease/agent bundle builds one)." >&2
  exit 1
fi

mkdir -p "$lib/examples" "$bin"
cp "$here/gridlease-agent.mjs" "$lib/gridlease-agent.mjs"
cp "$here"/examples/* "$lib/examples/"
# The proof-of-GPU script (used only where python3 has torch with CUDA).
mkdir -p "$lib/gpu" && cp "$here/gpu/pog.py" "$lib/gpu/pog.py"
chmod 755 "$lib/gridlease-agent.mjs" "$lib"/examples/*.sh
printf '#!/bin/sh\nexec node "%s/gridlease-agent.mjs" "$@"\n' "$lib" > "$bin/gridlease-agent"
chmod 755 "$bin/gridlease-agent"
echo "Installed $("$bin/gridlease-agent" --version) to $lib; command: $bin/gridlease-agent"
echo "Examples (config, provisioning scripts, systemd unit): $lib/examples"
