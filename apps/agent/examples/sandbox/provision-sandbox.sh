#!/bin/sh
# Provisioning script for the local demo fleet (`npm start`): gives the renter a per-lease sandbox on
# this machine instead of a GPU host. Nothing here needs root or creates users: the sandbox is a
# directory under $GRIDLEASE_SANDBOX_ROOT and an `enter` command that runs a shell in bubblewrap
# (bwrap) with a read-only /usr, a private home and /tmp, and no network. Without bwrap the command
# only opens the directory, and the access details say it is not isolated.
#
# Access details are {"kind":"local-sandbox","command":…,"isolation":…,"expires":…}: the web app shows
# them as labelled text. There is no SSH: a per-lease sshd would need openssh-server and a free port on
# the developer's laptop, while the renter here is the same person at the same machine.
#
# The agent has the same provisioner built in (`"command": "builtin:sandbox"`, src/sandbox.ts), which
# `npm start`'s fleet and the benchmarks use: spawning a script per booking was most of a 500-provider
# fleet's CPU. test/sandbox.test.ts holds both to the same behaviour. This script is the example of a
# script provisioner; it uses shell builtins where one will do (`cd -P`, a read/printf loop instead of
# `cat`, `umask` instead of `chmod`), as every program it starts costs a fork and an exec.
set -eu
umask 077
root="${GRIDLEASE_SANDBOX_ROOT:?set GRIDLEASE_SANDBOX_ROOT in the script env}"
id="$GRIDLEASE_LEASE_ID"
case "$id" in ''|*[!0-9]*) echo "bad lease id: $id" >&2; exit 1 ;; esac
[ -d "$root" ] || mkdir -p "$root"
cd -P -- "$root"
root=$PWD
case "$root" in *[\"\\]*) echo "GRIDLEASE_SANDBOX_ROOT must not contain a quote or backslash (it goes into JSON)" >&2; exit 1 ;; esac
dir="$root/lease-$id"
# A directory left by an earlier chain's lease of the same id is ours to replace.
if [ -e "$dir" ] || [ -L "$dir" ]; then rm -rf "$dir"; fi
# With the umask above both directories are private to this user (700).
mkdir -p "$dir/home"
# `cat` without the program: copies stdin (here documents below) line by line with builtins.
copy() { while IFS= read -r line; do printf '%s\n' "$line"; done; }
printf '%s\n' "$GRIDLEASE_SSH_PUBLIC_KEY" > "$dir/home/authorized_key.pub"
printf 'Gridlease lease %s: %s GPU(s) for %s h. This sandbox is removed when the lease ends.\n' "$id" "$GRIDLEASE_GPUS" "$GRIDLEASE_DURATION_HOURS" > "$dir/home/README"

if command -v bwrap >/dev/null 2>&1; then
  isolation="bubblewrap: read-only /usr, private home and /tmp, no network, own PID namespace"
  copy > "$dir/enter" <<SCRIPT
#!/bin/sh
# Opens a shell in the sandbox of Gridlease lease $id. Deprovisioning kills it and deletes the directory.
dir='$dir'
[ -d "\$dir/home" ] || { echo "The sandbox of lease $id has been removed: the lease has ended." >&2; exit 1; }
link() { if [ -L "/\$1" ]; then printf -- '--symlink %s /%s ' "\$(readlink "/\$1")" "\$1"; elif [ -d "/\$1" ]; then printf -- '--ro-bind /%s /%s ' "\$1" "\$1"; fi; }
shell=/bin/sh; [ -x /bin/bash ] && shell=/bin/bash
echo \$\$ >> "\$dir/pids"
# exec keeps this PID, so the pid recorded above is bwrap's own; --die-with-parent takes the sandbox down with it.
exec bwrap --unshare-all --die-with-parent --new-session --cap-drop ALL \\
  --ro-bind /usr /usr \$(link bin) \$(link sbin) \$(link lib) \$(link lib64) \$(link lib32) \\
  --ro-bind-try /etc/alternatives /etc/alternatives --ro-bind-try /etc/ld.so.cache /etc/ld.so.cache \\
  --proc /proc --dev /dev --tmpfs /tmp --bind "\$dir/home" /home/renter \\
  --hostname lease-$id --setenv HOME /home/renter --setenv PS1 'lease-$id:\\w\\$ ' --chdir /home/renter \\
  "\$shell" "\$@"
SCRIPT
else
  isolation="none: bubblewrap (bwrap) is not installed, so this only opens the lease's directory"
  copy > "$dir/enter" <<SCRIPT
#!/bin/sh
dir='$dir'
[ -d "\$dir/home" ] || { echo "The sandbox of lease $id has been removed: the lease has ended." >&2; exit 1; }
echo \$\$ >> "\$dir/pids"
cd "\$dir/home" && exec "\${SHELL:-/bin/sh}" "\$@"
SCRIPT
fi
chmod 700 "$dir/enter"
expires=$(( $(date +%s) + GRIDLEASE_DURATION_HOURS * 3600 ))
printf '{"kind":"local-sandbox","command":"%s","isolation":"%s","expires":%s}\n' "$dir/enter" "$isolation" "$expires"
