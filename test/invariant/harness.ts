/**
 * Stateful invariant harness: random actions from many actors against a real in-process Hardhat
 * chain, with the invariants checked after every single call. Transactions go straight to the
 * Hardhat provider (encoded with viem) because wallet-client overhead would dominate 100k calls.
 */
import hre from "hardhat";
import { decodeEventLog, encodeFunctionData, decodeFunctionResult } from "viem";
import type { Abi, Address, Hex, Log } from "viem";
import { ARBITER_ROLE, ENCRYPTION_KEY, MIN_STAKE, USDC, LeaseStatus, LIVENESS_CONFIG, SLASH_TERMS, deployEscrow, offerSpec } from "../helpers/fixtures";
import type { Action } from "./actions";
import { mnemonicToAccount, type HDAccount } from "viem/accounts";
import { HARDHAT_MNEMONIC } from "../../packages/sdk/src/protocol";
import { livenessProofFor } from "../../packages/sdk/src/liveness";

const ZERO = `0x${"00".repeat(32)}` as Hex;
const GAS = "0x1e8480"; // 2M: skips estimation, far above any single call here

export class InvariantViolation extends Error {}

interface LeaseModel {
  id: bigint;
  offer: number;
  renter: Address;
  provider: Address;
  gpus: number;
  deposit: bigint;
  providerNet: bigint;
  renterRefund: bigint;
  fees: bigint;
  open: boolean;
  status: LeaseStatus;
  closedSnapshot?: string;
  /** Dispute bond held for the lease (not part of its deposit). */
  bond: bigint;
  /** Stake slashed to the renter over the lease's life. */
  slashed: bigint;
  /** The terms read right after booking; they must never change (L-5). */
  terms?: { maxSlashPerLease: bigint; snapshot: string };
  /** Whether an auto top-up policy is in force (LeaseTopUps). */
  topUpPolicy?: boolean;
  /** Bond of the open outage report, held by LeaseLiveness (not part of the deposit). */
  outageBond?: bigint;
}

/** The lease status each action needs to succeed; the harness prefers such leases. */
const WANTED_STATUS: Partial<Record<Action["kind"], LeaseStatus>> = {
  accept: LeaseStatus.Pending,
  decline: LeaseStatus.Pending,
  reclaim: LeaseStatus.Pending,
  claim: LeaseStatus.Active,
  extend: LeaseStatus.Active,
  cancel: LeaseStatus.Active,
  openDispute: LeaseStatus.Active,
  complete: LeaseStatus.Active,
  resolveDispute: LeaseStatus.Disputed,
  finalizeDispute: LeaseStatus.Disputed,
  answerDispute: LeaseStatus.Disputed,
  withdrawPending: LeaseStatus.Pending,
  revokeTopUp: LeaseStatus.Active,
  topUp: LeaseStatus.Active,
  reportOutage: LeaseStatus.Active,
  refuteOutage: LeaseStatus.Suspended,
  settleOutage: LeaseStatus.Suspended,
};

/** Short on purpose: the campaign waits it out inside one action. Public chains use ≥ 48 h. */
const TIMELOCK_DELAY = 60n;

