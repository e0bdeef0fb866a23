import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { AgentError } from "../src/errors";

const SRC = join(import.meta.dirname, "../src");

/** Every `class XError extends …` declared in the agent's sources, with the file that declares it. */
function declaredErrorClasses(): { file: string; name: string }[] {
  const found: { file: string; name: string }[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir)) {
      const path = join(dir, entry);
      if (statSync(path).isDirectory()) walk(path);
      else if (entry.endsWith(".ts"))
        for (const [, name] of readFileSync(path, "utf8").matchAll(/^export class (\w+Error) extends /gm)) found.push({ file: path, name: name! });
    }
  };
  walk(SRC);
  return found;
}

describe("the agent's errors", () => {
  it("all derive from AgentError, so the CLI prints each as its sentence without a stack", async () => {
    const classes = declaredErrorClasses();
    expect(classes.map((c) => c.name)).toEqual(
      expect.arrayContaining(["ConfigError", "ScriptError", "NvidiaSmiError", "LeaseRequestError", "TransactionFailedError"]),
    );
    for (const { file, name } of classes) {
      const module = (await import(file)) as Record<string, unknown>;
      const kind = module[name] as { prototype: unknown };
      expect(kind.prototype instanceof AgentError, `${relative(SRC, file)}: ${name}`).toBe(true);
    }
  });
});
