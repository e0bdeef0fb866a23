import {
  checkSignaturesValid,
  offerCheckHistory,
  offerVerifications,
  providerCheckHistory,
  providerFlag,
  type GpuCheckRecord,
  type OfferVerification,
  type ProviderFlag,
} from "@gridlease/db/gpu-checks";

/** A check as the evidence list shows it: the row plus whether its signature verifies. */
export type CheckEvidence = GpuCheckRecord & { signatureValid: boolean };

async function withSignatures(chainId: number, checks: GpuCheckRecord[]): Promise<CheckEvidence[]> {
  const valid = await checkSignaturesValid(chainId, checks);
  return checks.map((check, i) => ({ ...check, signatureValid: valid[i]! }));
}

/** The offer page's Proof of GPU part: its badge (or none), its recent checks, and whether its provider is flagged. */
export async function loadOfferProof(
  chainId: number,
  offerId: string,
  provider: string,
): Promise<{ verification: OfferVerification | null; checks: CheckEvidence[]; flag: ProviderFlag }> {
  const [verifications, checks, flag] = await Promise.all([
    offerVerifications(chainId, [offerId]),
    offerCheckHistory(chainId, offerId, 10),
    providerFlag(chainId, provider),
  ]);
  return { verification: verifications.get(offerId) ?? null, checks: await withSignatures(chainId, checks), flag };
}

/** The provider page's check history (all its offers) and flag. */
export async function loadProviderProof(chainId: number, provider: string): Promise<{ checks: CheckEvidence[]; flag: ProviderFlag }> {
  const [checks, flag] = await Promise.all([providerCheckHistory(chainId, provider, 25), providerFlag(chainId, provider)]);
  return { checks: await withSignatures(chainId, checks), flag };
}