export async function deployHarness(escrowName: "LeaseEscrow" | "LeaseEscrowUncappedAccrual") {
  const wallets = await hre.viem.getWalletClients();
  const addresses = wallets.map((w) => w.account.address);
  const [admin, arbiter, treasury] = addresses;
  const providers = addresses.slice(3, 6);
  const renters = addresses.slice(6, 12);
  const token = await hre.viem.deployContract("MockUSDC");
  const registry = await hre.viem.deployContract("ProviderRegistry", [token.address, MIN_STAKE, 86_400n, admin, 0]);
  const escrow = await deployEscrow(escrowName, [
    registry.address,
    {
      admin,
      adminDelay: 0,
      treasury,
      feeBps: 250,
      acceptWindow: 900n,
      disputeGrace: 86_400n,
      disputeTimeout: 3n * 86_400n,
      slash: SLASH_TERMS,
      // A 10-minute challenge window (the local profile's 15 s would close before most refutations, given
      // the campaign's warps) so that refute, settle and closed-window reverts all happen often.
      liveness: { ...LIVENESS_CONFIG, challengeWindow: 600, maxOutageAge: 900 },
    },
  ]);
  await registry.write.setEscrow([escrow.address]);
  await escrow.write.setTokenAllowed([token.address, true]);
  await escrow.write.grantRole([ARBITER_ROLE, arbiter]);
  // The escrow's settings are then only reachable through the timelock, as deployed.
  const timelock = await hre.viem.deployContract("GridleaseTimelock", [TIMELOCK_DELAY, [admin], [admin]]);
  await escrow.write.beginDefaultAdminTransfer([timelock.address]);
  const accept = encodeFunctionData({ abi: escrow.abi, functionName: "acceptDefaultAdminTransfer" });
  await timelock.write.schedule([escrow.address, 0n, accept, ZERO, ZERO, TIMELOCK_DELAY]);
  await hre.network.provider.request({ method: "evm_increaseTime", params: [Number(TIMELOCK_DELAY)] });
  await timelock.write.execute([escrow.address, 0n, accept, ZERO, ZERO]);
  const offers: { id: bigint; provider: Address; gpuCount: number }[] = [];
  for (const [index, provider] of providers.entries()) {
    const account = { account: provider };
    await token.write.faucet([provider, 1_000_000n * USDC]);
    await token.write.approve([registry.address, 2n ** 255n], account);
    await registry.write.register([MIN_STAKE * 20n, ENCRYPTION_KEY, ""], account);
    for (const gpuCount of [3, 8 + index]) {
      await registry.write.listOffer([offerSpec({ gpuCount, pricePerGpuHour: USDC + BigInt(index) * 333_333n, maxHours: 48 })], account);
      offers.push({ id: BigInt(offers.length + 1), provider, gpuCount });
    }
  }
  // Auto top-up: every renter lets LeaseTopUps pull, so only the policies limit what it spends.
  const topUps = await hre.viem.deployContract("LeaseTopUps", [escrow.address]);
  for (const renter of renters) {
    await token.write.faucet([renter, 1_000_000n * USDC]);
    await token.write.approve([escrow.address, 2n ** 255n], { account: renter });
    await token.write.approve([topUps.address, 2n ** 255n], { account: renter });
  }
  // Liveness: renters and a watcher (account 12) pay report bonds; providers sign proofs with their keys.
  const liveness = await hre.viem.getContractAt("LeaseLiveness", await escrow.read.liveness());
  const watcher = addresses[12];
  await token.write.faucet([watcher, 1_000_000n * USDC]);
  for (const reporter of [...renters, watcher]) await token.write.approve([liveness.address, 2n ** 255n], { account: reporter });
  const keys = new Map<string, HDAccount>(
    addresses.slice(0, 13).map((address, addressIndex) => [address.toLowerCase(), mnemonicToAccount(HARDHAT_MNEMONIC, { addressIndex })]),
  );
  const chainId = await (await hre.viem.getPublicClient()).getChainId();
  return { token, registry, escrow, timelock, topUps, liveness, watcher, keys, chainId, admin, arbiter, treasury, providers, renters, offers };
}

export type Harness = Awaited<ReturnType<typeof deployHarness>>;

/** Runs one action sequence from a fresh snapshot, checking every invariant after each call. */
export class Campaign {
  private leases: LeaseModel[] = [];
  private withdrawable = new Map<Address, bigint>();
  private feesAccrued = 0n;
  calls = 0;
  reverted = 0;
  /** Successful auto top-ups, so the campaign shows that the cap checks ran on real spending. */
  toppedUp = 0;
  /** Liveness outcomes that went through, so the campaign shows each path ran. */
  readonly outages = { reported: 0, refuted: 0, settled: 0 };
  /** Deferred bond payouts LeaseLiveness owes (BondPayoutDeferred minus BondWithdrawn). */
  private bondWithdrawable = 0n;
  readonly revertsByKind = new Map<string, number>();

