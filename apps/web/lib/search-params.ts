/** Next's searchParams object → the plain record the search schema parses (repeated keys stay arrays). */
export type RawSearchParams = Record<string, string | string[] | undefined>;

export function cleanParams(params: RawSearchParams): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined) continue;
    const values = (Array.isArray(value) ? value : [value]).filter((v) => v !== "");
    if (values.length === 0) continue;
    out[key] = values.length === 1 ? values[0]! : values;
  }
  return out;
}

/** A URL for the same page with some params replaced (undefined removes them); keeps the state shareable. */
export function withParams(base: Record<string, string | string[]>, changes: Record<string, string | string[] | undefined>, path = "/"): string {
  const merged: Record<string, string | string[] | undefined> = { ...base, ...changes };
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(merged)) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) search.append(key, v);
  }
  const text = search.toString();
  return text ? `${path}?${text}` : path;
}
