/**
 * `pnpm bench:gas`: gas of every user-facing call with 1 and with 1,000 existing offers and leases,
 * on the in-process Hardhat network. Prints a markdown table (copied into docs/benchmarks.md).
 */
import hre from "hardhat";
import { hexToSignature, keccak256, stringToHex } from "viem";
import type { Hash } from "viem";
import { ARBITER_ROLE, PERMIT_TYPES } from "../packages/sdk/src/protocol";
import { LIVENESS_CONFIG, SLASH_TERMS, deployEscrow, offerSpec, PRICE, USDC } from "../test/helpers/fixtures";
import { livenessProofFor } from "../packages/sdk/src/liveness";

const SEALED_REQUEST = `0x${"ab".repeat(172)}` as const; // typical sealed-box size
const SEALED_ACCESS = `0x${"cd".repeat(140)}` as const;
const KEY = keccak256(stringToHex("bench key"));
const BACKGROUND_SIZES = [1, 1_000];

const spec = (gpuCount = 8) => offerSpec({ gpuCount });

async function measure(background: number) {
  const publicClient = await hre.viem.getPublicClient();
  const [admin, arbiter, treasury, provider, renter, crowdProvider, crowdRenter, coldProvider, coldRenter, coldProvider2, coldRenter2] =
    await hre.viem.getWalletClients();
  const token = await hre.viem.deployContract("MockUSDC");
  const registry = await hre.viem.deployContract("ProviderRegistry", [token.address, 100n * USDC, 7n * 86_400n, admin.account.address, 0]);
  const escrow = await deployEscrow("LeaseEscrow", [
    registry.address,
    {
      admin: admin.account.address,
      adminDelay: 0,
      treasury: treasury.account.address,
      feeBps: 250,
      acceptWindow: 900n,
      disputeGrace: 86_400n,
      disputeTimeout: 3n * 86_400n,
      slash: SLASH_TERMS,
      liveness: LIVENESS_CONFIG,
    },
  ]);
  await registry.write.setEscrow([escrow.address]);
  await escrow.write.setTokenAllowed([token.address, true]);
  await escrow.write.grantRole([ARBITER_ROLE, arbiter.account.address]);
  for (const wallet of [provider, renter, crowdProvider, crowdRenter]) {
    await token.write.faucet([wallet.account.address, 1_000_000n * USDC]);
    await token.write.approve([registry.address, 2n ** 255n], { account: wallet.account });
    await token.write.approve([escrow.address, 2n ** 255n], { account: wallet.account });
  }

  // Background: `background` offers, each with one accepted lease, from other accounts.
  await registry.write.register([100n * USDC, KEY, ""], { account: crowdProvider.account });
  for (let i = 0; i < background; i++) {
    await registry.write.listOffer([spec(2)], { account: crowdProvider.account });
    const offerId = BigInt(i + 1);
    await escrow.write.book([offerId, 1, 24, PRICE, SEALED_REQUEST], { account: crowdRenter.account });
    await escrow.write.accept([offerId, SEALED_ACCESS], { account: crowdProvider.account });
  }

  const gas: Record<string, bigint> = {};
  const record = async (name: string, hash: Promise<Hash>) => {
    const receipt = await publicClient.waitForTransactionReceipt({ hash: await hash });
    gas[name] = receipt.gasUsed;
  };
  const increase = (seconds: number) => hre.network.provider.request({ method: "evm_increaseTime", params: [seconds] });

  await record("register", registry.write.register([200n * USDC, KEY, "ipfs://provider"], { account: provider.account }));
  await record("listOffer", registry.write.listOffer([spec(8)], { account: provider.account }));
  const offerId = BigInt(background + 1);
  const leaseBase = BigInt(background);

  await record("book (approve)", escrow.write.book([offerId, 2, 10, PRICE, SEALED_REQUEST], { account: renter.account }));
  await token.write.approve([escrow.address, 0n], { account: renter.account });
  const bookWithPermit = async () => {
    const deadline = BigInt((await publicClient.getBlock()).timestamp) + 3600n;
    const nonce = await token.read.nonces([renter.account.address]);
    const signature = await renter.signTypedData({
      account: renter.account,
      domain: { name: "Mock USD Coin", version: "1", chainId: 31337, verifyingContract: token.address },
      types: PERMIT_TYPES,
      primaryType: "Permit",
      message: { owner: renter.account.address, spender: escrow.address, value: 2n * 10n * PRICE, nonce, deadline },
    });
    const { v, r, s } = hexToSignature(signature);
    return escrow.write.bookWithPermit([offerId, 2, 10, PRICE, SEALED_REQUEST, deadline, Number(v), r, s], {
      account: renter.account,
    });
  };
  // An account's first permit also pays for its nonce slot going from zero (≈ 17k more).
  await record("book (permit, account's first permit)", bookWithPermit());
  await record("book (permit)", bookWithPermit());
  await token.write.approve([escrow.address, 2n ** 255n], { account: renter.account });
  const [leaseA, leaseB] = [leaseBase + 1n, leaseBase + 2n]; // lease +3 (second permit booking) stays pending

  await record("accept", escrow.write.accept([leaseA, SEALED_ACCESS], { account: provider.account }));
  await escrow.write.accept([leaseB, SEALED_ACCESS], { account: provider.account });
  await increase(600);
  await escrow.write.claim([leaseA], { account: provider.account }); // first claim pays the cold fee counter
  await increase(600);
  await record("claim", escrow.write.claim([leaseA], { account: provider.account }));
  await record("extend", escrow.write.extend([leaseA, 5, PRICE], { account: renter.account }));
  // Auto top-up (LeaseTopUps): the renter's policy, then a keeper's top-ups of 2 GPUs, paid by the renter.
  const topUps = await hre.viem.deployContract("LeaseTopUps", [escrow.address]);
  await token.write.approve([topUps.address, 2n ** 255n], { account: renter.account });
  const policy = { minSecondsLeft: 16 * 3600, maxHoursPerTopUp: 0, maxTotalSpend: 1_000n * USDC, maxPricePerGpuHour: PRICE };
  await record("setPolicy (auto top-up)", topUps.write.setPolicy([leaseA, policy], { account: renter.account }));
  await record("topUp (first, 2 h)", topUps.write.topUp([leaseA], { account: crowdRenter.account }));
  await increase(3600);
  await record("topUp (later, 1 h)", topUps.write.topUp([leaseA], { account: crowdRenter.account }));
  await increase(600);
  await record("cancel", escrow.write.cancel([leaseA], { account: renter.account }));
  await record("openDispute", escrow.write.openDispute([leaseB, KEY, "ipfs://evidence"], { account: renter.account }));
  const lease = await escrow.read.getLease([leaseB]);
  const remaining = lease.deposit - lease.paidGross;
  await record(
    "resolveDispute",
    escrow.write.resolveDispute([leaseB, remaining / 2n, remaining - remaining / 2n, 5n * USDC, true], { account: arbiter.account }),
  );
  await escrow.write.book([offerId, 1, 1, PRICE, SEALED_REQUEST], { account: renter.account });
  await escrow.write.accept([leaseBase + 4n, SEALED_ACCESS], { account: provider.account });
  await increase(3600);
  await record("complete", escrow.write.complete([leaseBase + 4n]));

  // Cold recipients (L-3): a payout to an account holding no tokens writes a fresh balance slot (≈ 17k more).
  // Each cold account is funded with exactly what it stakes or deposits, so it holds zero when paid.
  const deposit = 2n * 10n * PRICE;
  const coldOffer = async (wallet: typeof provider) => {
    await token.write.faucet([wallet.account.address, 100n * USDC]);
    await token.write.approve([registry.address, 2n ** 255n], { account: wallet.account });
    await registry.write.register([100n * USDC, KEY, ""], { account: wallet.account });
    await registry.write.listOffer([spec(8)], { account: wallet.account });
    return (await registry.read.nextOfferId()) - 1n;
  };
  const coldBooking = async (wallet: typeof renter, offer: bigint, providerWallet: typeof provider) => {
    await token.write.faucet([wallet.account.address, deposit]);
    await token.write.approve([escrow.address, 2n ** 255n], { account: wallet.account });
    await escrow.write.book([offer, 2, 10, PRICE, SEALED_REQUEST], { account: wallet.account });
    const id = (await escrow.read.nextLeaseId()) - 1n;
    await escrow.write.accept([id, SEALED_ACCESS], { account: providerWallet.account });
    return id;
  };
  const offerC = await coldOffer(coldProvider);
  const leaseC = await coldBooking(coldRenter, offerC, coldProvider);
  await increase(600);
  await record("claim (provider holds 0)", escrow.write.claim([leaseC], { account: coldProvider.account }));
  await increase(600);
  await record("cancel (renter holds 0)", escrow.write.cancel([leaseC], { account: coldRenter.account }));
  const offerD = await coldOffer(coldProvider2);
  const leaseD = await coldBooking(coldRenter2, offerD, coldProvider2);
  await increase(600);
  await record("cancel (both hold 0)", escrow.write.cancel([leaseD], { account: coldRenter2.account }));

  // Liveness (issue 15): the renter reports an outage, the provider's agent refutes it, a second report is
  // settled after the window (the lease closes as ProviderOffline with the no-show penalty).
  const liveness = await hre.viem.getContractAt("LeaseLiveness", await escrow.read.liveness());
  await token.write.approve([liveness.address, 2n ** 255n], { account: renter.account });
  await escrow.write.book([offerId, 2, 10, PRICE, SEALED_REQUEST], { account: renter.account });
  const leaseE = (await escrow.read.nextLeaseId()) - 1n;
  await escrow.write.accept([leaseE, SEALED_ACCESS], { account: provider.account });
  await increase(600);
  // `increase` only moves the next block's time: mine one so "now" is the time the report will see.
  const lastSeen = async (ago: bigint) => {
    await hre.network.provider.request({ method: "evm_mine", params: [] });
    return BigInt((await publicClient.getBlock()).timestamp) - ago;
  };
  await record("reportOutage", liveness.write.reportOutage([leaseE, await lastSeen(30n)], { account: renter.account }));
  const { reportBlock } = await liveness.read.outage([leaseE]);
  await hre.network.provider.request({ method: "evm_mine", params: [] });
  const proofBlock = await publicClient.getBlock({ blockNumber: reportBlock + 1n });
  const proof = { leaseId: leaseE, blockNumber: proofBlock.number, blockHash: proofBlock.hash };
  const signature = await livenessProofFor(provider, proof, { chainId: await publicClient.getChainId(), liveness: liveness.address });
  await record("refuteOutage", liveness.write.refuteOutage([leaseE, proof.blockNumber, signature], { account: provider.account }));
  await increase(600);
  await liveness.write.reportOutage([leaseE, await lastSeen(30n)], { account: renter.account });
  await increase(LIVENESS_CONFIG.challengeWindow + 1);
  await record("settleOutage", liveness.write.settleOutage([leaseE], { account: crowdRenter.account }));
  return gas;
}

