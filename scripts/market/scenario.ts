import { REGIONS } from "@gridlease/sdk/gpus";
import { createWalletClient, encodeFunctionData, http, keccak256, toHex, type Address } from "viem";
import { leaseEscrowAbi } from "@gridlease/sdk/contracts.generated";
import { encryptionKeyFor, offerSpec, prng, type Simulator, USDC } from "./simulate";

/** Hardware templates with market-like prices (USDC per GPU-hour, late 2026). */
export const HARDWARE = [
  { gpuModel: "H100-SXM", vramGb: 80, price: 2.45, counts: [1, 2, 4, 8], cpuPerGpu: 24, ramPerGpu: 240 },
  { gpuModel: "H100-PCIE", vramGb: 80, price: 2.05, counts: [1, 2, 4], cpuPerGpu: 16, ramPerGpu: 180 },
  { gpuModel: "A100-SXM-80G", vramGb: 80, price: 1.35, counts: [1, 2, 4, 8], cpuPerGpu: 16, ramPerGpu: 120 },
  { gpuModel: "A100-PCIE-40G", vramGb: 40, price: 0.95, counts: [1, 2, 4], cpuPerGpu: 12, ramPerGpu: 85 },
  { gpuModel: "L40S", vramGb: 48, price: 0.85, counts: [1, 2, 4, 8], cpuPerGpu: 12, ramPerGpu: 96 },
  { gpuModel: "RTX4090", vramGb: 24, price: 0.38, counts: [1, 2, 4, 8], cpuPerGpu: 8, ramPerGpu: 48 },
  { gpuModel: "RTX3090", vramGb: 24, price: 0.2, counts: [1, 2, 4], cpuPerGpu: 6, ramPerGpu: 32 },
  { gpuModel: "A6000", vramGb: 48, price: 0.55, counts: [1, 2, 4], cpuPerGpu: 8, ramPerGpu: 64 },
] as const;

export interface MarketOptions {
  providerIndices: number[];
  renterIndices: number[];
  /** Unlocked node account that pays for gas money (Hardhat #0). */
  funder: Address;
  /** Unlocked node account holding ARBITER_ROLE. */
  arbiter: Address;
  seed?: number;
  offersPerProvider?: [number, number];
  bookings?: number;
  /**
   * Seconds of use to let pass before completing and claiming leases (default three hours). The
   * local chain starts that far in the past so that the history ends at the wall clock.
   */
  elapseSeconds?: number;
  log?: (line: string) => void;
}

export interface MarketSummary {
  providers: number;
  offers: number;
  leases: number;
  transactions: number;
}

/**
 * Creates a market through the real contracts: providers register and list, renters book, providers
 * accept or decline, renters extend/cancel, a lease is disputed and resolved, prices change, an
 * offer is paused/resumed/delisted, time passes and leases complete or are claimed.
 */
