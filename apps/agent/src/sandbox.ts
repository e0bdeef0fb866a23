import { access, chmod, mkdir, readFile, realpath, rm, writeFile } from "node:fs/promises";
import { constants } from "node:fs";
import path from "node:path";
import { ScriptError, type ScriptResult } from "./scripts";

/**
 * The local sandbox provisioner (`"provision": { "command": "builtin:sandbox" }`, the same for
 * deprovision): what the local demo fleet gives a renter instead of a GPU host. Nothing here needs root
 * or creates users: the sandbox is a directory under GRIDLEASE_SANDBOX_ROOT (the config's script `env`)
 * and an `enter` command that runs a shell in bubblewrap (bwrap) with a read-only /usr, a private home
 * and /tmp, and no network. Without bwrap the command only opens the directory, and the access details
 * say it is not isolated.
 *
 * Access details are {"kind":"local-sandbox","command":…,"isolation":…,"expires":…}: the web app shows
 * them as labelled text. There is no SSH: a per-lease sshd would need openssh-server and a free port on
 * the developer's laptop, while the renter here is the same person at the same machine.
 *
 * Built in rather than a shell script because a fleet of 500 simulated providers on one machine provisions
 * dozens of these a second: a script cost ≈ 7 ms to spawn from the fleet's large process plus ≈ 25 ms of
 * CPU for the shell and its programs, the largest share of the fleet's CPU per accepted booking. Providers'
 * own provisioners stay scripts (examples/provision-*.sh); this one only ever runs on the agent's machine.
 */
export const SANDBOX_COMMAND = "builtin:sandbox";

type Env = Record<string, string | undefined>;

function sandboxRoot(env: Env): string {
  const root = env.GRIDLEASE_SANDBOX_ROOT;
  if (!root) throw new ScriptError(`${SANDBOX_COMMAND}: set GRIDLEASE_SANDBOX_ROOT in the script env`);
  return root;
}

function leaseId(env: Env): string {
  const id = env.GRIDLEASE_LEASE_ID ?? "";
  if (!/^[0-9]+$/.test(id)) throw new ScriptError(`${SANDBOX_COMMAND}: bad lease id: ${id}`);
  return id;
}

async function onPath(program: string, env: Env): Promise<boolean> {
  for (const dir of (env.PATH ?? process.env.PATH ?? "").split(":")) {
    if (!dir) continue;
    try {
      await access(path.join(dir, program), constants.X_OK);
      return true;
    } catch {
      // not in this directory
    }
  }
  return false;
}

/** The renter's `enter` command: a shell in the sandbox, recorded in `pids` so deprovisioning can kill it. */
function enterScript(dir: string, id: string, isolated: boolean): string {
  const removed = `[ -d "$dir/home" ] || { echo "The sandbox of lease ${id} has been removed: the lease has ended." >&2; exit 1; }`;
  if (!isolated)
    return [
      "#!/bin/sh",
      `dir='${dir}'`,
      removed,
      'echo $$ >> "$dir/pids"',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell parameter expansion, not a JavaScript placeholder.
      'cd "$dir/home" && exec "${SHELL:-/bin/sh}" "$@"',
      "",
    ].join("\n");
  return [
    "#!/bin/sh",
    `# Opens a shell in the sandbox of Gridlease lease ${id}. Deprovisioning kills it and deletes the directory.`,
    `dir='${dir}'`,
    removed,
    `link() { if [ -L "/$1" ]; then printf -- '--symlink %s /%s ' "$(readlink "/$1")" "$1"; elif [ -d "/$1" ]; then printf -- '--ro-bind /%s /%s ' "$1" "$1"; fi; }`,
    "shell=/bin/sh; [ -x /bin/bash ] && shell=/bin/bash",
    'echo $$ >> "$dir/pids"',
    "# exec keeps this PID, so the pid recorded above is bwrap's own; --die-with-parent takes the sandbox down with it.",
    "exec bwrap --unshare-all --die-with-parent --new-session --cap-drop ALL \\",
    "  --ro-bind /usr /usr $(link bin) $(link sbin) $(link lib) $(link lib64) $(link lib32) \\",
    "  --ro-bind-try /etc/alternatives /etc/alternatives --ro-bind-try /etc/ld.so.cache /etc/ld.so.cache \\",
    '  --proc /proc --dev /dev --tmpfs /tmp --bind "$dir/home" /home/renter \\',
    `  --hostname lease-${id} --setenv HOME /home/renter --setenv PS1 'lease-${id}:\\w\\$ ' --chdir /home/renter \\`,
    '  "$shell" "$@"',
    "",
  ].join("\n");
}

