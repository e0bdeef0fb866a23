import { describe, expect, it, vi } from "vitest";
import { dbEnv, ENV_REREAD_MS, EnvError, envValue } from "../src/env";

describe("the database layer's environment", () => {
  it("takes the defaults for unset and empty variables", () => {
    expect(dbEnv({ STATS_TTL_MS: "" })).toEqual({
      PG_POOL_MAX: 20,
      STATS_TTL_MS: 2000,
      SEARCH_SUMMARY_TTL_MS: 2000,
      SEARCH_LAST_SEEN_REFRESH_MS: 1000,
      SEARCH_LIST_SOURCE: "memory",
      SEARCH_VERSION_CHECK_MS: undefined,
    });
  });

  it("parses numbers and the list source", () => {
    expect(dbEnv({ PG_POOL_MAX: "5", STATS_TTL_MS: "0", SEARCH_LIST_SOURCE: "sql" })).toMatchObject({
      PG_POOL_MAX: 5,
      STATS_TTL_MS: 0,
      SEARCH_LIST_SOURCE: "sql",
    });
  });

  it("refuses a bad value with a sentence naming the variable, where it used to fall back silently (NaN)", () => {
    expect(() => dbEnv({ STATS_TTL_MS: "2s" })).toThrow(EnvError);
    expect(() => dbEnv({ STATS_TTL_MS: "2s" })).toThrow(/STATS_TTL_MS: .*whole number.*\(got "2s"\)/);
    expect(() => dbEnv({ PG_POOL_MAX: "0", SEARCH_LIST_SOURCE: "postgres" })).toThrow(
      /PG_POOL_MAX: must be at least 1[\s\S]*SEARCH_LIST_SOURCE: must be "memory" or "sql"/,
    );
  });

  it("notices a variable that changed since the last read (the parsed answer is kept per set of values)", () => {
    const env: NodeJS.ProcessEnv = { SEARCH_LIST_SOURCE: "sql" };
    expect(dbEnv(env).SEARCH_LIST_SOURCE).toBe("sql");
    expect(dbEnv(env)).toBe(dbEnv(env));
    env.SEARCH_LIST_SOURCE = "memory";
    expect(dbEnv(env).SEARCH_LIST_SOURCE).toBe("memory");
    env.STATS_TTL_MS = "-1";
    expect(() => dbEnv(env)).toThrow(/STATS_TTL_MS: must be 0 or more/);
  });

  it("reads a variable of process.env again at most once per ENV_REREAD_MS", () => {
    vi.useFakeTimers();
    try {
      process.env.GRIDLEASE_ENV_TEST = "a";
      vi.advanceTimersByTime(ENV_REREAD_MS);
      expect(envValue("GRIDLEASE_ENV_TEST")).toBe("a");
      process.env.GRIDLEASE_ENV_TEST = "b";
      expect(envValue("GRIDLEASE_ENV_TEST")).toBe("a");
      vi.advanceTimersByTime(ENV_REREAD_MS);
      expect(envValue("GRIDLEASE_ENV_TEST")).toBe("b");
      delete process.env.GRIDLEASE_ENV_TEST;
      vi.advanceTimersByTime(ENV_REREAD_MS);
      expect(envValue("GRIDLEASE_ENV_TEST")).toBeUndefined();
    } finally {
      vi.useRealTimers();
      delete process.env.GRIDLEASE_ENV_TEST;
    }
  });
});
