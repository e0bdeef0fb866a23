"use client";
import { zodResolver } from "@hookform/resolvers/zod";
import { useRouter } from "next/navigation";
import { useForm } from "react-hook-form";
import { bytesToHex, type Hex } from "viem";
import { useAccount, useConfig, useReadContract } from "wagmi";
import { simulateContract, writeContract } from "wagmi/actions";
import { z } from "zod";
import { useContracts } from "@/lib/app-config";
import { usdcInput } from "@/lib/amounts";
import { providerRegistryAbi } from "@/lib/contracts";
import { formatToken } from "@/lib/format";
import { signPermit } from "@/lib/permit";
import { useRenterKey } from "@/lib/renter-key";
import { TxStatus, useTransaction } from "@/lib/use-transaction";
import { txDone } from "@/lib/tx-messages";

const registerSchema = z
  .object({
    stake: usdcInput("Stake"),
    keySource: z.enum(["wallet", "agent"]),
    agentKey: z.string().trim().optional(),
    metadataUri: z.string().trim().max(200, "Keep the metadata URI under 200 characters"),
  })
  .refine((v) => v.keySource === "wallet" || /^0x[0-9a-fA-F]{64}$/.test(v.agentKey ?? ""), {
    path: ["agentKey"],
    message: "Paste the agent's 32-byte X25519 public key as 0x + 64 hex characters",
  });

export function RegisterForm() {
  const contracts = useContracts();
  const config = useConfig();
  const router = useRouter();
  const { address } = useAccount();
  const { derive } = useRenterKey();
  const { state, run, busy } = useTransaction("Provider registration");
  const { data: minStake } = useReadContract({ address: contracts.providerRegistry, abi: providerRegistryAbi, functionName: "minStake" });
  const form = useForm<z.input<typeof registerSchema>, unknown, z.output<typeof registerSchema>>({
    resolver: zodResolver(registerSchema),
    defaultValues: { stake: "100", keySource: "wallet", agentKey: "", metadataUri: "" },
  });
  const keySource = form.watch("keySource");
  const { errors } = form.formState;

  const submit = form.handleSubmit(async (values) => {
    if (minStake !== undefined && values.stake < minStake) {
      form.setError("stake", { message: `The minimum stake is ${formatToken(minStake)}` });
      return;
    }
    const ok = await run(async (track) => {
      if (!address) throw new Error("Connect a wallet first.");
      // A wallet-derived key lets this browser decrypt booking requests and accept them without an agent.
      const encryptionKey: Hex = values.keySource === "wallet" ? bytesToHex((await derive()).publicKey) : (values.agentKey as Hex);
      const permit = await signPermit(config, { token: contracts.token, owner: address, spender: contracts.providerRegistry, value: values.stake });
      const { request } = await simulateContract(config, {
        address: contracts.providerRegistry,
        abi: providerRegistryAbi,
        functionName: "registerWithPermit",
        args: [values.stake, encryptionKey, values.metadataUri, permit.deadline, permit.v, permit.r, permit.s],
        account: address,
      });
      await track(await writeContract(config, request));
      return txDone.registered(values.stake);
    });
    if (ok) router.refresh();
  });

  return (
    <form onSubmit={submit} className="card max-w-xl space-y-4" aria-label="Register as a provider" noValidate>
      <h2 className="text-lg font-semibold">Register as a provider</h2>
      <p className="text-sm text-slate-400">
        Stake at least {minStake !== undefined ? formatToken(minStake) : "the minimum"}; it backs your promises and can be slashed for missed bookings or lost
        disputes.
      </p>
      <label className="block">
        <span className="label">Stake (USDC)</span>
        <input className="input w-full" inputMode="decimal" {...form.register("stake")} />
        {errors.stake && <p className="field-error">{errors.stake.message}</p>}
      </label>
      <fieldset className="space-y-2 text-sm">
        <legend className="label">Encryption key for booking requests</legend>
        <label className="flex items-start gap-2">
          <input type="radio" value="wallet" {...form.register("keySource")} />
          <span>Derive it from this wallet (accept bookings here in the browser)</span>
        </label>
        <label className="flex items-start gap-2">
          <input type="radio" value="agent" {...form.register("keySource")} />
          <span>Use the public key printed by my provider agent</span>
        </label>
        {keySource === "agent" && <input className="input w-full font-mono text-xs" placeholder="0x… (32 bytes)" {...form.register("agentKey")} />}
        {errors.agentKey && <p className="field-error">{errors.agentKey.message}</p>}
      </fieldset>
      <label className="block">
        <span className="label">Metadata URI (optional)</span>
        <input className="input w-full" placeholder="https://example.com/gridlease.json" {...form.register("metadataUri")} />
        {errors.metadataUri && <p className="field-error">{errors.metadataUri.message}</p>}
      </label>
      <button type="submit" className="btn-primary" disabled={busy}>
        {busy ? "Registering…" : "Register and stake"}
      </button>
      <TxStatus state={state} />
    </form>
  );
}
