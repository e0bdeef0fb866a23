"use client";
import { zodResolver } from "@hookform/resolvers/zod";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useMemo, useState } from "react";
import { useForm } from "react-hook-form";
import { BaseError, bytesToHex, parseEventLogs, UserRejectedRequestError, type Hex } from "viem";
import { toast } from "sonner";
import { useAccount, useConfig, useReadContract } from "wagmi";
import { simulateContract, writeContract } from "wagmi/actions";
import { z } from "zod";
import { sealJson, type LeaseRequestPayload } from "@gridlease/sdk/crypto";
import { useAppConfig, useContracts } from "@/lib/app-config";
import { leaseEscrowAbi, mockUsdcAbi } from "@/lib/contracts";
import { formatPricePerHour, formatToken } from "@/lib/format";
import { depositFor, type OfferView } from "@/lib/offer-view";
import { ensureAllowance, signPermit } from "@/lib/permit";
import { useRenterKey } from "@/lib/renter-key";
import { TxStatus, useTransaction } from "@/lib/use-transaction";
import { FaucetButton } from "@/components/common/faucet-button";
import { maxPriceWithTolerance } from "@/lib/lease-money";
import { isContractError } from "@/lib/tx-errors";
import { txDone } from "@/lib/tx-messages";
import { LOCAL_CHAIN_ID } from "@/lib/wallet/dev-accounts";
import { OFFLINE_EXPLANATION, onlineStatus } from "@/lib/last-seen";
import { launchFromFields } from "@/lib/launch-form";
import { LAUNCH_FIELD_DEFAULTS, LaunchFields } from "./launch-fields";

/** Price tolerances offered like a swap's slippage setting, in basis points; 0 = exactly the shown price. */
const TOLERANCES_BPS = [0, 50, 100, 300] as const;
const DEFAULT_TOLERANCE_BPS = 50;

const SSH_KEY = /^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp(256|384|521)|sk-ssh-ed25519@openssh\.com) [A-Za-z0-9+/]+={0,3}( \S.*)?$/;

/** Wallets without EIP-712 signing fall back to approve + book; a rejection by the person still stops. */
async function permitOrNull<T>(sign: () => Promise<T>): Promise<T | null> {
  try {
    return await sign();
  } catch (error) {
    if (error instanceof BaseError && error.walk((e) => e instanceof UserRejectedRequestError)) throw error;
    toast.info("Your wallet could not sign a permit; using an approval transaction instead.");
    return null;
  }
}

function bookingSchema(offer: OfferView) {
  return (
    z
      .object({
        gpus: z.coerce.number().int("Whole GPUs only").min(1, "Book at least 1 GPU").max(offer.freeUnits, `Only ${offer.freeUnits} GPU(s) are free`),
        hours: z.coerce
          .number()
          .int("Whole hours only")
          .min(offer.minHours, `At least ${offer.minHours} hour(s)`)
          .max(offer.maxHours, `At most ${offer.maxHours} hours`),
        sshPublicKey: z.string().trim().regex(SSH_KEY, "Paste an OpenSSH public key (ssh-ed25519 AAAA… or ssh-rsa AAAA…)"),
        note: z.string().max(500, "Keep the note under 500 characters").optional(),
        payment: z.enum(["permit", "approve"]),
        template: z.string(),
        image: z.string(),
        env: z.string(),
        ports: z.string(),
        command: z.string(),
        diskGb: z.coerce.string(),
      })
      // The launch spec's own rules (packages/sdk/src/launch-spec.ts): a bad spec stops the booking before any signature.
      .superRefine((values, ctx) => {
        const checked = launchFromFields(values);
        if (checked.problem) ctx.addIssue({ code: "custom", path: [checked.field.split(".")[0]!], message: checked.problem });
      })
      .transform((values) => ({ ...values, launch: launchFromFields(values).spec! }))
  );
}

