import { describe, expect, it } from "vitest";
import { execFile, spawnSync } from "node:child_process";
import { mkdtempSync, readlinkSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseScriptJson } from "../src/scripts";
import { scriptEnvironment } from "../src/serve/lease-request";
import { leaseInput } from "./helpers/lease-input";

// The local-user example creates users and writes /etc, /home and the shared temporary directories,
// so every scenario runs in fresh mount, PID and IPC namespaces: /etc is a bind-mounted copy, the
// other directories are empty tmpfs, and /proc shows only the scenario's processes. The test
// machine's own users, /etc and temporary files are never touched.
// GRIDLEASE_LOCAL_USER_EXAMPLES points the tests at another copy of the scripts (used to check that
// each test fails on the scripts as they were before the isolation fixes).
const scripts = process.env.GRIDLEASE_LOCAL_USER_EXAMPLES ?? path.resolve(import.meta.dirname, "../examples");

function sandboxUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return "needs root: useradd and per-UID processes need real UIDs, which an unprivileged user namespace cannot map";
  const probe = spawnSync("unshare", ["--mount", "--pid", "--ipc", "--fork", "--mount-proc", "true"], { encoding: "utf8" });
  if (probe.error || probe.status !== 0) return `util-linux unshare cannot create namespaces here: ${probe.error?.message ?? probe.stderr.trim()}`;
  return undefined;
}
const unavailable = sandboxUnavailable();

const A = "7001";
const B = "7002";

