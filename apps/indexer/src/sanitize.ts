/**
 * On-chain strings are written by whoever sends the transaction: a provider's metadataURI, an offer's
 * region or GPU model (bytes32 text), a renter's dispute evidenceURI. PostgreSQL refuses NUL in text
 * and jsonb ("unsupported Unicode escape sequence"), so one such byte used to fail the indexer's batch
 * and stop it on every restart. Every decoded string goes through `cleanText` before it reaches JSON
 * or SQL.
 */

/**
 * Longest text kept from one on-chain string, in UTF-16 code units. URIs and labels are far shorter;
 * the contracts do not bound them, and an unbounded one would be copied into every row, undo image,
 * raw event and API answer that carries it. Longer text is cut and ends in TRUNCATED_MARK.
 */
export const MAX_TEXT_CHARS = 2048;
export const TRUNCATED_MARK = "…[truncated]";

/**
 * C0 controls (NUL included) and DEL, plus C1 controls: none has a meaning in a URI, a region or a
 * GPU model, and they are what terminal escapes and hidden-text tricks are made of, so each becomes
 * U+FFFD (visible, rather than silently joining the text around it).
 */
// eslint-disable-next-line no-control-regex
const CONTROLS = /[\u0000-\u001f\u007f-\u009f]/g;
// eslint-disable-next-line no-control-regex
const NEEDS_CLEANING = /[\u0000-\u001f\u007f-\u009f\ud800-\udfff]/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/**
 * `value` as text safe for PostgreSQL text/jsonb and JSON: controls replaced by U+FFFD, lone UTF-16
 * surrogates (which no UTF-8 encoder accepts) replaced by U+FFFD, and cut to `maxChars`. Invalid
 * UTF-8 from the chain already arrives as U+FFFD: viem decodes strings with a non-fatal TextDecoder.
 * Idempotent, so applying it at decode time and again where rows are built changes nothing.
 */
export function cleanText(value: unknown, maxChars = MAX_TEXT_CHARS): string {
  let text = typeof value === "string" ? value : String(value ?? "");
  if (text.length > maxChars) {
    let cut = maxChars - TRUNCATED_MARK.length;
    // Do not leave half of a surrogate pair at the cut.
    if (cut > 0 && /[\ud800-\udbff]/.test(text[cut - 1]!)) cut -= 1;
    text = text.slice(0, Math.max(0, cut)) + TRUNCATED_MARK;
  }
  if (!NEEDS_CLEANING.test(text)) return text;
  return text.replace(CONTROLS, "\ufffd").replace(LONE_SURROGATE, "\ufffd");
}
