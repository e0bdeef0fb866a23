/**
 * A first, cheap body-size guard in front of everything the production server answers (the API lane
 * and Next alike): a request that declares a Content-Length over the limit is answered 413 before a
 * byte of its body is read, and its connection is closed so the rest is never taken in. Bodies
 * without a Content-Length (chunked) are counted as they stream by the routes that read them
 * (lib/api/handler.ts readBodyLimited); routes that do not read a body never buffer it.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { JSON_CONTENT_TYPE, jsonErrorAnswer } from "../lib/api/errors";

/** No route takes more than 64 KiB (lib/api/handler.ts); pages and Next's own actions stay under 1 MiB. */
export const MAX_REQUEST_BODY_BYTES = 1024 * 1024;

/** Answers 413 and returns true when the declared body is over `maxBytes`; else false, writing nothing. */
export function refuseOversizedBody(request: IncomingMessage, response: ServerResponse, maxBytes = MAX_REQUEST_BODY_BYTES): boolean {
  const declared = request.headers["content-length"];
  if (declared === undefined || !/^\d+$/.test(declared.trim()) || Number(declared) <= maxBytes) return false;
  const answer = jsonErrorAnswer(413, "payload_too_large", `(body): the request body is larger than ${maxBytes} bytes.`, "(body)");
  const body = Buffer.from(answer.body as string);
  response.writeHead(413, { "content-type": JSON_CONTENT_TYPE, "content-length": String(body.byteLength), connection: "close" });
  response.end(body);
  return true;
}