async function main() {
  const results: Record<string, bigint>[] = [];
  for (const background of BACKGROUND_SIZES) {
    const snapshot = await hre.network.provider.request({ method: "evm_snapshot", params: [] });
    const started = Date.now();
    results.push(await measure(background));
    console.error(`bench-gas: measured with ${background} existing offers/leases in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    await hre.network.provider.request({ method: "evm_revert", params: [snapshot] });
  }
  const targets: Record<string, number> = {
    "book (approve)": 150_000,
    "book (permit)": 150_000,
    claim: 60_000,
    cancel: 90_000,
    "claim (provider holds 0)": 80_000,
    "cancel (renter holds 0)": 115_000,
    // Two fresh token balance slots (≈ 2 × 17k) are the token's cost, not the escrow's: stated, not squeezed.
    "cancel (both hold 0)": 125_000,
    // extend (≈ 86k) plus reading the lease and the offer, the allowance check and passing the money through.
    "topUp (later, 1 h)": 135_000,
  };
  // Ids above 255 cost a few more calldata bytes (16 gas each instead of 4); anything beyond that is not flat.
  const FLAT_TOLERANCE = 100n;
  console.log(`| call | gas, ${BACKGROUND_SIZES[0]} existing | gas, ${BACKGROUND_SIZES[1].toLocaleString("en")} existing | target |`);
  console.log("| --- | ---: | ---: | ---: |");
  let failed = false;
  for (const name of Object.keys(results[0])) {
    const [small, large] = results.map((r) => r[name]);
    const target = targets[name];
    if (target && (small > BigInt(target) || large > BigInt(target))) failed = true;
    const spread = large > small ? large - small : small - large;
    if (spread > FLAT_TOLERANCE) {
      console.error(`bench-gas: ${name} is not flat (${small} vs ${large})`);
      failed = true;
    }
    console.log(`| ${name} | ${small.toLocaleString("en")} | ${large.toLocaleString("en")} | ${target ? `≤ ${target.toLocaleString("en")}` : ""} |`);
  }
  if (failed) {
    console.error("bench-gas: a gas target was missed or a call grew with the number of offers/leases");
    process.exitCode = 1;
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
