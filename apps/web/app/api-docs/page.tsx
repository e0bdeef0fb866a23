import type { Metadata } from "next";
import { openApiDocument } from "@/lib/api/openapi";

export const metadata: Metadata = { title: "API reference" };

interface Parameter {
  name: string;
  in: string;
  required: boolean;
  schema: Record<string, unknown>;
  description?: string;
}
interface Operation {
  operationId: string;
  summary: string;
  tags: string[];
  parameters?: Parameter[];
  requestBody?: { content: Record<string, { schema: unknown }> };
  responses: Record<string, { description: string }>;
}

/** A JSON Schema in one line: its type, enum, bounds and pattern — enough to write a request. */
function describeSchema(schema: Record<string, unknown>): string {
  const parts: string[] = [];
  const type = schema.type ?? (Array.isArray(schema.anyOf) ? (schema.anyOf as Record<string, unknown>[]).map((s) => s.type).join(" | ") : "any");
  parts.push(Array.isArray(type) ? type.join(" | ") : String(type));
  if (Array.isArray(schema.enum)) parts.push(`one of ${schema.enum.map((v) => JSON.stringify(v)).join(", ")}`);
  if (schema.minimum !== undefined) parts.push(`≥ ${schema.minimum}`);
  if (schema.exclusiveMinimum !== undefined) parts.push(`> ${schema.exclusiveMinimum}`);
  if (schema.maximum !== undefined) parts.push(`≤ ${schema.maximum}`);
  if (schema.pattern !== undefined) parts.push(`matches ${schema.pattern}`);
  if (schema.default !== undefined) parts.push(`default ${JSON.stringify(schema.default)}`);
  return parts.join(", ");
}

/**
 * The API reference, rendered on the server from the same generated document /api/openapi.json serves
 * (no third-party viewer: the CSP allows only this origin's scripts).
 */
export default function ApiDocsPage() {
  const document = openApiDocument() as { paths: Record<string, Record<string, Operation>> };
  return (
    <div className="space-y-6">
      <header>
        <h1 className="text-2xl font-bold">API reference</h1>
        <p className="text-sm text-slate-400">
          OpenAPI 3.1, generated from the routes&apos; own validation schemas:{" "}
          <a className="underline" href="/api/openapi.json">
            /api/openapi.json
          </a>
          . Errors answer <code>{"{ error: { code, message, field } }"}</code> with a 4xx status.
        </p>
      </header>
      {Object.entries(document.paths).flatMap(([path, operations]) =>
        Object.entries(operations).map(([method, op]) => (
          <section key={`${method} ${path}`} id={op.operationId} className="rounded border border-slate-800 p-4 space-y-2">
            <h2 className="font-mono text-lg">
              <span className="uppercase text-emerald-400">{method}</span> {path}
            </h2>
            <p className="text-sm">{op.summary}</p>
            {op.parameters && (
              <table className="text-sm w-full">
                <thead>
                  <tr className="text-left text-slate-400">
                    <th>Parameter</th>
                    <th>In</th>
                    <th>Schema</th>
                  </tr>
                </thead>
                <tbody>
                  {op.parameters.map((p) => (
                    <tr key={`${p.in}:${p.name}`}>
                      <td className="font-mono">
                        {p.name}
                        {p.required ? " *" : ""}
                      </td>
                      <td>{p.in}</td>
                      <td>{describeSchema(p.schema)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
            {op.requestBody && (
              <details>
                <summary className="text-sm cursor-pointer">JSON body schema</summary>
                <pre className="text-xs overflow-x-auto">{JSON.stringify(op.requestBody.content["application/json"]?.schema, null, 2)}</pre>
              </details>
            )}
            <p className="text-xs text-slate-400">
              Answers:{" "}
              {Object.entries(op.responses)
                .map(([status, r]) => `${status} ${r.description}`)
                .join(" · ")}
            </p>
          </section>
        )),
      )}
    </div>
  );
}
