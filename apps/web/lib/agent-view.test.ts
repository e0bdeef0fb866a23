import { describe, expect, it } from "vitest";
import { agentView, AGENT_START_COMMANDS } from "./agent-view";

const NOW = Date.parse("2026-12-01T12:00:00Z");
const ago = (s: number) => new Date(NOW - s * 1000).toISOString();

describe("agentView (Provide page)", () => {
  it("shows a registered wallet whose agent never sent a heartbeat as offline, never seen, with the three commands", () => {
    expect(agentView({ online: false, lastHeartbeatAt: null }, NOW)).toEqual({
      kind: "offline",
      online: false,
      lastSeen: "never seen",
      commands: AGENT_START_COMMANDS,
    });
  });

  it("shows an agent that stopped as offline with when it was last seen", () => {
    const view = agentView({ online: false, lastHeartbeatAt: ago(3 * 3600) }, NOW);
    expect(view).toMatchObject({ kind: "offline", lastSeen: "last seen 3 h ago" });
  });

  it("trusts the API's online flag over this browser's clock", () => {
    expect(agentView({ online: true, lastHeartbeatAt: ago(40) }, NOW)).toEqual({ kind: "online", online: true, lastSeen: "last seen 40 s ago" });
    expect(agentView({ online: false, lastHeartbeatAt: ago(40) }, NOW).kind).toBe("offline");
  });

  it("asks an unregistered wallet to register first", () => {
    expect(agentView(null, NOW)).toEqual({ kind: "unregistered" });
  });

  it("the commands are the agent README's", async () => {
    const { readFile } = await import("node:fs/promises");
    const readme = await readFile(new URL("../../agent/README.md", import.meta.url), "utf8");
    for (const command of AGENT_START_COMMANDS) expect(readme).toContain(command.split(" ").slice(0, 2).join(" "));
    expect(readme).toContain("--import-private-key-file");
  });
});
