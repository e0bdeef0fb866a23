import { describe, expect, it } from "vitest";
import { createLogger } from "../src/log";

describe("agent log", () => {
  // Issue 10, low: renter text (a note, a key comment echoed by a script) reached the provider's log raw.
  it("keeps renter text on one line and turns terminal escapes and other controls into visible escapes", () => {
    const lines: string[] = [];
    const log = createLogger((line) => lines.push(line));
    log.error("stderr: note=hi\n2026-01-01T00:00:00.000Z INFO  lease 9: accepted\r\u001b[2J\u001b]0;pwned\u0007\u009b31m\u202egnp.exe\ttab");
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202e]/);
    expect(lines[0]).toMatch(
      /ERROR stderr: note=hi\\n2026-01-01T00:00:00\.000Z INFO {2}lease 9: accepted\\r\\x1b\[2J\\x1b\]0;pwned\\x07\\x9b31m\\u202egnp\.exe\\ttab$/,
    );
  });

  it("leaves ordinary text, including non-ASCII, as it is", () => {
    const lines: string[] = [];
    createLogger((line) => lines.push(line)).info("lease 3: booked by josé (2 GPU × 4 h) — ok");
    expect(lines[0]).toMatch(/INFO {2}lease 3: booked by josé \(2 GPU × 4 h\) — ok$/);
  });
});
