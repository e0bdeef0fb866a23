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

/** The body of a 400 answer for a zod failure; the message names the first offending field. */
export function zodErrorBody(error: ZodError): ApiErrorBody {
  const issues = error.issues.map((issue) => ({ field: fieldName(issue.path), message: issue.message }));
  const first = issues[0] ?? { field: "(root)", message: "Invalid input" };
  return {
    error: { code: "bad_request", message: `${first.field}: ${first.message}`, field: first.field, issues },
  };
}

export function jsonError(status: number, code: string, message: string, field?: string, headers?: HeadersInit): Response {
  const body: ApiErrorBody = { error: { code, message, ...(field ? { field } : {}) } };
  return Response.json(body, { status, headers });
}

/** Maps anything thrown by a handler to a JSON answer; only unexpected errors become 500. */
export function errorResponse(error: unknown): Response {
  if (error instanceof ZodError) return Response.json(zodErrorBody(error), { status: 400 });
  if (error instanceof ApiError) return jsonError(error.status, error.code, error.message, error.field);
  console.error("[api] unexpected error", error);
  return jsonError(500, "internal", "Internal server error.");
}