  constructor(private readonly h: Harness) {}

  async run(actions: Action[]) {
    for (const action of actions) {
      await this.step(action);
    }
    await this.checkAllClosedLeases();
  }

  private async step(action: Action) {
    const { h } = this;
    const wanted = WANTED_STATUS[action.kind];
    // One call in eight goes to any lease at all, to keep exercising the wrong-state reverts.
    let candidates = wanted !== undefined && action.pick % 8 !== 0 ? this.leases.filter((l) => l.status === wanted) : this.leases;
    // Policies go to open leases (pending ones may opt in before acceptance); a top-up goes mostly to
    // leases with a policy, else nearly every one would be refused.
    if (action.kind === "setTopUpPolicy" && action.pick % 8 !== 0) {
      const unset = this.leases.filter((l) => l.open && !l.topUpPolicy);
      const running = unset.filter((l) => l.status === LeaseStatus.Active);
      candidates = running.length ? running : unset;
    }
    if (action.kind === "topUp" && action.pick % 8 !== 0) candidates = candidates.filter((l) => l.topUpPolicy);
    const pool = candidates.length ? candidates : this.leases;
    const lease = pool.length ? pool[action.pick % pool.length] : undefined;
    const leaseId = lease?.id ?? 1n;
    const offer = h.offers[action.pick % h.offers.length];
    const wrongCaller = action.wrongCaller ? h.renters[(action.pick + 1) % h.renters.length] : undefined;
    const asProvider = wrongCaller ?? lease?.provider ?? h.providers[0];
    const asRenter = wrongCaller ?? lease?.renter ?? h.renters[0];
    let result: { ok: boolean; logs: Log[] };
    switch (action.kind) {
      case "book": {
        const renter = h.renters[action.actor % h.renters.length];
        const price = (await this.read(h.registry.abi, h.registry.address, "getOffer", [offer.id])) as { spec: { pricePerGpuHour: bigint } };
        const maxPrice = action.priceTooLow ? price.spec.pricePerGpuHour - 1n : price.spec.pricePerGpuHour;
        result = await this.send(renter, h.escrow, "book", [offer.id, action.gpus, action.hours, maxPrice, "0xabcdef"]);
        break;
      }
      case "warp":
        await hre.network.provider.request({ method: "evm_increaseTime", params: [action.seconds] });
        await hre.network.provider.request({ method: "evm_mine", params: [] });
        result = { ok: true, logs: [] };
        break;
      case "accept":
        result = await this.send(asProvider, h.escrow, "accept", [leaseId, "0x01"]);
        break;
      case "decline":
      case "claim":
        result = await this.send(asProvider, h.escrow, action.kind, [leaseId]);
        break;
      case "reclaim":
      case "cancel":
        result = await this.send(asRenter, h.escrow, action.kind, [leaseId]);
        break;
      case "withdrawPending":
        // A renter taking back a booking still pending: the same `cancel`, aimed at pending leases.
        result = await this.send(asRenter, h.escrow, "cancel", [leaseId]);
        break;
      case "answerDispute":
        result = await this.send(asProvider, h.escrow, "answerDispute", [leaseId, `0x${"cd".repeat(32)}`, "ipfs://answer"]);
        break;
      case "extend": {
        const leaseOffer = lease ? BigInt(lease.offer) : offer.id;
        const current = (await this.read(h.registry.abi, h.registry.address, "getOffer", [leaseOffer])) as { spec: { pricePerGpuHour: bigint } };
        const maxPrice = action.priceTooLow ? current.spec.pricePerGpuHour - 1n : current.spec.pricePerGpuHour;
        result = await this.send(asRenter, h.escrow, "extend", [leaseId, action.hours, maxPrice]);
        break;
      }
      case "setTerms": {
        const slash = {
          noShowSlashBps: action.noShowSlashBps,
          disputeBondBps: action.disputeBondBps,
          maxSlashPerLease: BigInt(action.cap) * USDC,
          minSlashableDeposit: BigInt(action.minDeposit) * USDC,
        };
        const calls = [
          encodeFunctionData({ abi: h.escrow.abi, functionName: "setSlashTerms", args: [slash] }),
          encodeFunctionData({ abi: h.escrow.abi, functionName: "setDisputeTimeout", args: [BigInt(action.timeoutHours) * 3600n] }),
        ];
        const targets = [h.escrow.address, h.escrow.address];
        const salt = `0x${BigInt(this.calls + 1)
          .toString(16)
          .padStart(64, "0")}` as Hex;
        const early = await this.send(h.admin, h.escrow, "setSlashTerms", [slash]); // the old admin path is closed
        if (early.ok) throw new InvariantViolation("the deployer changed settings without the timelock");
        await this.send(h.admin, h.timelock, "scheduleBatch", [targets, [0n, 0n], calls, ZERO, salt, TIMELOCK_DELAY]);
        await hre.network.provider.request({ method: "evm_increaseTime", params: [Number(TIMELOCK_DELAY)] });
        result = await this.send(h.admin, h.timelock, "executeBatch", [targets, [0n, 0n], calls, ZERO, salt]);
        break;
      }
      case "openDispute":
        result = await this.send(asRenter, h.escrow, "openDispute", [leaseId, `0x${"ab".repeat(32)}`, "ipfs://x"]);
        break;
      case "complete":
      case "finalizeDispute":
        result = await this.send(h.renters[action.actor % h.renters.length], h.escrow, action.kind, [leaseId]);
        break;
      case "resolveDispute": {
        const onChain = (await this.read(h.escrow.abi, h.escrow.address, "getLease", [leaseId]).catch(() => undefined)) as
          | { deposit: bigint; paidGross: bigint }
          | undefined;
        const remaining = onChain ? onChain.deposit - onChain.paidGross : 0n;
        const toRenter = (remaining * BigInt(action.shareBps)) / 10_000n;
        const arbiter = action.wrongCaller ? h.renters[0] : h.arbiter;
        result = await this.send(arbiter, h.escrow, "resolveDispute", [
          leaseId,
          toRenter,
          remaining - toRenter,
          BigInt(action.slash) * USDC,
          action.renterRight,
        ]);
        break;
      }
      case "updatePrice":
        result = await this.send(offer.provider, h.registry, "updatePrice", [offer.id, BigInt(action.price) * 100_000n]);
        break;
      case "pauseOffer":
      case "resumeOffer":
        result = await this.send(offer.provider, h.registry, action.kind, [offer.id]);
        break;
      case "sweepFees":
        result = await this.send(h.renters[action.actor % h.renters.length], h.escrow, "sweepFees", []);
        break;
      case "withdraw": {
        const everyone = [...h.providers, ...h.renters, h.treasury];
        result = await this.send(everyone[action.actor % everyone.length], h.escrow, "withdraw", [h.token.address]);
        break;
      }
      case "setTopUpPolicy": {
        const leaseOffer = lease ? BigInt(lease.offer) : offer.id;
        const current = (await this.read(h.registry.abi, h.registry.address, "getOffer", [leaseOffer])) as { spec: { pricePerGpuHour: bigint } };
        const policy = {
          minSecondsLeft: action.minMinutes * 60,
          maxHoursPerTopUp: action.maxHoursPerTopUp,
          maxTotalSpend: BigInt(action.cap) * USDC,
          maxPricePerGpuHour: action.priceTooLow ? current.spec.pricePerGpuHour - 1n : current.spec.pricePerGpuHour,
        };
        result = await this.send(asRenter, h.topUps, "setPolicy", [leaseId, policy]);
        break;
      }
      case "revokeTopUp":
        result = await this.send(asRenter, h.topUps, "revoke", [leaseId]);
        break;
      case "topUp": {
        const everyone = [...h.providers, ...h.renters, h.treasury];
        result = await this.send(everyone[action.actor % everyone.length], h.topUps, "topUp", [leaseId]);
        break;
      }
      case "reportOutage": {
        const reporter = action.wrongCaller ? h.renters[(action.pick + 1) % h.renters.length] : action.viaWatcher ? h.watcher : asRenter;
        const latest = (await hre.network.provider.request({ method: "eth_getBlockByNumber", params: ["latest", false] })) as { timestamp: Hex };
        const now = BigInt(latest.timestamp);
        // The report lands in the next block, a second (or more) later.
        result = await this.send(reporter, h.liveness, "reportOutage", [leaseId, now + 1n - BigInt(action.lastSeenAgo)]);
        break;
      }
      case "refuteOutage": {
        const outage = (await this.read(h.liveness.abi, h.liveness.address, "outage", [leaseId])) as { reportBlock: bigint; provider: Address };
        let latest = BigInt((await hre.network.provider.request({ method: "eth_blockNumber", params: [] })) as Hex);
        if (action.proof !== "stale" && latest <= outage.reportBlock) {
          await hre.network.provider.request({ method: "evm_mine", params: [] });
          latest += 1n;
        }
        const blockNumber = action.proof === "stale" ? outage.reportBlock : latest;
        const block = (await hre.network.provider.request({ method: "eth_getBlockByNumber", params: [`0x${blockNumber.toString(16)}`, false] })) as {
          hash: Hex;
        };
        const signer = h.keys.get((action.proof === "foreign" ? h.renters[0] : (lease?.provider ?? h.providers[0])).toLowerCase())!;
        const signature = await livenessProofFor(signer, { leaseId, blockNumber, blockHash: block.hash }, { chainId: h.chainId, liveness: h.liveness.address });
        result = await this.send(h.renters[action.pick % h.renters.length], h.liveness, "refuteOutage", [leaseId, blockNumber, signature]);
        if (result.ok && action.proof !== "fresh") throw new InvariantViolation(`a ${action.proof} liveness proof refuted lease ${leaseId}`);
        break;
      }
      case "settleOutage": {
        const everyone = [...h.providers, ...h.renters, h.treasury];
        result = await this.send(everyone[action.actor % everyone.length], h.liveness, "settleOutage", [leaseId]);
        break;
      }
      case "approveReporter":
        result = await this.send(h.renters[action.actor % h.renters.length], h.liveness, "approveReporter", [h.watcher, action.approved]);
        break;
      case "withdrawTo": {
        const everyone = [...h.providers, ...h.renters, h.treasury];
        const from = everyone[action.actor % everyone.length];
        result = await this.send(from, h.escrow, "withdrawTo", [h.token.address, everyone[(action.actor + 1) % everyone.length]]);
        break;
      }
    }
    this.calls += 1;
    if (!result.ok) {
      this.reverted += 1;
      this.revertsByKind.set(action.kind, (this.revertsByKind.get(action.kind) ?? 0) + 1);
    }
    // Pull payouts and fee sweeps move money that no longer belongs to a lease.
    const attributable = ![
      "book",
      "withdraw",
      "withdrawTo",
      "sweepFees",
      "warp",
      "updatePrice",
      "pauseOffer",
      "resumeOffer",
      "setTerms",
      "approveReporter",
    ].includes(action.kind);
    await this.absorb(result.logs, attributable ? lease : undefined);
    await this.checkInvariants(action, lease, offer.id);
  }

