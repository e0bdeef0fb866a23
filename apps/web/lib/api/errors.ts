import { ZodError } from "zod";

/** An error the API reports to the caller as-is: its status and its one-sentence message. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

export interface ApiErrorBody {
  error: { code: string; message: string; field?: string; issues?: { field: string; message: string }[] };
}

function fieldName(path: readonly PropertyKey[]): string {
  return path.length === 0 ? "(root)" : path.map(String).join(".");
}

/**
 * The field an issue is about. An unknown key (`.strict()` objects) is reported by zod on the object
 * itself (path `[]`, the names in `keys`): name the key, so a client sees which parameter to drop.
 */
function issueField(issue: ZodError["issues"][number]): string {
  if (issue.code === "unrecognized_keys" && issue.keys.length > 0) return fieldName([...issue.path, issue.keys[0]!]);
  return fieldName(issue.path);
}

/** The body of a 400 answer for a zod failure; the message names the first offending field. */
export function zodErrorBody(error: ZodError): ApiErrorBody {
  const issues = error.issues.map((issue) => ({ field: issueField(issue), message: issue.message }));
  const first = issues[0] ?? { field: "(root)", message: "Invalid input" };
  return {
    error: { code: "bad_request", message: `${first.field}: ${first.message}`, field: first.field, issues },
  };
}

/**
 * An API answer independent of any HTTP framework, so that one handler serves Next's route and the
 * server's API lane (http/api-lane.ts) alike. A string body is sent as UTF-8.
 */
export interface ApiAnswer {
  status: number;
  headers: Record<string, string>;
  body: Uint8Array | string;
}

export function toResponse(answer: ApiAnswer): Response {
  return new Response(answer.body as BodyInit, { status: answer.status, headers: answer.headers });
}

export const JSON_CONTENT_TYPE = "application/json; charset=utf-8";

export function jsonErrorAnswer(status: number, code: string, message: string, field?: string, headers?: Record<string, string>): ApiAnswer {
  const body: ApiErrorBody = { error: { code, message, ...(field ? { field } : {}) } };
  return { status, headers: { "content-type": JSON_CONTENT_TYPE, ...headers }, body: JSON.stringify(body) };
}

/** Maps anything thrown by a handler to a JSON answer; only unexpected errors become 500. */
export function errorAnswer(error: unknown): ApiAnswer {
  if (error instanceof ZodError) return { status: 400, headers: { "content-type": JSON_CONTENT_TYPE }, body: JSON.stringify(zodErrorBody(error)) };
  if (error instanceof ApiError) return jsonErrorAnswer(error.status, error.code, error.message, error.field);
  console.error("[api] unexpected error", error);
  return jsonErrorAnswer(500, "internal", "Internal server error.");
}

export function jsonError(status: number, code: string, message: string, field?: string, headers?: Record<string, string>): Response {
  return toResponse(jsonErrorAnswer(status, code, message, field, headers));
}

/** errorAnswer as a fetch Response. */
export function errorResponse(error: unknown): Response {
  return toResponse(errorAnswer(error));
}
