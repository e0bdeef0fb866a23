/**
 * The `ssh …` line the rentals page offers to copy, built from provider-chosen access details.
 *
 * The provider picks `host`, `user` and `port`, and the renter pastes the result into a shell, so a
 * value such as `x -oProxyCommand=…` would run the provider's code on the renter's machine. Each part
 * is therefore validated against a strict grammar (no value may start with `-`, so none can become an
 * ssh option) and then shell-quoted as a second line of defence. When a part fails, the caller gets a
 * sentence saying why and no command at all.
 */

export type SshCommandResult = { ok: true; command: string; host: string; user?: string; port: number } | { ok: false; reason: string };

const MAX_HOSTNAME_LENGTH = 253;
// RFC 1123 label: letters, digits and inner hyphens, 1–63 characters (so never a leading `-`).
const LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
// POSIX portable user name (letters, digits, `.`, `_`, `-`), not starting with `-` or `.`, at most 32 characters.
const USER = /^[A-Za-z_][A-Za-z0-9_.-]{0,31}$/;
// Characters a POSIX shell never treats specially; anything else is single-quoted.
const SHELL_SAFE = /^[A-Za-z0-9_@%+=:,./-]+$/;

export function isHostname(value: string): boolean {
  if (value.length === 0 || value.length > MAX_HOSTNAME_LENGTH) return false;
  return value.split(".").every((label) => LABEL.test(label));
}

export function isIPv4(value: string): boolean {
  return IPV4.test(value);
}

/** An IPv6 literal without brackets or zone id, as the WHATWG URL parser (browser and Node alike) accepts it. */
export function isIPv6(value: string): boolean {
  if (!/^[0-9A-Fa-f:.]+$/.test(value) || !value.includes(":")) return false;
  try {
    return new URL(`http://[${value}]/`).hostname.length > 2;
  } catch {
    return false;
  }
}

export function isSshHost(value: string): boolean {
  return isIPv4(value) || isIPv6(value) || isHostname(value);
}

export function isSshUser(value: string): boolean {
  return USER.test(value);
}

/** The port as an integer 1–65535 from a number or a decimal string, else null. */
export function parseSshPort(value: unknown): number | null {
  const text = typeof value === "number" ? String(value) : typeof value === "string" ? value : null;
  if (text === null || !/^[0-9]{1,5}$/.test(text)) return null;
  const port = Number(text);
  return port >= 1 && port <= 65535 ? port : null;
}

/** One shell word: bare when it holds only inert characters, else single-quoted (`'` written as `'\''`). */
export function shellQuote(word: string): string {
  if (SHELL_SAFE.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** A printable rendering of a provider string for error messages (control characters escaped, length capped). */
function quotedValue(value: unknown): string {
  const text = typeof value === "string" ? value : (JSON.stringify(value) ?? String(value));
  return JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}…` : text);
}

/**
 * The ssh command for the provider's `host`, optional `user` and optional `port` (22 when absent),
 * or why none is shown.
 */
export function buildSshCommand(access: { host?: unknown; user?: unknown; port?: unknown }): SshCommandResult {
  const { host, user, port } = access;
  if (host === undefined || host === null || host === "") return { ok: false, reason: "The provider gave no host, so there is no ssh command to show." };
  if (typeof host !== "string" || !isSshHost(host)) {
    return {
      ok: false,
      reason: `The provider's host ${quotedValue(host)} is not a hostname or IP address, so no ssh command is shown; ask the provider to correct it.`,
    };
  }
  let checkedUser: string | undefined;
  if (user !== undefined && user !== null && user !== "") {
    if (typeof user !== "string" || !isSshUser(user)) {
      return {
        ok: false,
        reason: `The provider's user ${quotedValue(user)} is not a valid user name, so no ssh command is shown; ask the provider to correct it.`,
      };
    }
    checkedUser = user;
  }
  let checkedPort = 22;
  if (port !== undefined && port !== null && port !== "") {
    const parsed = parseSshPort(port);
    if (parsed === null) {
      return {
        ok: false,
        reason: `The provider's port ${quotedValue(port)} is not a port number from 1 to 65535, so no ssh command is shown; ask the provider to correct it.`,
      };
    }
    checkedPort = parsed;
  }
  const words = ["ssh"];
  if (checkedPort !== 22) words.push("-p", String(checkedPort));
  words.push(checkedUser ? `${checkedUser}@${host}` : host);
  return { ok: true, command: words.map(shellQuote).join(" "), host, user: checkedUser, port: checkedPort };
}
