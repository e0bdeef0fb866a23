import { erc20Abi, formatUnits, parseUnits, bytesToHex, type Address, type Hex } from "viem";
import { providerRegistryAbi } from "@gridlease/sdk/contracts.generated";
import { decodeOfferSpec, encodeOfferSpec, type OfferSpecDraft, type OfferSpecOnChain } from "@gridlease/sdk/offers";
import { OfferStatus, ProviderStatus } from "@gridlease/sdk/protocol";
import type { AgentConfig } from "./config";
import { LOCAL_CHAIN_ID, noEthSentence, type ChainContext } from "./chain";
import type { HardwareReport } from "./detect/hardware";
import type { ProviderKeys } from "./keyfile";
import { AgentError } from "./errors";

export { OfferStatus, ProviderStatus };

/** OfferSpec with strings where the chain has bytes32. */
export type OfferDraft = OfferSpecDraft;

export class ListingError extends AgentError {
  readonly code = "listing";
}

/**
 * One offer per GPU model on the host. A mixed host's CPU, RAM and disk are split between its offers
 * in proportion to their GPU counts, since both can be rented out at the same time.
 */
export function draftOffers(config: AgentConfig, hardware: HardwareReport, tokenDecimals: number): { offers: OfferDraft[]; skipped: string[] } {
  const listable = hardware.groups.filter((g) => g.model);
  const skipped = hardware.groups.filter((g) => !g.model).map((g) => `${g.count}× ${g.smiName} is not in the marketplace's GPU table, so it cannot be listed.`);
  const totalGpus = listable.reduce((n, g) => n + g.count, 0);
  const offers = listable.map((group) => {
    const modelId = group.model!.id;
    const priceText =
      typeof config.offer.pricePerGpuHour === "string"
        ? config.offer.pricePerGpuHour
        : config.offer.pricePerGpuHour[modelId as keyof typeof config.offer.pricePerGpuHour];
    if (!priceText) throw new ListingError(`offer.pricePerGpuHour has no price for ${modelId}; add "${modelId}": "<price>" to it.`);
    const share = group.count / totalGpus;
    return {
      gpuModel: modelId,
      gpuCount: group.count,
      vramGb: group.vramGb,
      cpuCores: Math.max(1, Math.floor(hardware.cpuCores * share)),
      ramGb: Math.max(1, Math.floor(hardware.ramGb * share)),
      diskGb: Math.max(1, Math.floor(hardware.diskGb * share)),
      bandwidthMbps: config.offer.bandwidthMbps,
      region: config.offer.region,
      pricePerGpuHour: parseUnits(priceText, tokenDecimals),
      minHours: config.offer.minHours,
      maxHours: config.offer.maxHours,
    };
  });
  return { offers, skipped };
}

export const toOfferSpec = encodeOfferSpec<OfferDraft>;
const fromOfferSpec = (spec: OfferSpecOnChain): OfferDraft => decodeOfferSpec(spec);

const samePlacement = (a: OfferDraft, b: OfferDraft) =>
  (["gpuModel", "gpuCount", "vramGb", "cpuCores", "ramGb", "diskGb", "bandwidthMbps", "region", "minHours", "maxHours"] as const).every((k) => a[k] === b[k]);

export interface ProviderOffer {
  offerId: bigint;
  status: OfferStatus;
  spec: OfferDraft;
  reservedUnits: number;
}

/** This provider's offers, from OfferListed events plus each offer's current state. */
export async function fetchOwnOffers(ctx: ChainContext, provider: Address): Promise<ProviderOffer[]> {
  const logs = await ctx.publicClient.getContractEvents({
    address: ctx.contracts.registry,
    abi: providerRegistryAbi,
    eventName: "OfferListed",
    args: { provider },
    fromBlock: ctx.contracts.deployBlock,
    toBlock: "latest",
  });
  return Promise.all(
    logs.map(async (log) => {
      const offer = await ctx.publicClient.readContract({
        address: ctx.contracts.registry,
        abi: providerRegistryAbi,
        functionName: "getOffer",
        args: [log.args.offerId!],
      });
      return { offerId: log.args.offerId!, status: offer.status as OfferStatus, spec: fromOfferSpec(offer.spec), reservedUnits: offer.reservedUnits };
    }),
  );
}