  /** Updates the model from the events of one call; money is attributed to the touched lease. */
  private async absorb(logs: Log[], touched: LeaseModel | undefined) {
    const { h } = this;
    let slashedToRenter = 0n;
    const bondsPaid = new Map<string, bigint>();
    const received = new Map<string, bigint>();
    for (const log of logs) {
      const source = log.address.toLowerCase();
      if (source === h.timelock.address.toLowerCase()) continue;
      const abi =
        source === h.escrow.address.toLowerCase()
          ? h.escrow.abi
          : source === h.token.address.toLowerCase()
            ? h.token.abi
            : source === h.topUps.address.toLowerCase()
              ? h.topUps.abi
              : source === h.liveness.address.toLowerCase()
                ? h.liveness.abi
                : h.registry.abi;
      // Three contracts' events go through one switch, each case reading the fields of its own event.
      // biome-ignore lint/suspicious/noExplicitAny: the union of every event's args would need a cast per case instead
      const event = decodeEventLog({ abi: abi as Abi, data: log.data, topics: log.topics }) as { eventName: string; args: any };
      const args = event.args;
      switch (event.eventName) {
        case "LeaseBooked":
          this.leases.push({
            id: args.leaseId,
            offer: Number(args.offerId),
            renter: args.renter,
            provider: args.provider,
            gpus: args.gpus,
            deposit: args.deposit,
            providerNet: 0n,
            renterRefund: 0n,
            fees: 0n,
            open: true,
            status: LeaseStatus.Pending,
            bond: 0n,
            slashed: 0n,
          });
          touched = this.leases[this.leases.length - 1];
          {
            const terms = (await this.read(h.escrow.abi, h.escrow.address, "leaseTerms", [args.leaseId])) as { maxSlashPerLease: bigint };
            touched.terms = { maxSlashPerLease: terms.maxSlashPerLease, snapshot: stringify(terms) };
          }
          break;
        case "DisputeOpened":
          touched!.bond += args.bond;
          break;
        case "DisputeBondSettled":
          touched!.bond -= args.amount;
          bondsPaid.set(args.to.toLowerCase(), (bondsPaid.get(args.to.toLowerCase()) ?? 0n) + args.amount);
          break;
        case "LeaseExtended":
          touched!.deposit += args.extraDeposit;
          break;
        case "PolicySet":
        case "PolicyRevoked": {
          const model = this.leases.find((l) => l.id === args.leaseId);
          if (model) model.topUpPolicy = event.eventName === "PolicySet";
          break;
        }
        case "LeaseToppedUp": {
          this.toppedUp += 1;
          // 6. No top-up spends past the renter's cap or pays above the renter's price limit.
          const policy = (await this.read(h.topUps.abi, h.topUps.address, "policyOf", [args.leaseId])) as {
            maxTotalSpend: bigint;
            spent: bigint;
            maxPricePerGpuHour: bigint;
          };
          if (args.totalSpent !== policy.spent || policy.spent > policy.maxTotalSpend) {
            throw new InvariantViolation(`lease ${args.leaseId}: top-ups spent ${policy.spent} over the cap ${policy.maxTotalSpend}`);
          }
          if (args.cost > BigInt(touched!.gpus) * BigInt(args.extraHours) * policy.maxPricePerGpuHour) {
            throw new InvariantViolation(`lease ${args.leaseId}: top-up of ${args.extraHours} h cost ${args.cost}, above the price limit`);
          }
          break;
        }
        case "OutageReported":
          this.outages.reported += 1;
          touched!.outageBond = args.bond;
          break;
        case "OutageRefuted":
        case "OutageSettled": {
          const paidOut = event.eventName === "OutageRefuted" ? args.bond : args.bondReturned;
          // 7. A report's bond leaves LeaseLiveness once, whole: to the provider when refuted, else back to the reporter.
          if (paidOut !== touched!.outageBond) throw new InvariantViolation(`lease ${args.leaseId}: bond ${paidOut} paid out for ${touched!.outageBond} held`);
          touched!.outageBond = 0n;
          if (event.eventName === "OutageRefuted") this.outages.refuted += 1;
          else this.outages.settled += 1;
          break;
        }
        case "BondPayoutDeferred":
          this.bondWithdrawable += args.amount;
          break;
        case "BondWithdrawn":
          this.bondWithdrawable -= args.amount;
          break;
        case "Transfer":
          if (args.from.toLowerCase() === h.escrow.address.toLowerCase()) {
            received.set(args.to.toLowerCase(), (received.get(args.to.toLowerCase()) ?? 0n) + args.value);
          }
          break;
        case "PayoutDeferred":
          received.set(args.account.toLowerCase(), (received.get(args.account.toLowerCase()) ?? 0n) + args.amount);
          this.withdrawable.set(args.account, (this.withdrawable.get(args.account) ?? 0n) + args.amount);
          break;
        case "Withdrawn":
          this.withdrawable.set(args.account, (this.withdrawable.get(args.account) ?? 0n) - args.amount);
          break;
        case "ProviderSlashed":
          slashedToRenter += args.amount;
          break;
        case "LeaseClosed":
          if (args.providerTotal + args.renterRefund + args.feeTotal !== touched!.deposit) {
            throw new InvariantViolation(`LeaseClosed totals of lease ${args.leaseId} do not add up to the deposit ${touched!.deposit}`);
          }
          touched!.open = false;
          break;
      }
    }
    const fees = (await this.read(h.escrow.abi, h.escrow.address, "feesAccrued", [])) as bigint;
    const feeDelta = fees - this.feesAccrued;
    this.feesAccrued = fees;
    if (!touched) return;
    if (feeDelta > 0n) touched.fees += feeDelta;
    // A bond goes back to the party the ruling favours; it is not part of the lease's deposit.
    const bondTo = (who: Address) => bondsPaid.get(who.toLowerCase()) ?? 0n;
    touched.providerNet += (received.get(touched.provider.toLowerCase()) ?? 0n) - bondTo(touched.provider);
    touched.renterRefund += (received.get(touched.renter.toLowerCase()) ?? 0n) - slashedToRenter - bondTo(touched.renter);
    touched.slashed += slashedToRenter;
  }

