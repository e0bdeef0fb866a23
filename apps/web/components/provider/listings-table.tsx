"use client";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { z } from "zod";
import { useContracts } from "@/lib/app-config";
import { usdcInput } from "@/lib/amounts";
import { providerRegistryAbi } from "@/lib/contracts";
import { formatPricePerHour, formatToken } from "@/lib/format";
import { TxStatus } from "@/lib/use-transaction";
import { useContractAction } from "@/lib/use-contract-action";
import { txDone } from "@/lib/tx-messages";

export interface ListingRow {
  offerId: string;
  gpuLabel: string;
  gpuCount: number;
  freeUnits: number;
  region: string;
  pricePerGpuHour: string;
  status: string;
}

const priceSchema = usdcInput("Price").refine((v) => v > 0n, "Price must be above zero");

function Listing({ offer }: { offer: ListingRow }) {
  const contracts = useContracts();
  const router = useRouter();
  const action = useContractAction(`Offer #${offer.offerId}`, () => router.refresh());
  const [price, setPrice] = useState(formatToken(offer.pricePerGpuHour, { symbol: false, digits: 6 }).replace(/,/g, ""));
  const [priceError, setPriceError] = useState<string | null>(null);
  const id = BigInt(offer.offerId);
  const call = (functionName: "pauseOffer" | "resumeOffer" | "delistOffer") =>
    action.send({ address: contracts.providerRegistry, abi: providerRegistryAbi, functionName, args: [id] }, txDone.offerStatus(offer.offerId, functionName));
  const updatePrice = () => {
    const parsed = priceSchema.safeParse(price);
    if (!parsed.success) return setPriceError(z.prettifyError(parsed.error).replace(/^✖ /, ""));
    setPriceError(null);
    return action.send(
      { address: contracts.providerRegistry, abi: providerRegistryAbi, functionName: "updatePrice", args: [id, parsed.data] },
      txDone.priceUpdated(offer.offerId, parsed.data),
    );
  };
  const delisted = offer.status === "Delisted";
  return (
    <li className="card space-y-2" data-testid="my-offer" data-offer-id={offer.offerId} data-status={offer.status}>
      <div className="flex flex-wrap items-baseline justify-between gap-2">
        <h3 className="font-semibold">
          #{offer.offerId} · {offer.gpuCount}× {offer.gpuLabel.replace("NVIDIA ", "")}{" "}
          <span className="text-sm font-normal text-slate-400">{offer.region}</span>
        </h3>
        <span className="badge">{offer.status}</span>
      </div>
      <p className="text-sm text-slate-400">
        {formatPricePerHour(offer.pricePerGpuHour)} · {offer.freeUnits}/{offer.gpuCount} GPUs free
      </p>
      {!delisted && (
        <div className="flex flex-wrap items-center gap-2">
          <input
            aria-label={`New price for offer ${offer.offerId}`}
            className="input w-28"
            inputMode="decimal"
            value={price}
            onChange={(e) => setPrice(e.target.value)}
          />
          <button type="button" className="btn-secondary" disabled={action.busy} onClick={updatePrice}>
            Update price
          </button>
          {offer.status === "Active" && (
            <button type="button" className="btn-secondary" disabled={action.busy} onClick={() => call("pauseOffer")}>
              Pause
            </button>
          )}
          {offer.status === "Paused" && (
            <button type="button" className="btn-secondary" disabled={action.busy} onClick={() => call("resumeOffer")}>
              Resume
            </button>
          )}
          <button type="button" className="btn-ghost text-rose-300" disabled={action.busy} onClick={() => call("delistOffer")}>
            Delist
          </button>
        </div>
      )}
      {priceError && <p className="field-error">{priceError}</p>}
      <TxStatus state={action.state} />
    </li>
  );
}

export function ListingsTable({ offers }: { offers: ListingRow[] }) {
  if (offers.length === 0) return <p className="text-sm text-slate-400">No listings yet.</p>;
  return (
    <ul className="grid gap-3 md:grid-cols-2">
      {offers.map((o) => (
        <Listing key={o.offerId} offer={o} />
      ))}
    </ul>
  );
}