export async function registerProvider(ctx: ChainContext, keys: ProviderKeys, config: AgentConfig, log: (line: string) => void): Promise<void> {
  const registry = { address: ctx.contracts.registry, abi: providerRegistryAbi } as const;
  const me = keys.account.address;
  const encryptionKey = bytesToHex(keys.encryption.publicKey) as Hex;
  const provider = await ctx.publicClient.readContract({ ...registry, functionName: "getProvider", args: [me] });
  if (provider.status === ProviderStatus.Active) {
    if (provider.encryptionKey.toLowerCase() !== encryptionKey.toLowerCase() || provider.metadataURI !== config.provider.metadataURI) {
      await ctx.sender.send({ ...registry, functionName: "updateProvider", args: [encryptionKey, config.provider.metadataURI] });
      log(`${me} was already registered; updated its encryption key and metadata URI.`);
    } else {
      log(`${me} is already registered with stake ${formatUnits(provider.stake, ctx.tokenDecimals)} ${ctx.tokenSymbol}.`);
    }
    return;
  }
  const stake = parseUnits(config.provider.stake, ctx.tokenDecimals);
  const [minStake, balance, allowance] = await Promise.all([
    ctx.publicClient.readContract({ ...registry, functionName: "minStake" }),
    ctx.publicClient.readContract({ address: ctx.contracts.token, abi: erc20Abi, functionName: "balanceOf", args: [me] }),
    ctx.publicClient.readContract({ address: ctx.contracts.token, abi: erc20Abi, functionName: "allowance", args: [me, ctx.contracts.registry] }),
  ]);
  const fmt = (v: bigint) => `${formatUnits(v, ctx.tokenDecimals)} ${ctx.tokenSymbol}`;
  if (stake < minStake) throw new ListingError(`provider.stake is ${fmt(stake)} but the registry's minimum stake is ${fmt(minStake)}.`);
  if (balance < stake) {
    const fix =
      ctx.chainId === LOCAL_CHAIN_ID
        ? "run `gridlease-agent faucet` (local chain)"
        : `send it ${fmt(stake - balance)} more (token ${ctx.contracts.token}) on chain ${ctx.chainId}`;
    throw new ListingError(`${me} holds ${fmt(balance)}, less than the ${fmt(stake)} stake: ${fix}.`);
  }
  if ((await ctx.publicClient.getBalance({ address: me })) === 0n) throw new ListingError(noEthSentence(me, ctx.chainId));
  if (allowance < stake) {
    await ctx.sender.send({ address: ctx.contracts.token, abi: erc20Abi, functionName: "approve", args: [ctx.contracts.registry, stake] });
  }
  await ctx.sender.send({ ...registry, functionName: "register", args: [stake, encryptionKey, config.provider.metadataURI] });
  log(`Registered ${me} with stake ${fmt(stake)} and encryption key ${encryptionKey}.`);
}

/**
 * Makes the chain's offers match `drafts`: an unchanged offer only gets its price updated (and is
 * resumed if paused); a changed one is delisted and listed anew; offers for hardware no longer on
 * the host are delisted. Running leases are unaffected by delisting.
 */
