/**
 * Enum member names from Hardhat build info, for scripts/gen-sdk.ts.
 *
 * Hardhat keeps one build-info file per compile job and leaves an older one in place while any artifact
 * still points at it, so the same source (say contracts/interfaces/ILeaseEscrow.sol) can sit in several
 * of them, compiled from different versions of the file. Taking whichever was read last once missed
 * LeaseStatus.Suspended and CloseReason.ProviderOffline until `hardhat compile --force`. Here each
 * source's AST is read only from a build info compiled from the source as it is on disk now (the newest
 * such file when several are); an enum whose only definitions come from an outdated copy is an error
 * that says to compile, never a stale member list.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";

export interface BuildInfo {
  input: { sources: Record<string, { content?: string }> };
  output: { sources: Record<string, { ast: unknown }> };
}

export interface BuildInfoFile {
  /** For messages. */
  name: string;
  /** Newer files win among those compiled from the current source. */
  mtimeMs: number;
  info: BuildInfo;
}

export interface EnumDefinitions {
  /** Canonical name ("ILeaseEscrow.LeaseStatus") → member names in declaration order, from current sources. */
  members: Map<string, string[]>;
  /** Canonical name → the source path, for enums seen only in copies of a source that has changed since. */
  outdated: Map<string, string>;
}

function walkEnums(node: unknown, found: Map<string, string[]>): void {
  if (Array.isArray(node)) {
    for (const child of node) walkEnums(child, found);
    return;
  }
  if (!node || typeof node !== "object") return;
  const n = node as { nodeType?: string; canonicalName?: string; members?: { name: string }[] };
  if (n.nodeType === "EnumDefinition" && n.canonicalName)
    found.set(
      n.canonicalName,
      n.members!.map((m) => m.name),
    );
  for (const child of Object.values(node)) walkEnums(child, found);
}

/**
 * Every enum defined in the build infos, each source read from the newest build info compiled from its
 * current text (`currentSource(path)`; undefined where the text cannot be found, e.g. a package no longer
 * installed: then simply the newest build info holding it).
 */
export function enumDefinitions(files: BuildInfoFile[], currentSource: (path: string) => string | undefined): EnumDefinitions {
  const newestFirst = [...files].sort((a, b) => b.mtimeMs - a.mtimeMs);
  const paths = new Set(newestFirst.flatMap((f) => Object.keys(f.info.output.sources)));
  const members = new Map<string, string[]>();
  const outdated = new Map<string, string>();
  for (const path of paths) {
    const holders = newestFirst.filter((f) => f.info.output.sources[path]);
    const text = currentSource(path);
    const current = text === undefined ? holders[0] : holders.find((f) => f.info.input.sources[path]?.content === text);
    if (current) {
      walkEnums(current.info.output.sources[path]!.ast, members);
      continue;
    }
    const old = new Map<string, string[]>();
    walkEnums(holders[0]!.info.output.sources[path]!.ast, old);
    for (const name of old.keys()) outdated.set(name, path);
  }
  // An enum is defined in one source; one found current elsewhere is not outdated.
  for (const name of members.keys()) outdated.delete(name);
  return { members, outdated };
}

/** The members of enum `canonical`, or an error that names what to do. */
export function enumMembersOf(definitions: EnumDefinitions, canonical: string): string[] {
  const members = definitions.members.get(canonical);
  if (members) return members;
  const path = definitions.outdated.get(canonical);
  if (path) throw new Error(`gen-sdk: enum ${canonical} is only in build info compiled from an older ${path}; run \`pnpm compile\` first`);
  throw new Error(`gen-sdk: no definition of enum ${canonical} in the build info; run \`pnpm compile\``);
}

/** Every build info under `<root>/artifacts/build-info`, and a reader of sources as they are on disk (project, then node_modules). */
export function readBuildInfos(root: string): { files: BuildInfoFile[]; currentSource: (path: string) => string | undefined } {
  const dir = join(root, "artifacts", "build-info");
  const files = readdirSync(dir)
    .filter((name) => name.endsWith(".json"))
    .map((name) => ({ name, mtimeMs: statSync(join(dir, name)).mtimeMs, info: JSON.parse(readFileSync(join(dir, name), "utf8")) as BuildInfo }));
  const currentSource = (path: string) => {
    for (const candidate of [join(root, path), join(root, "node_modules", path)]) if (existsSync(candidate)) return readFileSync(candidate, "utf8");
    return undefined;
  };
  return { files, currentSource };
}
