"use client";
import { zodResolver } from "@hookform/resolvers/zod";
import { useRouter } from "next/navigation";
import { parseEventLogs } from "viem";
import { useForm } from "react-hook-form";
import { z } from "zod";
import { GPU_MODELS, GPU_MODEL_IDS, REGIONS, gpuModelById } from "@gridlease/sdk/gpus";
import { textToBytes32 } from "@gridlease/sdk/offers";
import { useContracts } from "@/lib/app-config";
import { usdcInput } from "@/lib/amounts";
import { providerRegistryAbi } from "@/lib/contracts";
import { TxStatus } from "@/lib/use-transaction";
import { useContractAction } from "@/lib/use-contract-action";
import { txDone } from "@/lib/tx-messages";

const int = (label: string, min: number, max: number) =>
  z.coerce
    .number({ error: `${label} must be a number` })
    .int(`${label} must be a whole number`)
    .min(min, `${label} must be at least ${min}`)
    .max(max, `${label} must be at most ${max}`);

const listingSchema = z
  .object({
    gpuModel: z.enum(GPU_MODEL_IDS, { error: "Pick a GPU model" }),
    gpuCount: int("GPU count", 1, 1024),
    vramGb: int("VRAM", 1, 65_535),
    cpuCores: int("CPU cores", 1, 65_535),
    ramGb: int("RAM", 1, 4_294_967_295),
    diskGb: int("Disk", 1, 4_294_967_295),
    bandwidthMbps: int("Bandwidth", 1, 4_294_967_295),
    region: z
      .string()
      .trim()
      .regex(/^[a-z0-9-]{2,31}$/, "Region: lowercase letters, digits and dashes, like eu-west"),
    price: usdcInput("Price").refine((v) => v > 0n, "Price must be above zero"),
    minHours: int("Minimum hours", 1, 16_777_215),
    maxHours: int("Maximum hours", 1, 16_777_215),
  })
  .refine((v) => v.maxHours >= v.minHours, { path: ["maxHours"], message: "Maximum hours must be at least the minimum" });

type ListingInput = z.input<typeof listingSchema>;

function Field({ label, error, children }: { label: string; error?: string; children: React.ReactNode }) {
  return (
    // biome-ignore lint/a11y/noLabelWithoutControl: the control is `children`, which the linter cannot see
    <label className="block">
      <span className="label">{label}</span>
      {children}
      {error && <p className="field-error">{error}</p>}
    </label>
  );
}

export function ListingForm() {
  const contracts = useContracts();
  const router = useRouter();
  const { send, state, busy } = useContractAction("New listing", () => router.refresh());
  const form = useForm<ListingInput, unknown, z.output<typeof listingSchema>>({
    resolver: zodResolver(listingSchema),
    defaultValues: {
      gpuModel: "H100-SXM",
      gpuCount: 8,
      vramGb: 80,
      cpuCores: 64,
      ramGb: 512,
      diskGb: 2000,
      bandwidthMbps: 10000,
      region: "us-east",
      price: "2.50",
      minHours: 1,
      maxHours: 168,
    },
  });
  const { errors } = form.formState;
  const model = form.register("gpuModel", {
    onChange: (e) => {
      const known = gpuModelById(e.target.value);
      if (known) form.setValue("vramGb", known.vramGb);
    },
  });

  const submit = form.handleSubmit(async (v) => {
    const ok = await send(
      {
        address: contracts.providerRegistry,
        abi: providerRegistryAbi,
        functionName: "listOffer",
        args: [
          {
            gpuModel: textToBytes32(v.gpuModel),
            gpuCount: v.gpuCount,
            vramGb: v.vramGb,
            cpuCores: v.cpuCores,
            ramGb: v.ramGb,
            diskGb: v.diskGb,
            bandwidthMbps: v.bandwidthMbps,
            region: textToBytes32(v.region),
            pricePerGpuHour: v.price,
            minHours: v.minHours,
            maxHours: v.maxHours,
          },
        ],
      },
      (receipt) => txDone.listed(parseEventLogs({ abi: providerRegistryAbi, eventName: "OfferListed", logs: receipt.logs })[0]?.args.offerId ?? null),
    );
    if (ok) form.reset(form.getValues());
  });

  return (
    <form onSubmit={submit} className="card space-y-4" aria-label="New listing" noValidate>
      <h2 className="text-lg font-semibold">New listing</h2>
      <div className="grid grid-cols-2 gap-3 md:grid-cols-4">
        <Field label="GPU model" error={errors.gpuModel?.message}>
          <select className="input w-full" {...model}>
            {GPU_MODELS.map((m) => (
              <option key={m.id} value={m.id}>
                {m.label.replace("NVIDIA ", "")}
              </option>
            ))}
          </select>
        </Field>
        <Field label="GPUs" error={errors.gpuCount?.message}>
          <input type="number" className="input w-full" {...form.register("gpuCount")} />
        </Field>
        <Field label="VRAM per GPU (GB)" error={errors.vramGb?.message}>
          <input type="number" className="input w-full" {...form.register("vramGb")} />
        </Field>
        <Field label="CPU cores" error={errors.cpuCores?.message}>
          <input type="number" className="input w-full" {...form.register("cpuCores")} />
        </Field>
        <Field label="RAM (GB)" error={errors.ramGb?.message}>
          <input type="number" className="input w-full" {...form.register("ramGb")} />
        </Field>
        <Field label="Disk (GB)" error={errors.diskGb?.message}>
          <input type="number" className="input w-full" {...form.register("diskGb")} />
        </Field>
        <Field label="Bandwidth (Mbps)" error={errors.bandwidthMbps?.message}>
          <input type="number" className="input w-full" {...form.register("bandwidthMbps")} />
        </Field>
        <Field label="Region" error={errors.region?.message}>
          <input className="input w-full" list="regions" {...form.register("region")} />
          <datalist id="regions">
            {REGIONS.map((r) => (
              <option key={r} value={r} />
            ))}
          </datalist>
        </Field>
        <Field label="Price (USDC per GPU-hour)" error={errors.price?.message}>
          <input className="input w-full" inputMode="decimal" {...form.register("price")} />
        </Field>
        <Field label="Minimum hours" error={errors.minHours?.message}>
          <input type="number" className="input w-full" {...form.register("minHours")} />
        </Field>
        <Field label="Maximum hours" error={errors.maxHours?.message}>
          <input type="number" className="input w-full" {...form.register("maxHours")} />
        </Field>
      </div>
      <button type="submit" className="btn-primary" disabled={busy}>
        {busy ? "Listing…" : "List offer"}
      </button>
      <TxStatus state={state} />
    </form>
  );
}