  private async checkInvariants(action: Action, touched: LeaseModel | undefined, offerId: bigint) {
    const { h } = this;
    const fail = (message: string) => {
      throw new InvariantViolation(`after call ${this.calls} (${JSON.stringify(action)}): ${message}`);
    };
    // 1. Solvency: the escrow holds at least every open lease's unpaid deposit, the fees and the pull balances.
    const subject = touched ?? this.leases[this.leases.length - 1];
    const onChain = subject
      ? ((await this.read(h.escrow.abi, h.escrow.address, "getLease", [subject.id])) as { deposit: bigint; paidGross: bigint; status: LeaseStatus })
      : undefined;
    let owed = this.feesAccrued;
    for (const amount of this.withdrawable.values()) owed += amount;
    for (const lease of this.leases) {
      if (!lease.open) continue;
      // Only the touched lease can have changed; the others were checked against the chain when last touched.
      const paid = lease === subject && onChain ? onChain.paidGross : lease.providerNet + lease.fees;
      owed += lease.deposit - paid + lease.bond;
    }
    const balance = (await this.read(h.token.abi, h.token.address, "balanceOf", [h.escrow.address])) as bigint;
    if (balance < owed) fail(`escrow holds ${balance} but owes ${owed}`);
    // 6b. LeaseTopUps never keeps anything past the call that pulled it.
    const kept = (await this.read(h.token.abi, h.token.address, "balanceOf", [h.topUps.address])) as bigint;
    if (kept !== 0n) fail(`LeaseTopUps holds ${kept}`);
    // 7b. LeaseLiveness holds exactly the open reports' bonds and the deferred bond payouts: no money made or lost.
    const bonds = this.leases.reduce((sum, l) => sum + (l.outageBond ?? 0n), this.bondWithdrawable);
    const heldByLiveness = (await this.read(h.token.abi, h.token.address, "balanceOf", [h.liveness.address])) as bigint;
    if (heldByLiveness !== bonds) fail(`LeaseLiveness holds ${heldByLiveness} but owes ${bonds} in bonds`);

    if (subject && onChain) {
      // 2. Conservation: what left for the provider plus fees equals the gross paid; once closed, with the refund, the deposit.
      if (subject.providerNet + subject.fees !== onChain.paidGross) {
        fail(`lease ${subject.id}: provider got ${subject.providerNet} + fees ${subject.fees} != paidGross ${onChain.paidGross}`);
      }
      if (onChain.paidGross > onChain.deposit) fail(`lease ${subject.id}: paid ${onChain.paidGross} over deposit ${onChain.deposit}`);
      if (onChain.deposit !== subject.deposit) fail(`lease ${subject.id}: deposit ${onChain.deposit} != deposited ${subject.deposit}`);
      subject.status = onChain.status;
      // 5. Terms are fixed at booking (L-5), and no lease slashes more than its cap.
      const terms = await this.read(h.escrow.abi, h.escrow.address, "leaseTerms", [subject.id]);
      if (subject.terms && stringify(terms) !== subject.terms.snapshot) fail(`lease ${subject.id}: terms changed after booking`);
      if (subject.terms && subject.slashed > subject.terms.maxSlashPerLease) {
        fail(`lease ${subject.id}: slashed ${subject.slashed} over its cap ${subject.terms.maxSlashPerLease}`);
      }
      if (onChain.status === LeaseStatus.Closed && subject.bond !== 0n) fail(`closed lease ${subject.id} still holds a bond`);
      const closed = onChain.status === LeaseStatus.Closed;
      if (closed !== !subject.open) fail(`lease ${subject.id}: status ${onChain.status} but model open=${subject.open}`);
      if (closed) {
        if (subject.providerNet + subject.renterRefund + subject.fees !== subject.deposit) {
          fail(`lease ${subject.id}: provider ${subject.providerNet} + renter ${subject.renterRefund} + fees ${subject.fees} != deposit ${subject.deposit}`);
        }
        // 3. Closed leases never change.
        const snapshot = stringify(onChain);
        if (subject.closedSnapshot && subject.closedSnapshot !== snapshot) fail(`closed lease ${subject.id} changed`);
        subject.closedSnapshot = snapshot;
      }
    }
    // 4. Capacity: reserved units equal the open leases' GPUs and never exceed the offer.
    const capacityOffer = subject ? BigInt(subject.offer) : offerId;
    const offer = (await this.read(h.registry.abi, h.registry.address, "getOffer", [capacityOffer])) as { reservedUnits: number; spec: { gpuCount: number } };
    const reserved = this.leases.filter((l) => l.open && BigInt(l.offer) === capacityOffer).reduce((sum, l) => sum + l.gpus, 0);
    if (offer.reservedUnits !== reserved) fail(`offer ${capacityOffer}: reserved ${offer.reservedUnits} but open leases hold ${reserved}`);
    if (offer.reservedUnits > offer.spec.gpuCount) fail(`offer ${capacityOffer} over-booked`);
  }

