import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import * as contracts from "./contracts.generated";
import * as enums from "./enums.generated";
import { CLOSE_REASON, CloseReason, enumName, LEASE_STATUS, LeaseStatus } from "./protocol";
import { REPO_ROOT } from "./local-chain";

/** Every `enum Name { … }` in the Solidity sources and OpenZeppelin's, comments stripped: what the contracts really declare. */
function solidityEnums(): Map<string, string[]> {
  const found = new Map<string, string[]>();
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir)) {
      const path = join(dir, entry);
      if (statSync(path).isDirectory()) walk(path);
      else if (entry.endsWith(".sol")) {
        const source = readFileSync(path, "utf8")
          .replace(/\/\*[\s\S]*?\*\//g, "")
          .replace(/\/\/.*$/gm, "");
        for (const [, name, body] of source.matchAll(/\benum\s+(\w+)\s*\{([^}]*)\}/g))
          found.set(
            name!,
            body!
              .split(",")
              .map((m) => m.trim())
              .filter(Boolean),
          );
      }
    }
  };
  walk(join(REPO_ROOT, "contracts"));
  walk(join(REPO_ROOT, "node_modules/@openzeppelin/contracts"));
  return found;
}

const constName = (name: string) => name.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toUpperCase();

describe("protocol enums", () => {
  it("has a generated member list for every enum an ABI uses, equal to the Solidity declaration (else run pnpm compile && pnpm gen:sdk)", () => {
    const used = new Set(
      JSON.stringify(Object.values(contracts))
        .match(/"enum [\w.]+/g)!
        .map((t) => t.slice(6).split(".").pop()!),
    );
    expect(used.size).toBeGreaterThanOrEqual(4);
    const declared = solidityEnums();
    for (const name of used) {
      expect(enums, `enums.generated.ts lacks ${name}`).toHaveProperty(constName(name));
      expect([...(enums as Record<string, readonly string[]>)[constName(name)]!], `${name} differs from the contracts`).toEqual(declared.get(name));
    }
  });

  it("maps names to on-chain values by declaration order, None first", () => {
    expect(LeaseStatus.None).toBe(0);
    for (const [index, name] of LEASE_STATUS.entries()) expect(LeaseStatus[name]).toBe(index);
    for (const [index, name] of CLOSE_REASON.entries()) expect(CloseReason[name]).toBe(index);
    expect(Object.isFrozen(LeaseStatus)).toBe(true);
  });

  it("names a value and refuses one the contracts do not define", () => {
    expect(enumName(CLOSE_REASON, 3n)).toBe("NotAccepted");
    expect(() => enumName(CLOSE_REASON, CLOSE_REASON.length, "close reason")).toThrow(/Unknown close reason value \d+/);
  });
});
