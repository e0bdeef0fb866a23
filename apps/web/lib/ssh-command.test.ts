import { execFileSync } from "node:child_process";
import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { AccessDetailsView } from "@/components/rentals/access-details-view";
import { buildSshCommand, isSshHost, isSshUser, parseSshPort, shellQuote } from "./ssh-command";

/** The words a real POSIX shell makes of `text` (each printed NUL-terminated by printf). */
function shellWords(text: string): string[] {
  const out = execFileSync("/bin/sh", ["-c", `printf '%s\\0' ${text}`], { encoding: "utf8" });
  return out.split("\0").slice(0, -1);
}

const HOSTILE_HOSTS = [
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a literal shell ${IFS}, the attack under test
  "x -oProxyCommand=touch${IFS}/tmp/pwned",
  "-oProxyCommand=sh",
  "-p",
  "example.com; rm -rf ~",
  "$(id)",
  "`id`",
  "host\nid",
  "-example.com",
  "example-.com",
  "a..b",
  "fe80::1%eth0",
  "[::1]",
  "",
];

describe("buildSshCommand", () => {
  it("refuses a host carrying an ssh option such as -oProxyCommand, with a reason and no command", () => {
    const result = buildSshCommand({ host: "x -oProxyCommand=touch /tmp/pwned", user: "ubuntu", port: 22 });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toMatch(/not a hostname or IP address/);
  });

  it("refuses every host starting with '-' and every host that is not a hostname or IP literal", () => {
    for (const host of HOSTILE_HOSTS) expect(buildSshCommand({ host }).ok, JSON.stringify(host)).toBe(false);
    expect(buildSshCommand({ host: 42 }).ok).toBe(false);
  });

  it("refuses users and ports that are not a user name or a port 1-65535", () => {
    for (const user of ["-oProxyCommand=sh", "root;id", "a b", ".hidden", "$USER", "x".repeat(33), 7]) {
      expect(buildSshCommand({ host: "example.com", user }).ok, JSON.stringify(user)).toBe(false);
    }
    for (const port of [0, 65536, -1, 22.5, "22 -oProxyCommand=sh", "0x16", "", "1e3", true]) {
      const result = buildSshCommand({ host: "example.com", port });
      expect(result.ok, JSON.stringify(port)).toBe(port === ""); // an empty port means the default
    }
  });

  it("builds the command for hostnames, IPv4 and IPv6 literals, omitting the default port", () => {
    expect(buildSshCommand({ host: "203.0.113.7", user: "ubuntu", port: 2222 })).toMatchObject({ ok: true, command: "ssh -p 2222 ubuntu@203.0.113.7" });
    expect(buildSshCommand({ host: "gpu-1.example.com", port: "22" })).toMatchObject({ ok: true, command: "ssh gpu-1.example.com" });
    expect(buildSshCommand({ host: "2001:db8::7", user: "renter_1" })).toMatchObject({ ok: true, command: "ssh renter_1@2001:db8::7" });
    expect(isSshHost("::ffff:192.0.2.1")).toBe(true);
    expect(isSshHost("256.1.1.1.1")).toBe(true); // five numeric labels: a (resolvable) hostname, harmless to ssh
    expect(isSshUser("lease-42")).toBe(true);
    expect(parseSshPort("65535")).toBe(65535);
  });

  it("gives real OpenSSH exactly the host, user and port, with no proxy command", () => {
    const result = buildSshCommand({ host: "gpu-1.example.com", user: "ubuntu", port: 2222 });
    if (!result.ok) throw new Error(result.reason);
    const [, ...args] = shellWords(result.command);
    // `ssh -G` prints the configuration it would use and exits without connecting; -F /dev/null ignores local config.
    const config = execFileSync("ssh", ["-F", "/dev/null", "-G", ...args], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
    expect(config).toMatch(/^hostname gpu-1\.example\.com$/m);
    expect(config).toMatch(/^user ubuntu$/m);
    expect(config).toMatch(/^port 2222$/m);
    expect(config).not.toMatch(/^proxycommand /m);
  });
});

describe("shellQuote", () => {
  it("round-trips any string through a real POSIX shell as one word", () => {
    const samples = [
      "plain",
      "with space",
      "it's",
      "''",
      "$(id)",
      "`id`",
      "a\nb",
      "tab\there",
      "*",
      "~",
      "-oProxyCommand=x",
      "\\",
      '"',
      "é ü 漢",
      "!",
      ";&|<>",
      "",
    ];
    for (let i = 0; i < 200; i++) {
      samples.push(Array.from({ length: 1 + (i % 17) }, (_, j) => String.fromCharCode(1 + ((i * 31 + j * 7) % 126))).join(""));
    }
    for (const word of samples.filter((w) => w !== "")) expect(shellWords(shellQuote(word)), JSON.stringify(word)).toEqual([word]);
  });
});

describe("AccessDetailsView", () => {
  const render = (access: Record<string, unknown>) => renderToStaticMarkup(createElement(AccessDetailsView, { access }));

  it("shows no ssh command, only the reason, for a host carrying -oProxyCommand", () => {
    const html = render({ host: "x -oProxyCommand=touch /tmp/pwned", user: "ubuntu", port: 22 });
    expect(html).not.toContain('data-testid="ssh-command"');
    expect(html).toContain('data-testid="ssh-command-refused"');
    expect(html).toContain("not a hostname or IP address");
  });

  it("shows the validated command and other provider fields as labelled text, never as links or markup", () => {
    const html = render({ host: "203.0.113.7", user: "ubuntu", port: 2222, docs: "javascript:alert(1)", note: "<img src=x onerror=alert(1)>\u202e" });
    expect(html).toContain('<p class="font-mono text-emerald-300" data-testid="ssh-command">ssh -p 2222 ubuntu@203.0.113.7</p>');
    expect(html).not.toMatch(/<a\b|<img\b|href=/);
    expect(html).toContain("Provider field “docs”");
    expect(html).toContain("&lt;img src=x onerror=alert(1)&gt;\\u202e");
  });
});
