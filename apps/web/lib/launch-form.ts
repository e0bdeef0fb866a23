import { checkLaunchSpec, launchSpecHash, type LaunchSpec, type LaunchTemplateId } from "@gridlease/sdk/launch-spec";

/** The booking form's launch fields as typed (strings), before they become a launch spec. */
export interface LaunchFields {
  template: string;
  image?: string;
  /** One NAME=value per line; blank lines are ignored. */
  env?: string;
  /** Container ports separated by commas or spaces; empty: the template's defaults. */
  ports?: string;
  command?: string;
  diskGb?: string | number;
}

export type LaunchFormResult =
  | { spec: LaunchSpec; hash: `0x${string}`; problem?: undefined; field?: undefined }
  | { spec?: undefined; hash?: undefined; problem: string; field: string };

/**
 * Turns the form's text into a launch spec and checks it with the SDK's rules (the same the web API
 * and the provider agent apply): the sentence to show under the fields, or the spec and its hash.
 * Parsing problems the SDK cannot see (a line without "=", a port that is not a number) get their
 * own sentence here.
 */
export function launchFromFields(fields: LaunchFields): LaunchFormResult {
  const env: Record<string, string> = {};
  const lines = (fields.env ?? "").split("\n");
  for (const [index, raw] of lines.entries()) {
    const line = raw.replace(/\r$/, "");
    if (!line.trim()) continue;
    const eq = line.indexOf("=");
    if (eq <= 0) return { problem: `Environment (line ${index + 1}): write NAME=value, one per line.`, field: "env" };
    const name = line.slice(0, eq).trim();
    if (name in env) return { problem: `Environment (${name}): the variable is set twice.`, field: `env.${name}` };
    env[name] = line.slice(eq + 1);
  }
  const portText = (fields.ports ?? "").trim();
  const portWords = portText ? portText.split(/[\s,]+/).filter(Boolean) : [];
  const badPort = portWords.find((w) => !/^\d+$/.test(w));
  if (badPort !== undefined) return { problem: `Ports: "${badPort.slice(0, 20)}" is not a port number (1 to 65535).`, field: "ports" };
  const diskText = String(fields.diskGb ?? "").trim();
  const spec: Record<string, unknown> = {
    template: fields.template as LaunchTemplateId,
    env,
    ...(fields.template === "custom" ? { image: (fields.image ?? "").trim() } : {}),
    ...(portWords.length ? { ports: portWords.map(Number) } : {}),
    ...(fields.command?.trim() ? { command: fields.command } : {}),
    ...(diskText ? { diskGb: Number(diskText) } : {}),
  };
  const { spec: valid, problem } = checkLaunchSpec(spec);
  if (!valid) return { problem: problem.message, field: problem.field };
  return { spec: valid, hash: launchSpecHash(valid) };
}
