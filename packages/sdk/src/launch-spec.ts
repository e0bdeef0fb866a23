import { z } from "zod";
import { keccak256, stringToHex, type Hex } from "viem";

/**
 * What a renter asks to run (issue 16): a template from the catalogue, or their own image pinned by
 * digest, with env vars, ports, a start command and a disk size. One definition, used by the booking
 * form (a sentence before any signature), the web API (400 naming the field) and the provider agent
 * (which refuses a spec that breaks these rules before anything runs). The spec travels inside the
 * sealed lease request (lease-request.ts), so only the provider reads it; its hash is what both sides
 * quote to prove what was asked (see launchSpecHash).
 */

export interface LaunchTemplate {
  id: string;
  title: string;
  description: string;
  /**
   * The image a provider runs when its agent config names none for this template. Catalogue
   * references are tags: a provider pins them (by digest, or to a local build) in its agent config,
   * because the exact build it trusts is the provider's call; only a renter's custom image must
   * carry a digest, since the provider has never seen it.
   */
  image?: string;
  /** Container ports published when the renter names none. */
  defaultPorts: number[];
  /** Start command when the renter gives none (empty: the image's own). */
  defaultCommand?: string;
  /** The renter's SSH key is handed to the container as SSH_PUBLIC_KEY. */
  ssh: boolean;
}

export const LAUNCH_TEMPLATES = [
  {
    id: "linux-ssh",
    title: "Plain Linux + SSH",
    description: "Ubuntu with CUDA and sshd; log in with your SSH key.",
    image: "docker.io/gridlease/cuda-ssh:12.4",
    defaultPorts: [22],
    ssh: true,
  },
  {
    id: "pytorch-jupyter",
    title: "PyTorch + Jupyter",
    description: "PyTorch with CUDA and JupyterLab on port 8888 (token in JUPYTER_TOKEN).",
    image: "docker.io/pytorch/pytorch:2.5.1-cuda12.4-cudnn9-runtime",
    defaultPorts: [8888],
    defaultCommand:
      // biome-ignore lint/suspicious/noTemplateCurlyInString: ${JUPYTER_TOKEN:?…} is expanded by the container's shell
      'pip install -q jupyterlab && exec jupyter lab --ip=0.0.0.0 --port=8888 --no-browser --allow-root --ServerApp.token="${JUPYTER_TOKEN:?set JUPYTER_TOKEN}"',
    ssh: false,
  },
  {
    id: "openai-inference",
    title: "OpenAI-compatible inference server (vLLM)",
    description: "vLLM's OpenAI-compatible API on port 8000; set MODEL (a Hugging Face model id).",
    image: "docker.io/vllm/vllm-openai:v0.6.4",
    defaultPorts: [8000],
    defaultCommand:
      // biome-ignore lint/suspicious/noTemplateCurlyInString: ${MODEL:?…} is expanded by the container's shell
      'exec python3 -m vllm.entrypoints.openai.api_server --host 0.0.0.0 --port 8000 --model "${MODEL:?set MODEL}"',
    ssh: false,
  },
  {
    id: "custom",
    title: "Custom image (pinned by digest)",
    description: "Any image you name as registry/name@sha256:<digest>.",
    defaultPorts: [],
    ssh: false,
  },
] as const satisfies readonly LaunchTemplate[];

export type LaunchTemplateId = (typeof LAUNCH_TEMPLATES)[number]["id"];
export const LAUNCH_TEMPLATE_IDS = LAUNCH_TEMPLATES.map((t) => t.id) as [LaunchTemplateId, ...LaunchTemplateId[]];

export function launchTemplate(id: LaunchTemplateId): LaunchTemplate {
  return LAUNCH_TEMPLATES.find((t) => t.id === id)!;
}

export const MAX_PORTS = 16;
export const MAX_ENV_VARS = 64;
/** Sum of `NAME=value` lengths: the spec rides in the booking's calldata, which the renter pays for. */
export const MAX_ENV_BYTES = 8 * 1024;
export const MAX_COMMAND_LENGTH = 4096;
export const MIN_DISK_GB = 1;
export const MAX_DISK_GB = 4096;
export const DEFAULT_DISK_GB = 20;

/**
 * Names the runtime or the GPU hooks read on the host side, or that the agent sets itself: a renter
 * setting them could widen what the container sees (NVIDIA_VISIBLE_DEVICES=all, docs/security.md,
 * "Requirements carried to the workloads issue") or load code into a runtime helper (LD_*).
 */
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;
const RESERVED_ENV = /^(LD_|NVIDIA_|GRIDLEASE_)|^(SSH_PUBLIC_KEY|CUDA_VISIBLE_DEVICES|PATH)$/;