export async function publishOffers(ctx: ChainContext, provider: Address, drafts: OfferDraft[], log: (line: string) => void): Promise<bigint[]> {
  const registry = { address: ctx.contracts.registry, abi: providerRegistryAbi } as const;
  const live = (await fetchOwnOffers(ctx, provider)).filter((o) => o.status === OfferStatus.Active || o.status === OfferStatus.Paused);
  const kept = new Set<bigint>();
  const published: bigint[] = [];
  for (const draft of drafts) {
    const match = live.find((o) => !kept.has(o.offerId) && samePlacement(o.spec, draft));
    if (match) {
      kept.add(match.offerId);
      published.push(match.offerId);
      if (match.spec.pricePerGpuHour !== draft.pricePerGpuHour) {
        await ctx.sender.send({ ...registry, functionName: "updatePrice", args: [match.offerId, draft.pricePerGpuHour] });
        log(
          `Offer ${match.offerId} (${draft.gpuCount}× ${draft.gpuModel}): price updated to ${formatUnits(draft.pricePerGpuHour, ctx.tokenDecimals)} ${ctx.tokenSymbol}/GPU/h.`,
        );
      }
      if (match.status === OfferStatus.Paused) {
        await ctx.sender.send({ ...registry, functionName: "resumeOffer", args: [match.offerId] });
        log(`Offer ${match.offerId}: resumed.`);
      }
      if (match.spec.pricePerGpuHour === draft.pricePerGpuHour && match.status === OfferStatus.Active)
        log(`Offer ${match.offerId} (${draft.gpuCount}× ${draft.gpuModel}) is already up to date.`);
      continue;
    }
    const receipt = await ctx.sender.send({ ...registry, functionName: "listOffer", args: [toOfferSpec(draft)] });
    const listed = await ctx.publicClient.getContractEvents({ ...registry, eventName: "OfferListed", args: { provider }, blockHash: receipt.blockHash });
    const offerId = listed.find((l) => l.transactionHash === receipt.transactionHash)!.args.offerId!;
    published.push(offerId);
    log(
      `Listed offer ${offerId}: ${draft.gpuCount}× ${draft.gpuModel} in ${draft.region} at ${formatUnits(draft.pricePerGpuHour, ctx.tokenDecimals)} ${ctx.tokenSymbol}/GPU/h.`,
    );
  }
  for (const stale of live.filter((o) => !kept.has(o.offerId))) {
    await ctx.sender.send({ ...registry, functionName: "delistOffer", args: [stale.offerId] });
    log(`Delisted offer ${stale.offerId} (${stale.spec.gpuCount}× ${stale.spec.gpuModel}): it no longer matches this host.`);
  }
  return published;
}

/** Problems that would make `serve` unable to take bookings, in sentences; empty when it can. */
export async function checkProviderReady(ctx: ChainContext, keys: ProviderKeys): Promise<string[]> {
  const provider = await ctx.publicClient.readContract({
    address: ctx.contracts.registry,
    abi: providerRegistryAbi,
    functionName: "getProvider",
    args: [keys.account.address],
  });
  if (provider.status !== ProviderStatus.Active) return [`${keys.account.address} is not a registered provider; run \`gridlease-agent register\`.`];
  const ours = bytesToHex(keys.encryption.publicKey).toLowerCase();
  if (provider.encryptionKey.toLowerCase() !== ours) {
    return [
      `the encryption key registered on-chain (${provider.encryptionKey}) is not this key file's (${ours}); renters' requests will not decrypt. Run \`gridlease-agent register\` to update it.`,
    ];
  }
  return [];
}

export type OfferAction = "pause" | "resume" | "delist";

/** Pauses, resumes or delists this provider's offers (all that the action applies to when `offerIds` is empty). */
export async function changeOffers(ctx: ChainContext, provider: Address, action: OfferAction, offerIds: bigint[], log: (line: string) => void): Promise<void> {
  const registry = { address: ctx.contracts.registry, abi: providerRegistryAbi } as const;
  const applies: Record<OfferAction, OfferStatus[]> = {
    pause: [OfferStatus.Active],
    resume: [OfferStatus.Paused],
    delist: [OfferStatus.Active, OfferStatus.Paused],
  };
  const own = await fetchOwnOffers(ctx, provider);
  const unknown = offerIds.filter((id) => !own.some((o) => o.offerId === id));
  if (unknown.length) throw new ListingError(`Offer ${unknown.join(", ")} is not one of ${provider}'s offers.`);
  const targets = own.filter((o) => (offerIds.length ? offerIds.includes(o.offerId) : true) && applies[action].includes(o.status));
  if (targets.length === 0) return log(`No offer to ${action}.`);
  const functionName = ({ pause: "pauseOffer", resume: "resumeOffer", delist: "delistOffer" } as const)[action];
  for (const offer of targets) {
    await ctx.sender.send({ ...registry, functionName, args: [offer.offerId] });
    log(
      `Offer ${offer.offerId} (${offer.spec.gpuCount}× ${offer.spec.gpuModel}): ${action === "delist" ? "delisted" : action === "pause" ? "paused" : "resumed"}.`,
    );
  }
}