const quote = (value: string) => `'${value.replaceAll("'", `'\\''`)}'`;

/** Bash functions provision_<id> / deprovision_<id> that run a script with the agent's input and env. */
function leaseFunctions(leaseId: string): string {
  return (["provision", "deprovision"] as const)
    .map((event) => {
      const input = leaseInput(leaseId, event);
      const env = { ...scriptEnvironment(input), PUBLIC_HOST: "gpu-7.example.net", SSH_PORT: "2222" };
      const assignments = Object.entries(env)
        .map(([key, value]) => `${key}=${quote(value)}`)
        .join(" ");
      return `${event}_${leaseId}() { printf '%s' ${quote(JSON.stringify(input))} | env ${assignments} "$SCRIPTS/${event}-local-user.sh"; }`;
    })
    .join("\n");
}

const setup = String.raw`
set -euo pipefail
# Refuse to go on unless this really is a new mount namespace.
[ "$(readlink /proc/self/ns/mnt)" != "$HOST_MNT_NS" ] || { echo "not in a private mount namespace" >&2; exit 99; }
mount --make-rprivate /
cp -a /etc "$SANDBOX/etc"
mount --bind "$SANDBOX/etc" /etc
# The scripts may live under /tmp (a checkout in a mktemp -d folder, as CI makes): keep them reachable
# at /mnt once /tmp is an empty tmpfs. /mnt is only a mount point here; nothing is written to it.
[ -d /mnt ] || { echo "no /mnt to mount the example scripts on" >&2; exit 98; }
mount --bind "$SCRIPTS" /mnt
SCRIPTS=/mnt
for dir in /home /var/log /var/spool /var/mail /var/lib; do mount -t tmpfs -o mode=0755 tmpfs "$dir"; done
for dir in /tmp /var/tmp /dev/shm; do mount -t tmpfs -o mode=1777 tmpfs "$dir"; done
if [ -d /dev/mqueue ]; then mount -t mqueue mqueue /dev/mqueue; fi
uid_of() { id -u "gl-lease-$1"; }
# Runs a command as lease $1's user, the way the renter's own processes run.
as_lease() { local uid; uid=$(uid_of "$1"); shift; setpriv --reuid="$uid" --regid="$uid" --clear-groups -- "$@"; }
# Live (not zombie) processes with the UID as real, effective or saved UID.
live_of() { ps -A -o pid=,ruid=,euid=,suid=,stat= | awk -v u="$1" '($2 == u || $3 == u || $4 == u) && $5 !~ /^Z/' | wc -l; }
`;

/** Runs a bash scenario in the sandbox; it reports with `echo key=value` lines, returned as a map. */
function inSandbox(scenario: string): Promise<Record<string, string>> {
  const sandbox = mkdtempSync(path.join(tmpdir(), "gl-local-user-"));
  const script = [setup, leaseFunctions(A), leaseFunctions(B), scenario].join("\n");
  return new Promise((resolve, reject) => {
    execFile(
      "unshare",
      ["--mount", "--pid", "--ipc", "--fork", "--mount-proc", "bash", "-c", script],
      {
        env: { PATH: process.env.PATH ?? "/usr/sbin:/usr/bin:/sbin:/bin", SCRIPTS: scripts, SANDBOX: sandbox, HOST_MNT_NS: readlinkSync("/proc/self/ns/mnt") },
        timeout: 90_000,
        maxBuffer: 4 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        rmSync(sandbox, { recursive: true, force: true });
        if (error) return reject(new Error(`sandbox scenario failed (exit ${error.code ?? error.signal})\nstdout: ${stdout}\nstderr: ${stderr.slice(-3000)}`));
        const results: Record<string, string> = {};
        for (const line of stdout.split("\n")) {
          const match = /^([a-z_]+)=(.*)$/.exec(line);
          if (match) results[match[1]] = match[2];
        }
        resolve(results);
      },
    );
  });
}

describe.skipIf(unavailable)(
  `examples/*-local-user.sh keep renters apart (run for real in private namespaces)${unavailable ? ` — skipped: ${unavailable}` : ""}`,
  () => {
    it("creates a user with only the renter's key, is idempotent, and deprovision removes it", async () => {
      const r = await inSandbox(String.raw`
      echo "first=$(provision_${A})"
      echo "second=$(provision_${A})"
      home=$(getent passwd gl-lease-${A} | cut -d: -f6)
      echo "keys=$(base64 -w0 < "$home/.ssh/authorized_keys")"
      echo "keys_mode=$(stat -c %a "$home/.ssh/authorized_keys") keys_owner=$(stat -c %u "$home/.ssh/authorized_keys")"
      echo "uid=$(uid_of ${A})"
      echo "cuda=$(grep CUDA_VISIBLE_DEVICES "$home/.gridlease-env")"
      echo "bashrc_lines=$(grep -c gridlease-env "$home/.bashrc")"
      deprovision_${A} 2>/dev/null
      echo "user_after=$(id -u gl-lease-${A} 2>/dev/null || echo none) home_after=$([ -e "$home" ] && echo present || echo gone)"
      deprovision_${A} 2>/dev/null && echo "second_revoke=ok"
    `);
      const user = `gl-lease-${A}`;
      const first = parseScriptJson(r.first, "provision");
      expect(first).toEqual({ host: "gpu-7.example.net", port: 2222, user, ssh: `ssh -p 2222 ${user}@gpu-7.example.net`, gpuIndices: "2,3" });
      // A second run (after an agent restart) changes nothing and prints the same access details.
      expect(parseScriptJson(r.second, "provision")).toEqual(first);
      expect(Buffer.from(r.keys, "base64").toString()).toBe(`${leaseInput(A, "provision").sshPublicKey}\n`);
      expect(r.keys_mode).toBe(`600 keys_owner=${r.uid}`);
      expect(r.cuda).toBe(`export CUDA_VISIBLE_DEVICES=${leaseInput(A, "provision").gpuUuids.join(",")}`);
      expect(r.bashrc_lines).toBe("1");
      expect(r.user_after).toBe("none home_after=gone");
      expect(r.second_revoke).toBe("ok");
    });

    it("kills a lease's processes that keep forking, so none survives deprovision", async () => {
      const r = await inSandbox(String.raw`
      provision_${A} >/dev/null
      uid=$(uid_of ${A})
      # Two ways to dodge a single pkill: a loop that forks sleepers as fast as it can (those born
      # while pkill reads /proc are not on its list), and chains whose every generation starts the
      # next and exits (the PID pkill read is gone when it signals). ulimit -u caps the sleepers.
      printf '#!/bin/sh\nsh /tmp/hop.sh &\nexit 0\n' > /tmp/hop.sh
      printf '#!/bin/sh\nulimit -u 1500\nwhile :; do sleep 60 & done\n' > /tmp/spawn.sh
      chmod 755 /tmp/hop.sh /tmp/spawn.sh
      for chain in 1 2 3; do as_lease ${A} setsid sh /tmp/hop.sh </dev/null >/dev/null 2>&1; done
      as_lease ${A} setsid sh /tmp/spawn.sh </dev/null >/dev/null 2>&1 &
      sleep 1
      echo "before=$(live_of "$uid")"
      deprovision_${A} >/dev/null 2>/var/log/deprovision.log && echo "revoke=ok" || echo "revoke=failed"
      echo "revoke_log=$(tr '\n' ' ' < /var/log/deprovision.log)"
      sleep 1
      echo "after=$(live_of "$uid")"
      echo "survivors=$(ps -A -o pid=,ppid=,ruid=,euid=,stat=,etimes=,args= | awk -v u="$uid" '$3 == u || $4 == u' | tr '\n' ';')"
    `);
      expect(Number(r.before)).toBeGreaterThan(5);
      expect(r.revoke, r.revoke_log).toBe("ok");
      expect(Number(r.after), `${r.survivors} / ${r.revoke_log}`).toBe(0);
    });

    it("never gives lease B the UID of lease A, nor any UID that still owns a file", async () => {
      const r = await inSandbox(String.raw`
      provision_${A} >/dev/null
      echo "uid_a=$(uid_of ${A})"
      deprovision_${A} >/dev/null 2>&1
      provision_${B} >/dev/null
      echo "uid_b=$(uid_of ${B})"
      deprovision_${B} >/dev/null 2>&1
      # The counter is lost (say, a restored backup) and a file of the next UID is still around.
      rm -f /var/lib/gridlease-local-user/next-uid
      install -o 2000000000 -g 2000000000 -m 600 /dev/null /var/tmp/left-behind
      provision_${A} >/dev/null
      echo "uid_again=$(uid_of ${A})"
    `);
      expect(r.uid_b).not.toBe(r.uid_a);
      expect(r.uid_again).not.toBe("2000000000");
    });

    it("leaves nothing of lease A in /tmp, /var/tmp, /dev/shm or System V IPC for lease B to read", async () => {
      const r = await inSandbox(String.raw`
      provision_${A} >/dev/null
      uid_a=$(uid_of ${A})
      for dir in /tmp /var/tmp /dev/shm; do
        as_lease ${A} sh -c "umask 077; echo 'secret of A' > $dir/a-secret"
      done
      as_lease ${A} ipcmk -M 4096 >/dev/null
      # A link of A's to a host file: the cleanup must delete the link, never what it points to.
      as_lease ${A} ln -s /etc/passwd /tmp/a-link
      echo "shm_before=$(awk -v u="$uid_a" 'NR > 1 && $8 == u' /proc/sysvipc/shm | wc -l)"
      deprovision_${A} >/dev/null 2>&1
      provision_${B} >/dev/null
      echo "left=$(ls /tmp/a-secret /var/tmp/a-secret /dev/shm/a-secret 2>/dev/null | wc -l)"
      for dir in /tmp /var/tmp /dev/shm; do
        as_lease ${B} cat "$dir/a-secret" 2>/dev/null || true
      done | grep -c 'secret of A' | sed 's/^/read_by_b=/' || true
      echo "shm_after=$(awk -v u="$uid_a" 'NR > 1 && $8 == u' /proc/sysvipc/shm | wc -l)"
      echo "link=$([ -L /tmp/a-link ] && echo present || echo gone) passwd=$([ -s /etc/passwd ] && echo intact || echo damaged)"
    `);
      expect(r.shm_before).toBe("1");
      expect(r.left).toBe("0");
      expect(r.read_by_b).toBe("0");
      expect(r.shm_after).toBe("0");
      expect(r.link).toBe("gone passwd=intact");
    });

    it("a re-run never writes or chowns through a symlink the renter planted in its home", async () => {
      const r = await inSandbox(String.raw`
      provision_${A} >/dev/null
      home=$(getent passwd gl-lease-${A} | cut -d: -f6)
      # The renter swaps its profile files for links to the host's secrets, then the agent re-runs.
      as_lease ${A} sh -c "cd '$home' && ln -sf /etc/shadow .gridlease-env && ln -sf /etc/passwd .bashrc"
      snapshot() { find /etc -printf '%p %U %G %m %s\n' | sort | sha256sum; sha256sum /etc/shadow /etc/passwd; }
      before=$(snapshot)
      provision_${A} >/dev/null 2>&1 && echo "rerun=ok" || echo "rerun=failed"
      [ "$(snapshot)" = "$before" ] && echo "etc=unchanged" || echo "etc=changed"
      echo "shadow_owner=$(stat -c %u /etc/shadow) passwd_owner=$(stat -c %u /etc/passwd)"
      echo "env_file=$(stat -c %F "$home/.gridlease-env")"
    `);
      expect(r.etc).toBe("unchanged");
      expect(r.shadow_owner).toBe("0 passwd_owner=0");
      // The re-run still succeeds: the profile file was replaced, not written through.
      expect(r.rerun).toBe("ok");
      expect(r.env_file).toBe("regular file");
    });

    it("creates homes that only their own lease can enter (0700)", async () => {
      const r = await inSandbox(String.raw`
      provision_${A} >/dev/null
      provision_${B} >/dev/null
      echo "modes=$(stat -c %a /home/gl-lease-${A} /home/gl-lease-${B} | tr '\n' ' ')"
      as_lease ${B} ls /home/gl-lease-${A} >/dev/null 2>&1 && echo "b_lists_a=yes" || echo "b_lists_a=no"
    `);
      expect(r.modes).toBe("700 700 ");
      expect(r.b_lists_a).toBe("no");
    });
  },
);