/** registry[:port]/path (a registry has a dot, a port or is localhost, as Docker reads it)[:tag][@sha256:<64 hex>], the grammar of the distribution spec, lower-case names. */
const IMAGE_REFERENCE =
  /^(?:(?:localhost|[a-zA-Z0-9-]+(?:\.[a-zA-Z0-9-]+)+)(?::\d{1,5})?\/|[a-zA-Z0-9-]+:\d{1,5}\/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$/;
const PINNED = /@sha256:[a-f0-9]{64}$/;

const port = z
  .number({ error: "a port is a whole number from 1 to 65535" })
  .int("a port is a whole number from 1 to 65535")
  .min(1, "a port is a whole number from 1 to 65535")
  .max(65535, "a port is a whole number from 1 to 65535");

export const launchSpecSchema = z
  .object({
    template: z.enum(LAUNCH_TEMPLATE_IDS, { error: `unknown template; choose one of ${LAUNCH_TEMPLATE_IDS.join(", ")}` }),
    /** Only for `custom`. */
    image: z.string().max(512, "the image reference is longer than 512 characters").optional(),
    env: z
      .record(
        z.string(),
        z.string().refine((v) => !v.includes("\0"), "environment values cannot contain a NUL character"),
      )
      .default({})
      // Names are checked here rather than by the record's key schema, whose failures say only "Invalid key in record".
      .superRefine((env, ctx) => {
        for (const name of Object.keys(env)) {
          if (!ENV_NAME.test(name))
            ctx.addIssue({ code: "custom", path: [name], message: "environment variable names are letters, digits and _, not starting with a digit" });
          else if (RESERVED_ENV.test(name))
            ctx.addIssue({
              code: "custom",
              path: [name],
              message: "this environment variable name is reserved (LD_*, NVIDIA_*, GRIDLEASE_*, SSH_PUBLIC_KEY, CUDA_VISIBLE_DEVICES, PATH)",
            });
        }
      })
      .refine((env) => Object.keys(env).length <= MAX_ENV_VARS, `at most ${MAX_ENV_VARS} environment variables`)
      .refine(
        (env) => Object.entries(env).reduce((n, [k, v]) => n + k.length + 1 + new TextEncoder().encode(v).length, 0) <= MAX_ENV_BYTES,
        `the environment variables exceed ${MAX_ENV_BYTES / 1024} KiB in total`,
      ),
    ports: z
      .array(port)
      .max(MAX_PORTS, `at most ${MAX_PORTS} ports`)
      .refine((ports) => new Set(ports).size === ports.length, "a port is listed twice")
      .optional(),
    command: z
      .string()
      .max(MAX_COMMAND_LENGTH, `the start command is longer than ${MAX_COMMAND_LENGTH} characters`)
      .refine((c) => !c.includes("\0"), "the start command cannot contain a NUL character")
      .optional(),
    diskGb: z
      .number({ error: `the disk size is a whole number of GB from ${MIN_DISK_GB} to ${MAX_DISK_GB}` })
      .int(`the disk size is a whole number of GB from ${MIN_DISK_GB} to ${MAX_DISK_GB}`)
      .min(MIN_DISK_GB, `the disk size is at least ${MIN_DISK_GB} GB`)
      .max(MAX_DISK_GB, `the disk size is at most ${MAX_DISK_GB} GB`)
      .default(DEFAULT_DISK_GB),
  })
  .strict()
  .superRefine((spec, ctx) => {
    if (spec.template !== "custom") {
      if (spec.image !== undefined) ctx.addIssue({ code: "custom", path: ["image"], message: "an image is named only with the custom template" });
      return;
    }
    if (!spec.image)
      return ctx.addIssue({ code: "custom", path: ["image"], message: "the custom template needs an image reference (registry/name@sha256:<digest>)" });
    if (!IMAGE_REFERENCE.test(spec.image))
      return ctx.addIssue({ code: "custom", path: ["image"], message: "not a valid image reference (registry/name:tag@sha256:<64 hex digits>)" });
    if (!PINNED.test(spec.image))
      ctx.addIssue({
        code: "custom",
        path: ["image"],
        message: "pin the image by digest: add @sha256:<64 hex digits> so the provider runs exactly the image you chose",
      });
  });

export type LaunchSpec = z.infer<typeof launchSpecSchema>;
export type LaunchSpecInput = z.input<typeof launchSpecSchema>;

export interface LaunchSpecProblem {
  /** Dotted path of the field, e.g. "ports.2" or "env.LD_PRELOAD". */
  field: string;
  /** A sentence for the form or the 400 answer. */
  message: string;
}

const FIELD_NAMES: Record<string, string> = {
  template: "Template",
  image: "Image",
  env: "Environment",
  ports: "Ports",
  command: "Start command",
  diskGb: "Disk size",
};

/** The parsed spec, or the first problem with a sentence naming the field. */
export function checkLaunchSpec(input: unknown): { spec: LaunchSpec; problem?: undefined } | { spec?: undefined; problem: LaunchSpecProblem } {
  const parsed = launchSpecSchema.safeParse(input);
  if (parsed.success) return { spec: parsed.data };
  const issue = parsed.error.issues[0]!;
  const field = issue.path.length ? issue.path.map(String).join(".") : "launch";
  const top = String(issue.path[0] ?? "");
  if (issue.code === "unrecognized_keys")
    return { problem: { field: issue.keys[0]!, message: `Launch spec: unknown field ${issue.keys.map((k) => JSON.stringify(k)).join(", ")}.` } };
  const label = FIELD_NAMES[top] ?? "Launch spec";
  const where =
    top === "env" && issue.path.length > 1
      ? ` (${String(issue.path[1])})`
      : top === "ports" && issue.path.length > 1
        ? ` (port ${Number(issue.path[1]) + 1})`
        : "";
  return { problem: { field, message: `${label}${where}: ${issue.message}.` } };
}

/** Key-sorted JSON of the parsed spec: the same spec always gives the same bytes, whoever serialises it. */
export function canonicalLaunchSpec(spec: LaunchSpec): string {
  const sortKeys = (value: unknown): unknown =>
    Array.isArray(value)
      ? value.map(sortKeys)
      : value && typeof value === "object"
        ? Object.fromEntries(
            Object.entries(value)
              .sort(([a], [b]) => (a < b ? -1 : 1))
              .map(([k, v]) => [k, sortKeys(v)]),
          )
        : value;
  return JSON.stringify(sortKeys(spec));
}

/**
 * keccak256 of the canonical spec. The renter's form shows it before signing; the agent journals it
 * and returns it inside the sealed access details; the spec itself is inside the booking's on-chain
 * request box, which either side can open for a third party by revealing that box's shared secret
 * (the decline-evidence mechanism), so both can prove what was asked.
 */
export function launchSpecHash(spec: LaunchSpec): Hex {
  return keccak256(stringToHex(canonicalLaunchSpec(spec)));
}

/** The ports a spec publishes: the renter's, else the template's defaults. */
export function launchPorts(spec: LaunchSpec): number[] {
  return spec.ports ?? launchTemplate(spec.template).defaultPorts;
}

/** The start command a spec runs: the renter's, else the template's default, else the image's own. */
export function launchCommand(spec: LaunchSpec): string | undefined {
  return spec.command?.trim() ? spec.command : launchTemplate(spec.template).defaultCommand;
}

/** A renter booking without a launch spec (older clients) gets the plain SSH environment. */
export const DEFAULT_LAUNCH_SPEC: LaunchSpec = { template: "linux-ssh", env: {}, diskGb: DEFAULT_DISK_GB };

/**
 * Status of a lease's workload as the agent reports it (GET /leases/<id>/workload), parsed by the
 * web app's relay and the pages. One definition so the two sides agree.
 */
export const WORKLOAD_STATES = ["preparing", "pulling", "starting", "running", "exited", "failed", "closing", "removed"] as const;
export const workloadStatusSchema = z.object({
  leaseId: z.string().regex(/^\d+$/),
  state: z.enum(WORKLOAD_STATES),
  exitCode: z.number().int().nullable(),
  /** A sentence when state is failed (e.g. the pull failed). */
  error: z.string().max(2000).nullable(),
  template: z.enum(LAUNCH_TEMPLATE_IDS),
  image: z.string().max(600),
  launchSpecHash: z.string().regex(/^0x[0-9a-f]{64}$/),
  endpoints: z.array(z.object({ containerPort: port, host: z.string().max(255), hostPort: port })).max(MAX_PORTS),
  logs: z.array(z.string().max(4096)).max(1000),
  /** While closing: when the container and its data are removed (ISO time). */
  removeAt: z.string().nullable(),
});
export type WorkloadStatus = z.infer<typeof workloadStatusSchema>;