  private async checkAllClosedLeases() {
    for (const lease of this.leases) {
      if (!lease.closedSnapshot) continue;
      const onChain = await this.read(this.h.escrow.abi, this.h.escrow.address, "getLease", [lease.id]);
      if (stringify(onChain) !== lease.closedSnapshot) throw new InvariantViolation(`closed lease ${lease.id} changed`);
    }
  }

  private async send(from: Address, contract: { address: Address; abi: Abi }, functionName: string, args: unknown[]) {
    const data = encodeFunctionData({ abi: contract.abi, functionName, args } as never) as Hex;
    try {
      const hash = (await hre.network.provider.request({
        method: "eth_sendTransaction",
        params: [{ from, to: contract.address, data, gas: GAS }],
      })) as Hex;
      const receipt = (await hre.network.provider.request({ method: "eth_getTransactionReceipt", params: [hash] })) as { logs: Log[] };
      return { ok: true, logs: receipt.logs };
    } catch (error) {
      if (process.env.INVARIANT_DEBUG) console.log(functionName, (error as Error).message.split("\n")[0]);
      return { ok: false, logs: [] as Log[] };
    }
  }

  private async read(abi: Abi | readonly unknown[], address: Address, functionName: string, args: unknown[]) {
    const data = encodeFunctionData({ abi: abi as Abi, functionName, args } as never);
    const result = (await hre.network.provider.request({ method: "eth_call", params: [{ to: address, data }, "latest"] })) as Hex;
    return decodeFunctionResult({ abi: abi as Abi, functionName, data: result } as never);
  }
}

function stringify(value: unknown) {
  return JSON.stringify(value, (_key, v) => (typeof v === "bigint" ? v.toString() : v));
}