export async function buildMarket(sim: Simulator, options: MarketOptions): Promise<MarketSummary> {
  const log = options.log ?? (() => undefined);
  const random = prng(options.seed ?? 7);
  const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)]!;
  const [minOffers, maxOffers] = options.offersPerProvider ?? [1, 3];
  const providers = options.providerIndices.map((i) => sim.account(i));
  const renters = options.renterIndices.map((i) => sim.account(i));

  log(`funding ${providers.length} providers and ${renters.length} renters`);
  await sim.fund([...options.providerIndices, ...options.renterIndices], 100_000n, options.funder);

  log("registering providers and listing offers");
  const offers: { id: bigint; provider: number; gpuCount: number; price: bigint; minHours: number }[] = [];
  let nextOfferId =
    1n +
    BigInt(
      await sim.publicClient.readContract({
        address: sim.deployment.registry,
        abi: [{ type: "function", name: "nextOfferId", inputs: [], outputs: [{ type: "uint256" }], stateMutability: "view" }],
        functionName: "nextOfferId",
      }),
    ) -
    1n;
  const listings: { provider: number; spec: ReturnType<typeof offerSpec>; gpuCount: number; price: bigint; minHours: number }[] = [];
  for (const [p] of providers.entries()) {
    const region = pick(REGIONS);
    const count = minOffers + Math.floor(random() * (maxOffers - minOffers + 1));
    for (let k = 0; k < count; k++) {
      const hw = pick(HARDWARE);
      const gpuCount = pick(hw.counts);
      const price = BigInt(Math.round(hw.price * (0.85 + random() * 0.35) * 100)) * (USDC / 100n);
      const minHours = 1;
      listings.push({
        provider: p,
        gpuCount,
        price,
        minHours,
        spec: offerSpec({
          gpuModel: hw.gpuModel,
          gpuCount,
          vramGb: hw.vramGb,
          cpuCores: hw.cpuPerGpu * gpuCount,
          ramGb: hw.ramPerGpu * gpuCount,
          diskGb: 500 * gpuCount + 500,
          bandwidthMbps: pick([1000, 2500, 10000]),
          region,
          pricePerGpuHour: price,
          minHours,
          maxHours: 720,
        }),
      });
    }
  }
  await Promise.all(
    providers.map(async (provider, p) => {
      const stake = 500n * USDC;
      await sim.send(provider, "token", "approve", [sim.deployment.registry, stake * 10n]);
      await sim.send(provider, "registry", "register", [
        stake,
        encryptionKeyFor(options.providerIndices[p]!),
        `ipfs://gridlease/provider-${options.providerIndices[p]}`,
      ]);
    }),
  );
  // Listing order decides offer ids, so list one after another.
  for (const listing of listings) {
    await sim.send(providers[listing.provider]!, "registry", "listOffer", [listing.spec]);
    offers.push({ id: nextOfferId++, provider: listing.provider, gpuCount: listing.gpuCount, price: listing.price, minHours: listing.minHours });
  }

  log(`booking ${options.bookings ?? renters.length} leases`);
  await Promise.all(renters.map((renter) => sim.send(renter, "token", "approve", [sim.deployment.escrow, 10n ** 15n])));
  const leases: { id: bigint; renter: number; offer: (typeof offers)[number] }[] = [];
  const bookings = Math.min(options.bookings ?? renters.length, offers.length);
  let nextLeaseId = 1n + BigInt(await sim.publicClient.readContract({ address: sim.deployment.escrow, abi: leaseEscrowAbi, functionName: "nextLeaseId" })) - 1n;
  const booked = new Set<number>();
  for (let b = 0; b < bookings; b++) {
    let o = Math.floor(random() * offers.length);
    while (booked.has(o)) o = (o + 1) % offers.length;
    booked.add(o);
    const offer = offers[o]!;
    const renter = b % renters.length;
    const request = toHex(`sealed-request-${b}`);
    await sim.send(renters[renter]!, "escrow", "book", [offer.id, 1, 2 + (b % 6), offer.price, request]);
    leases.push({ id: nextLeaseId++, renter, offer });
  }

  log("accepting, declining, cancelling, extending and disputing");
  const accepted: typeof leases = [];
  await Promise.all(
    leases.map(async (lease, i) => {
      const provider = providers[lease.offer.provider]!;
      if (i % 7 === 3) return sim.send(provider, "escrow", "decline", [lease.id]);
      if (i % 7 === 5) return undefined; // stays pending
      await sim.send(provider, "escrow", "accept", [lease.id, toHex(`sealed-access-${i}`)]);
      accepted.push(lease);
    }),
  );
  accepted.sort((a, b) => Number(a.id - b.id));
  const [disputed, cancelled, extended] = accepted;
  if (disputed)
    await sim.send(renters[disputed.renter]!, "escrow", "openDispute", [disputed.id, keccak256(toHex("gpu never came up")), "ipfs://gridlease/evidence-1"]);
  if (cancelled) await sim.send(renters[cancelled.renter]!, "escrow", "cancel", [cancelled.id]);
  if (extended) await sim.send(renters[extended.renter]!, "escrow", "extend", [extended.id, 2, extended.offer.price]);

  log("updating prices, pausing and delisting a few offers");
  const touched = offers.filter((_, i) => i % 5 === 0);
  for (const [i, offer] of touched.entries()) {
    const provider = providers[offer.provider]!;
    if (booked.has(offers.indexOf(offer))) continue;
    if (i % 3 === 0) await sim.send(provider, "registry", "updatePrice", [offer.id, (offer.price * 95n) / 100n]);
    else if (i % 3 === 1) {
      await sim.send(provider, "registry", "pauseOffer", [offer.id]);
      if (i % 2 === 0) await sim.send(provider, "registry", "resumeOffer", [offer.id]);
    } else await sim.send(provider, "registry", "delistOffer", [offer.id]);
  }
  if (providers[0]) await sim.send(providers[0], "registry", "addStake", [100n * USDC]);
  if (providers[1]) await sim.send(providers[1], "registry", "requestUnstake", [50n * USDC]);

  if (disputed) {
    // Half the deposit back to the renter, and a small slash: the provider "lost" this dispute.
    const lease = (await sim.publicClient.readContract({
      address: sim.deployment.escrow,
      abi: leaseEscrowAbi,
      functionName: "getLease",
      args: [disputed.id],
    })) as { deposit: bigint; paidGross: bigint };
    const remaining = lease.deposit - lease.paidGross;
    const arbiter = createWalletClient({ account: options.arbiter, transport: http(sim.rpcUrl) });
    await arbiter.sendTransaction({
      to: sim.deployment.escrow,
      chain: null,
      data: encodeFunctionData({
        abi: leaseEscrowAbi,
        functionName: "resolveDispute",
        args: [disputed.id, remaining - remaining / 2n, remaining / 2n, 10n * USDC, true],
      }),
    });
  }

  const elapse = options.elapseSeconds ?? 3 * 3600;
  log(`letting ${(elapse / 3600).toFixed(1)} hours pass; completing and claiming leases`);
  if (elapse > 0) await sim.increaseTime(elapse);
  const closers = accepted.filter((l) => l !== disputed && l !== cancelled);
  await Promise.all(
    closers.map((lease, i) =>
      i % 2 === 0
        ? sim.send(providers[lease.offer.provider]!, "escrow", "claim", [lease.id]).catch(() => undefined)
        : sim.send(renters[lease.renter]!, "escrow", "complete", [lease.id]).catch(() => undefined),
    ),
  );
  return { providers: providers.length, offers: offers.length, leases: leases.length, transactions: sim.transactions };
}
