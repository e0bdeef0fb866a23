import { GridleaseApiError, TxError } from "@gridlease/client";
import { KeyFileError } from "@gridlease/sdk/keyfile";
import { PassphraseError } from "@gridlease/sdk/passphrase";
import { describe, expect, it } from "vitest";
import { CliError, isKnownError } from "../src/errors";
import { QueryError } from "../src/query";

describe("errors the CLI reports as their sentence", () => {
  it("are its own, the client's and the sdk's, by base class", () => {
    for (const error of [
      new CliError("x"),
      new QueryError("x"),
      new TxError("x"),
      new GridleaseApiError(400, "bad", "x"),
      new KeyFileError("x"),
      new PassphraseError("x"),
    ]) {
      expect(isKnownError(error), error.constructor.name).toBe(true);
      expect(error.code).toMatch(/^[a-z_]+$/);
    }
  });

  it("do not include programming errors, which keep their stack", () => {
    expect(isKnownError(new TypeError("x"))).toBe(false);
    expect(isKnownError("text")).toBe(false);
  });
});
