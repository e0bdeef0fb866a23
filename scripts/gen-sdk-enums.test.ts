import { describe, expect, it } from "vitest";
import { enumDefinitions, enumMembersOf, type BuildInfoFile } from "./gen-sdk-enums";

const SOURCE = "contracts/interfaces/ILeaseEscrow.sol";
const OLD_TEXT = "enum LeaseStatus { None, Pending, Active, Closed, Disputed }";
const NEW_TEXT = "enum LeaseStatus { None, Pending, Active, Closed, Disputed, Suspended }";

/** A build info as Hardhat writes it, holding one source whose AST defines ILeaseEscrow.LeaseStatus. */
function buildInfo(name: string, mtimeMs: number, text: string, members: string[]): BuildInfoFile {
  const ast = {
    nodeType: "SourceUnit",
    nodes: [
      {
        nodeType: "ContractDefinition",
        nodes: [{ nodeType: "EnumDefinition", canonicalName: "ILeaseEscrow.LeaseStatus", members: members.map((m) => ({ name: m })) }],
      },
    ],
  };
  return { name, mtimeMs, info: { input: { sources: { [SOURCE]: { content: text } } }, output: { sources: { [SOURCE]: { ast } } } } };
}

const old = buildInfo("old.json", 1_000, OLD_TEXT, ["None", "Pending", "Active", "Closed", "Disputed"]);
const fresh = buildInfo("new.json", 2_000, NEW_TEXT, ["None", "Pending", "Active", "Closed", "Disputed", "Suspended"]);

describe("enum members from build info", () => {
  it("come from the build info compiled from the source on disk, whichever order the files are in", () => {
    for (const files of [
      [old, fresh],
      [fresh, old],
    ]) {
      const definitions = enumDefinitions(files, () => NEW_TEXT);
      expect(enumMembersOf(definitions, "ILeaseEscrow.LeaseStatus")).toEqual(["None", "Pending", "Active", "Closed", "Disputed", "Suspended"]);
    }
  });

  it("follow the disk even when the older-looking file holds the current text", () => {
    // An mtime is no proof (a checkout, a copied artifacts folder): the text decides.
    const reverted = enumDefinitions([old, fresh], () => OLD_TEXT);
    expect(enumMembersOf(reverted, "ILeaseEscrow.LeaseStatus")).toEqual(["None", "Pending", "Active", "Closed", "Disputed"]);
  });

  it("refuse a stale list when no build info matches the source: compile first", () => {
    const edited = enumDefinitions([old, fresh], () => `${NEW_TEXT} // and then edited`);
    expect(() => enumMembersOf(edited, "ILeaseEscrow.LeaseStatus")).toThrow(/older contracts\/interfaces\/ILeaseEscrow\.sol; run `pnpm compile`/);
    expect(() => enumMembersOf(edited, "ILeaseEscrow.Missing")).toThrow(/no definition of enum ILeaseEscrow\.Missing/);
  });

  it("take the newest build info for a source whose text cannot be read (a package no longer installed)", () => {
    const definitions = enumDefinitions([old, fresh], () => undefined);
    expect(enumMembersOf(definitions, "ILeaseEscrow.LeaseStatus")).toContain("Suspended");
  });
});
