import { notFound } from "next/navigation";
import { getAddress, isAddress } from "viem";
import { Breadcrumbs } from "@/components/common/breadcrumbs";
import { CheckList } from "@/components/proof-of-gpu/check-list";
import { FlaggedProviderNotice } from "@/components/proof-of-gpu/verified-badge";
import { shortAddress } from "@/lib/format";
import { loadProviderProof } from "@/lib/server/proof-of-gpu";
import { readRuntimeConfig } from "@/lib/server/runtime-config";

export async function generateMetadata({ params }: { params: Promise<{ address: string }> }) {
  return { title: `GPU checks of ${(await params).address}` };
}

/**
 * A provider's Proof of GPU history for anyone (renters, arbiters): the offer page, lease cards and
 * dispute cards link here. Public, unlike /provider (the connected wallet's own dashboard).
 */
export default async function ProviderGpuChecksPage({ params }: { params: Promise<{ address: string }> }) {
  const { address: raw } = await params;
  if (!isAddress(raw, { strict: false })) notFound();
  const address = getAddress(raw);
  const { CHAIN_ID } = readRuntimeConfig();
  const proof = await loadProviderProof(CHAIN_ID, address);
  return (
    <div className="space-y-6">
      <Breadcrumbs>Provider {shortAddress(address)} / GPU checks</Breadcrumbs>
      <header>
        <h1 className="text-2xl font-bold" data-testid="gpu-checks-title">
          Proof of GPU checks
        </h1>
        <p className="text-sm text-slate-400">
          Provider <span className="font-mono">{address}</span> · the latest {proof.checks.length} check(s) across its offers, newest first (also as JSON:{" "}
          <a className="text-indigo-300 hover:underline" href={`/api/providers/${address}/gpu-checks`}>
            /api/providers/…/gpu-checks
          </a>
          ).
        </p>
      </header>
      {proof.flag.flagged && (
        <FlaggedProviderNotice failures={proof.flag.failuresInARow} lastOutcome={proof.flag.lastOutcome} lastReason={proof.flag.lastReason} />
      )}
      <section className="card space-y-2" id="gpu-checks">
        <p className="text-xs text-slate-400">
          Each check sends the provider's agent seeded matrix-multiplication challenges sized for the listed GPUs, times the answer against a deadline derived
          from the model's throughput, and audits products with Freivalds' check. Only trusted checkers' results count for the badge and the flag.
        </p>
        <CheckList checks={proof.checks} showOffer />
      </section>
    </div>
  );
}
