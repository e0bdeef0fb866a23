"use client";
import type { FieldErrors, UseFormRegister } from "react-hook-form";
import { DEFAULT_DISK_GB, LAUNCH_TEMPLATES } from "@gridlease/sdk/launch-spec";
import type { LaunchFields as LaunchFieldValues } from "@/lib/launch-form";
import { launchFromFields } from "@/lib/launch-form";

export const LAUNCH_FIELD_DEFAULTS = { template: "linux-ssh", image: "", env: "", ports: "", command: "", diskGb: String(DEFAULT_DISK_GB) } as const;

type Registerable = { [K in keyof Required<LaunchFieldValues>]: string };

/**
 * What the renter asks the provider to run (issue 16). The values are checked with the SDK's launch
 * spec rules as part of the booking form's schema, so a bad spec shows its sentence here and the
 * booking never reaches the wallet.
 */
export function LaunchFields({
  register,
  errors,
  values,
}: {
  register: UseFormRegister<Registerable>;
  errors: FieldErrors<Registerable>;
  values: LaunchFieldValues;
}) {
  const template = LAUNCH_TEMPLATES.find((t) => t.id === values.template);
  const checked = launchFromFields(values);
  const problemFor = (name: keyof Registerable) => errors[name]?.message;
  return (
    <fieldset className="space-y-3 rounded-lg border border-slate-800 p-3" data-testid="launch-fields">
      <legend className="label px-1">What to run (encrypted to the provider)</legend>
      <label className="block">
        <span className="label">Template</span>
        <select className="input w-full" {...register("template")} data-testid="launch-template">
          {LAUNCH_TEMPLATES.map((t) => (
            <option key={t.id} value={t.id}>
              {t.title}
            </option>
          ))}
        </select>
        {template && <p className="mt-1 text-xs text-slate-400">{template.description}</p>}
        {problemFor("template") && <p className="field-error">{problemFor("template")}</p>}
      </label>
      {values.template === "custom" && (
        <label className="block">
          <span className="label">Image (pinned by digest)</span>
          <input className="input w-full font-mono text-xs" placeholder="ghcr.io/you/app@sha256:…" {...register("image")} data-testid="launch-image" />
          {problemFor("image") && <p className="field-error">{problemFor("image")}</p>}
        </label>
      )}
      <div className="grid grid-cols-2 gap-3">
        <label>
          <span className="label">Ports</span>
          <input className="input w-full" placeholder={template?.defaultPorts.join(", ") || "e.g. 8080"} {...register("ports")} data-testid="launch-ports" />
          {problemFor("ports") && <p className="field-error">{problemFor("ports")}</p>}
        </label>
        <label>
          <span className="label">Disk (GB)</span>
          <input type="number" className="input w-full" min={1} {...register("diskGb")} data-testid="launch-disk" />
          {problemFor("diskGb") && <p className="field-error">{problemFor("diskGb")}</p>}
        </label>
      </div>
      <label className="block">
        <span className="label">Start command (optional, run with /bin/sh -c)</span>
        <input className="input w-full font-mono text-xs" {...register("command")} data-testid="launch-command" />
        {problemFor("command") && <p className="field-error">{problemFor("command")}</p>}
      </label>
      <label className="block">
        <span className="label">Environment variables (NAME=value, one per line)</span>
        <textarea className="input h-16 w-full font-mono text-xs" {...register("env")} data-testid="launch-env" />
        {problemFor("env") && <p className="field-error">{problemFor("env")}</p>}
      </label>
      {checked.hash && (
        <p className="break-all text-xs text-slate-400">
          Launch spec hash{" "}
          <span className="font-mono" data-testid="launch-hash">
            {checked.hash}
          </span>
          ; the provider returns it with your access details.
        </p>
      )}
    </fieldset>
  );
}
