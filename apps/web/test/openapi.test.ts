import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { Validator } from "@seriousme/openapi-schema-validator";
import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { describe, expect, it } from "vitest";
import { apiOperations, openApiDocument } from "@/lib/api/openapi";
import { publicReadRoutes } from "@/lib/api/public-read-routes";
import { ORIGIN, relaxRateLimits } from "./route-harness";

// Nothing listens on these: every probe below is answered by validation, before a database is needed.
process.env.DATABASE_URL = "postgresql://nobody:nothing@127.0.0.1:9/none";
process.env.RPC_URL = "http://127.0.0.1:9";
process.env.CHAIN_ID = "31337";
relaxRateLimits();

const API_DIR = path.resolve(import.meta.dirname, "../app/api");

/** Every route file under app/api with its OpenAPI path and exported methods (the catch-all 404 excluded). */
function routeFiles(dir = API_DIR): { file: string; path: string; methods: string[] }[] {
  const found: { file: string; path: string; methods: string[] }[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory() && !entry.name.startsWith("[...")) found.push(...routeFiles(full));
    else if (entry.name === "route.ts") {
      const source = readFileSync(full, "utf8");
      const methods = [...source.matchAll(/^export const (GET|POST|PUT|PATCH|DELETE)\b/gm)].map((m) => m[1]!.toLowerCase());
      const route = `/api${path
        .relative(API_DIR, dir)
        .split(path.sep)
        .map((s) => `/${s.replace(/^\[(\w+)\]$/, "{$1}")}`)
        .join("")}`;
      found.push({ file: full, path: route, methods });
    }
  }
  return found;
}

type Document = { paths: Record<string, Record<string, { parameters?: { name: string; in: string }[] }>> };
const document = openApiDocument() as Document;

describe("the generated OpenAPI document", () => {
  it("is a valid OpenAPI 3.1 document", async () => {
    const validator = new Validator();
    const result = await validator.validate(openApiDocument() as never);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe("3.1");
  });

  it("lists exactly the operations the route files export, and every route the API lane serves", () => {
    const fromFiles = routeFiles()
      .flatMap((r) => r.methods.map((m) => `${m} ${r.path}`))
      .sort();
    const fromSpec = Object.entries(document.paths)
      .flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m} ${p}`))
      .sort();
    expect(fromSpec).toEqual(fromFiles);
    for (const route of Object.values(publicReadRoutes)) expect(document.paths[route.path.replace(/:(\w+)/g, "{$1}")]?.get).toBeDefined();
  });

  // Probes each GET route through its real handler: every parameter the spec lists is one the route
  // accepts (never "Unrecognized key"), a parameter it does not list is refused by name, and each path
  // parameter is validated under the name the spec gives it.
  it("matches what each GET route accepts and refuses", async () => {
    const files = new Map(routeFiles().map((r) => [r.path, r.file]));
    for (const op of apiOperations.filter((o) => o.method === "get" && (o.query || o.params))) {
      const route = (await import(files.get(op.path)!)) as { GET: (r: Request, c: { params: Promise<Record<string, string>> }) => Promise<Response> };
      const parameters = document.paths[op.path]!.get!.parameters ?? [];
      const pathParams = parameters.filter((p) => p.in === "path").map((p) => p.name);
      const good: Record<string, string> = { id: "1", address: "0x000000000000000000000000000000000000dead" };
      const params = Object.fromEntries(pathParams.map((n) => [n, good[n]!]));
      const ask = async (query: string, overrides: Record<string, string> = {}) => {
        const response = await route.GET(new Request(`${ORIGIN}${op.path}?${query}`), { params: Promise.resolve({ ...params, ...overrides }) });
        return { status: response.status, body: (await response.json()) as { error: { field: string; issues?: { field: string; message: string }[] } } };
      };
      for (const name of pathParams) {
        const { status, body } = await ask("", { [name]: "not-valid" });
        expect([status, body.error.field], `${op.path} path ${name}`).toEqual([400, name]);
      }
      for (const name of parameters.filter((p) => p.in === "query").map((p) => p.name)) {
        const { status, body } = await ask(`${name}=1&zz_unlisted=1`);
        expect(status, `${op.path}?${name}`).toBe(400);
        const unknown = (body.error.issues ?? []).filter((i) => /unrecognized key/i.test(i.message));
        expect(unknown.map((i) => i.message).join(" "), `${op.path}: spec lists ${name} but the route refuses it`).not.toContain(`"${name}"`);
        expect(unknown.map((i) => i.field)).toContain("zz_unlisted");
      }
    }
  });

  it("is served at GET /api/openapi.json and rendered, every operation, at /api-docs", async () => {
    const served = await (await import("@/app/api/openapi.json/route")).GET(new Request(`${ORIGIN}/api/openapi.json`), { params: Promise.resolve({}) });
    expect(served.status).toBe(200);
    expect(await served.json()).toEqual(JSON.parse(JSON.stringify(openApiDocument())));
    const { default: ApiDocsPage } = await import("@/app/api-docs/page");
    const html = renderToStaticMarkup(createElement(ApiDocsPage));
    for (const op of apiOperations) expect(html, op.operationId).toContain(`id="${op.operationId}"`);
    expect(html).toContain("maxPricePerGpuHour"); // a query parameter, from the offer search schema
  });
});
