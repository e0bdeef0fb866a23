import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";

// Everything that ends up in the Next build. Build output, tests and their artifacts are left out so
// that running tests or starting the app never forces a rebuild by itself.
const SOURCES = ["apps/web", "packages/sdk/src", "packages/db/src", "prisma/schema.prisma", "pnpm-lock.yaml"];
const SKIP = new Set(["node_modules", ".next", ".next-bench", "e2e", "test-results", "playwright-report", "coverage"]);
const SKIP_FILE = /(\.test\.tsx?|\.tsbuildinfo|next-env\.d\.ts)$/;
const STAMP = "apps/web/.next/gridlease-build-hash";

function collect(root: string, path: string, out: string[]) {
  const full = join(root, path);
  if (!existsSync(full)) return;
  if (statSync(full).isFile()) return void out.push(path);
  for (const entry of readdirSync(full).sort()) {
    if (SKIP.has(entry) || SKIP_FILE.test(entry)) continue;
    collect(root, join(path, entry), out);
  }
}

/**
 * Source files as git sees them (tracked, or new and not ignored), so that what a build or a test
 * writes itself (tsbuildinfo, next-env.d.ts, generated clients) never forces a rebuild; outside a
 * git checkout, a walk of the folders.
 */
function sourceFiles(root: string): string[] {
  try {
    const out = execFileSync("git", ["ls-files", "-co", "--exclude-standard", "--", ...SOURCES], {
      cwd: root,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    });
    return out
      .split("\n")
      .filter((f) => f && existsSync(join(root, f)) && !SKIP_FILE.test(f) && !f.split("/").some((part) => SKIP.has(part)))
      .sort();
  } catch {
    const files: string[] = [];
    for (const s of SOURCES) collect(root, s, files);
    return files;
  }
}

export function webSourceHash(root: string): string {
  const files = sourceFiles(root);
  const hash = createHash("sha256");
  for (const f of files) {
    let content = readFileSync(join(root, f), "utf8");
    // A restarted Hardhat node gets the same addresses but new block hashes; only the addresses
    // matter to the web build, so a redeploy there must not force a rebuild.
    if (f.endsWith("deployments.generated.ts")) content = content.replace(/^.*deployBlockHash:.*$/gm, "");
    hash.update(relative(root, join(root, f))).update(content);
  }
  return hash.digest("hex");
}

export function webBuildIsCurrent(root: string, hash: string): boolean {
  const stamp = join(root, STAMP);
  return existsSync(join(root, "apps/web/.next/BUILD_ID")) && existsSync(stamp) && readFileSync(stamp, "utf8") === hash;
}

export function markWebBuild(root: string, hash: string) {
  writeFileSync(join(root, STAMP), hash);
}