/** providerLastHeartbeatAt: the provider's last seen; an offline provider needs an explicit "book anyway" first. */
export function BookingForm({ offer, feeBps, providerLastHeartbeatAt = null }: { offer: OfferView; feeBps: number; providerLastHeartbeatAt?: string | null }) {
  const providerStatus = onlineStatus(providerLastHeartbeatAt);
  const [offlineAccepted, setOfflineAccepted] = useState(false);
  const offlineBlocked = !providerStatus.online && !offlineAccepted;
  const contracts = useContracts();
  const { chainId } = useAppConfig();
  const config = useConfig();
  const { address, isConnected } = useAccount();
  const { derive } = useRenterKey();
  const { state, run, busy } = useTransaction("Booking");
  const router = useRouter();
  const [leaseId, setLeaseId] = useState<bigint | null>(null);
  const [toleranceBps, setToleranceBps] = useState<number>(DEFAULT_TOLERANCE_BPS);
  const schema = useMemo(() => bookingSchema(offer), [offer]);
  const form = useForm<z.input<typeof schema>, unknown, z.output<typeof schema>>({
    resolver: zodResolver(schema),
    defaultValues: { gpus: 1, hours: Math.max(1, offer.minHours), sshPublicKey: "", note: "", payment: "permit", ...LAUNCH_FIELD_DEFAULTS },
  });
  const { data: balance } = useReadContract({
    address: contracts.token,
    abi: mockUsdcAbi,
    functionName: "balanceOf",
    args: address ? [address] : undefined,
    query: { enabled: !!address },
  });

  const price = BigInt(offer.pricePerGpuHour);
  const gpus = Number(form.watch("gpus")) || 0;
  const hours = Number(form.watch("hours")) || 0;
  const deposit = gpus > 0 && hours > 0 ? depositFor(price, gpus, hours) : 0n;
  const fee = (deposit * BigInt(feeBps)) / 10_000n;
  const short = balance !== undefined && deposit > balance;
  // The guard sent with the booking: the chain refuses it if the provider's price is above this when it lands.
  const maxPrice = maxPriceWithTolerance(price, toleranceBps);

  /** After a price-guard refusal, reload the offer so the form shows (and guards) the new price. */
  async function refreshOnGuard<T>(simulation: Promise<T>): Promise<T> {
    try {
      return await simulation;
    } catch (error) {
      if (isContractError(error, "PriceAboveMax")) router.refresh();
      throw error;
    }
  }

  const submit = form.handleSubmit(async (values) => {
    setLeaseId(null);
    await run(async (track) => {
      if (!address) throw new Error("Connect a wallet first.");
      const renterKey = await derive();
      const payload: LeaseRequestPayload = {
        sshPublicKey: values.sshPublicKey,
        renterEncryptionKey: bytesToHex(renterKey.publicKey),
        ...(values.note ? { note: values.note } : {}),
        launch: values.launch,
      };
      // Bound to this chain, escrow, offer and renter: the provider's agent opens it only for this booking.
      const encryptedRequest = sealJson(offer.providerEncryptionKey, payload, {
        kind: "request",
        chainId,
        escrow: contracts.leaseEscrow,
        offerId: BigInt(offer.offerId),
        renter: address,
      });
      // The permit and allowance cover the deposit at the guard price; the escrow pulls it at the actual price.
      const total = depositFor(maxPrice, values.gpus, values.hours);
      // The guard is the price the renter was shown plus their tolerance: a larger rise mid-flight makes the booking revert.
      const common = [BigInt(offer.offerId), values.gpus, values.hours, maxPrice, encryptedRequest] as const;
      let hash: Hex;
      const permit =
        values.payment === "permit"
          ? await permitOrNull(() => signPermit(config, { token: contracts.token, owner: address, spender: contracts.leaseEscrow, value: total }))
          : null;
      if (permit) {
        const { request } = await refreshOnGuard(
          simulateContract(config, {
            address: contracts.leaseEscrow,
            abi: leaseEscrowAbi,
            functionName: "bookWithPermit",
            args: [...common, permit.deadline, permit.v, permit.r, permit.s],
            account: address,
          }),
        );
        hash = await writeContract(config, request);
      } else {
        await ensureAllowance(config, { token: contracts.token, owner: address, spender: contracts.leaseEscrow, amount: total }, track);
        const { request } = await refreshOnGuard(
          simulateContract(config, { address: contracts.leaseEscrow, abi: leaseEscrowAbi, functionName: "book", args: common, account: address }),
        );
        hash = await writeContract(config, request);
      }
      const receipt = await track(hash);
      const [booked] = parseEventLogs({ abi: leaseEscrowAbi, eventName: "LeaseBooked", logs: receipt.logs });
      if (booked) setLeaseId(booked.args.leaseId);
      return booked ? txDone.booked(booked.args.leaseId, booked.args.deposit) : undefined;
    });
  });

  const { errors } = form.formState;
  return (
    <form onSubmit={submit} className="card space-y-4" aria-label="Book this offer" noValidate>
      <h2 className="text-lg font-semibold">Book</h2>
      <div className="grid grid-cols-2 gap-3">
        <label>
          <span className="label">GPUs</span>
          <input type="number" className="input w-full" min={1} max={offer.freeUnits} {...form.register("gpus")} />
          {errors.gpus && <p className="field-error">{errors.gpus.message}</p>}
        </label>
        <label>
          <span className="label">Hours</span>
          <input type="number" className="input w-full" min={offer.minHours} max={offer.maxHours} {...form.register("hours")} />
          {errors.hours && <p className="field-error">{errors.hours.message}</p>}
        </label>
      </div>
      <label className="block">
        <span className="label">SSH public key</span>
        <textarea className="input h-20 w-full font-mono text-xs" placeholder="ssh-ed25519 AAAAC3Nza… you@laptop" {...form.register("sshPublicKey")} />
        {errors.sshPublicKey && <p className="field-error">{errors.sshPublicKey.message}</p>}
      </label>
      <LaunchFields
        register={form.register as never}
        errors={errors as never}
        values={{
          template: form.watch("template"),
          image: form.watch("image"),
          env: form.watch("env"),
          ports: form.watch("ports"),
          command: form.watch("command"),
          diskGb: form.watch("diskGb") as string,
        }}
      />
      <label className="block">
        <span className="label">Note to the provider (optional, encrypted)</span>
        <input className="input w-full" {...form.register("note")} />
      </label>
      <fieldset>
        <legend className="label">Payment</legend>
        <div className="flex flex-wrap gap-4 text-sm">
          <label className="flex items-center gap-2">
            <input type="radio" value="permit" {...form.register("payment")} /> One signature + one transaction (permit)
          </label>
          <label className="flex items-center gap-2">
            <input type="radio" value="approve" {...form.register("payment")} /> Approve, then book
          </label>
        </div>
      </fieldset>
      <dl className="grid grid-cols-2 gap-y-1 rounded-lg bg-slate-950/60 p-3 text-sm" data-testid="cost-preview">
        <dt className="text-slate-400">Escrow deposit</dt>
        <dd className="text-right font-semibold" data-testid="deposit" data-raw={deposit.toString()}>
          {formatToken(deposit)}
        </dd>
        <dt className="text-slate-400">Protocol fee ({feeBps / 100}%, from the provider&apos;s share)</dt>
        <dd className="text-right">{formatToken(fee)}</dd>
        <dt className="text-slate-400">Unused time</dt>
        <dd className="text-right">refunded on cancel</dd>
        <dt className="text-slate-400">Max price you accept</dt>
        <dd className="text-right tabular-nums" data-testid="max-price" data-raw={maxPrice.toString()}>
          {formatPricePerHour(maxPrice)}
        </dd>
      </dl>
      <fieldset data-testid="price-tolerance">
        <legend className="label">Price tolerance</legend>
        <div className="flex flex-wrap items-center gap-2 text-sm">
          {TOLERANCES_BPS.map((bps) => (
            <label
              key={bps}
              className={`cursor-pointer rounded-md border px-2 py-1 ${toleranceBps === bps ? "border-indigo-400 text-white" : "border-slate-700 text-slate-300"}`}
            >
              <input type="radio" name="price-tolerance" className="sr-only" checked={toleranceBps === bps} onChange={() => setToleranceBps(bps)} />
              {bps / 100}%
            </label>
          ))}
        </div>
        <p className="mt-1 text-xs text-slate-400">
          If the provider raises the price above {formatPricePerHour(maxPrice)} before your booking lands, it is refused and nothing is charged; you pay the
          price at that moment, never more.
        </p>
      </fieldset>
      {short && (
        <div className="space-y-1" data-testid="balance-short">
          <p className="field-error">
            Your balance ({formatToken(balance ?? 0n)}) is below the deposit of {formatToken(deposit)}; add funds to book.
          </p>
          {chainId === LOCAL_CHAIN_ID && <FaucetButton />}
        </div>
      )}
      {!providerStatus.online && (
        <div className="space-y-2 rounded-lg border border-amber-500/40 bg-amber-500/10 p-3 text-sm text-amber-200" role="alert" data-testid="offline-warning">
          <p>
            This provider is offline (<span suppressHydrationWarning>{providerStatus.lastSeen}</span>). {OFFLINE_EXPLANATION}
          </p>
          <label className="flex items-center gap-2">
            <input type="checkbox" checked={offlineAccepted} onChange={(event) => setOfflineAccepted(event.target.checked)} data-testid="offline-accept" /> Book
            anyway
          </label>
        </div>
      )}
      <button type="submit" className="btn-primary w-full" disabled={!isConnected || busy || offer.freeUnits === 0 || short || offlineBlocked}>
        {!isConnected ? "Connect a wallet to book" : busy ? "Booking…" : `Book for ${formatToken(deposit)}`}
      </button>
      <TxStatus state={state} />
      {leaseId !== null && (
        <p className="text-sm text-emerald-400" data-testid="booked-lease">
          Lease #{leaseId.toString()} booked; the provider has to accept it.{" "}
          <Link prefetch={false} href="/rentals" className="underline">
            Go to your rentals
          </Link>
        </p>
      )}
    </form>
  );
}