async function provision(env: Env): Promise<Record<string, unknown>> {
  const id = leaseId(env);
  await mkdir(sandboxRoot(env), { recursive: true });
  const root = await realpath(sandboxRoot(env));
  // The path goes between single quotes in the enter script.
  if (/['\n]/.test(root)) throw new ScriptError(`${SANDBOX_COMMAND}: GRIDLEASE_SANDBOX_ROOT must not contain a single quote or a newline`);
  const dir = path.join(root, `lease-${id}`);
  // A directory left by an earlier chain's lease of the same id is ours to replace.
  await rm(dir, { recursive: true, force: true });
  await mkdir(path.join(dir, "home"), { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
  await writeFile(path.join(dir, "home", "authorized_key.pub"), `${env.GRIDLEASE_SSH_PUBLIC_KEY ?? ""}\n`, { mode: 0o600 });
  await writeFile(
    path.join(dir, "home", "README"),
    `Gridlease lease ${id}: ${env.GRIDLEASE_GPUS} GPU(s) for ${env.GRIDLEASE_DURATION_HOURS} h. This sandbox is removed when the lease ends.\n`,
    { mode: 0o600 },
  );
  const isolated = await onPath("bwrap", env);
  await writeFile(path.join(dir, "enter"), enterScript(dir, id, isolated), { mode: 0o700 });
  return {
    kind: "local-sandbox",
    command: path.join(dir, "enter"),
    isolation: isolated
      ? "bubblewrap: read-only /usr, private home and /tmp, no network, own PID namespace"
      : "none: bubblewrap (bwrap) is not installed, so this only opens the lease's directory",
    expires: Math.floor(Date.now() / 1000) + Number(env.GRIDLEASE_DURATION_HOURS ?? 0) * 3600,
  };
}

/**
 * Kills every shell entered through the sandbox (each recorded its PID in `pids`; a PID is signalled only
 * while its command line still names this sandbox, as PIDs are recycled), then deletes the directory.
 * Running it again, or for a lease that never got a sandbox, is harmless.
 */
async function deprovision(env: Env): Promise<void> {
  const id = leaseId(env);
  let root: string;
  try {
    root = await realpath(sandboxRoot(env));
  } catch {
    return; // no root: nothing was ever provisioned
  }
  const dir = path.join(root, `lease-${id}`);
  const pids = await readFile(path.join(dir, "pids"), "utf8").catch(() => "");
  for (const pid of pids.split("\n").filter((p) => /^[0-9]+$/.test(p))) {
    const cmdline = await readFile(`/proc/${pid}/cmdline`, "utf8").catch(() => "");
    if (!cmdline.replaceAll("\0", " ").includes(`${dir}/home`)) continue;
    try {
      process.kill(Number(pid), "SIGKILL");
    } catch {
      // already gone
    }
  }
  await rm(dir, { recursive: true, force: true });
}

/** Runs the built-in sandbox provisioner for a provision or deprovision event; stdout as a script's would be. */
export async function runSandbox(event: unknown, env: Env): Promise<ScriptResult> {
  if (event === "provision") return { stdout: `${JSON.stringify(await provision(env))}\n`, stderr: "" };
  if (event === "deprovision") {
    await deprovision(env);
    return { stdout: "", stderr: "" };
  }
  throw new ScriptError(`${SANDBOX_COMMAND}: unknown event ${String(event)}`);
}
