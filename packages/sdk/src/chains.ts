import type { Account, Address, Chain, Transport, WalletClient } from "viem";
import { LOCAL_CHAIN_ID } from "./protocol";

/**
 * What a deployment needs to know about a public chain: the payment token the escrow takes (Circle's
 * native USDC there, 6 decimals — never a bridged variant, never a mock) and how many blocks the
 * indexer treats as reorg-able (its finality depth). One table, read by the deploy script
 * (scripts/deploy.ts, PAYMENT_TOKEN / FINALITY_DEPTH override it) and the indexer (its FINALITY_DEPTH
 * default). Check an address against Circle's list (developers.circle.com, "USDC contract addresses")
 * before a first deploy; the deploy script also checks that the token exists and has 6 decimals.
 *
 * Finality depths are conservative reorg bounds, not the chain's own "finalized" tag: Ethereum and its
 * testnet finalize after two epochs (64 blocks); OP-stack chains (2 s blocks) and Arbitrum (≈0.25 s
 * blocks) after their batch is final on L1, about 20 minutes; Polygon PoS has reorged over 100 blocks
 * before its milestones; Avalanche finalizes in one block (a few kept for RPC replicas that lag).
 */
/**
 * A wallet client that signs with its own account (a private key or the local mnemonic), as each
 * service that sends transactions holds one; `C` is `Chain` when the client was created with a chain.
 */
export type SigningWalletClient<C extends Chain | undefined = Chain> = WalletClient<Transport, C, Account>;

export interface ChainProfile {
  chainId: number;
  name: string;
  usdc: Address;
  finalityDepth: number;
  /** The chain's block explorer with an Etherscan-compatible API (for VERIFY_API_URL); informative. */
  explorerApiUrl?: string;
}

export const CHAIN_PROFILES: Readonly<Record<number, ChainProfile>> = {
  1: {
    chainId: 1,
    name: "Ethereum",
    usdc: "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48",
    finalityDepth: 64,
    explorerApiUrl: "https://api.etherscan.io/v2/api?chainid=1",
  },
  10: {
    chainId: 10,
    name: "OP Mainnet",
    usdc: "0x0b2C639c533813f4Aa9D7837CAf62653d097Ff85",
    finalityDepth: 600,
    explorerApiUrl: "https://api.etherscan.io/v2/api?chainid=10",
  },
  137: {
    chainId: 137,
    name: "Polygon PoS",
    usdc: "0x3c499c542cEF5E3811e1192ce70d8cC03d5c3359",
    finalityDepth: 256,
    explorerApiUrl: "https://api.etherscan.io/v2/api?chainid=137",
  },
  8453: {
    chainId: 8453,
    name: "Base",
    usdc: "0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913",
    finalityDepth: 600,
    explorerApiUrl: "https://api.etherscan.io/v2/api?chainid=8453",
  },
  42161: {
    chainId: 42161,
    name: "Arbitrum One",
    usdc: "0xaf88d065e77c8cC2239327C5EDb3A432268e5831",
    finalityDepth: 4800,
    explorerApiUrl: "https://api.etherscan.io/v2/api?chainid=42161",
  },
  43114: {
    chainId: 43114,
    name: "Avalanche C-Chain",
    usdc: "0xB97EF9Ef8734C71904D8002F8b6Bc66Dd9c48a6E",
    finalityDepth: 4,
    explorerApiUrl: "https://api.etherscan.io/v2/api?chainid=43114",
  },
  11155111: {
    chainId: 11155111,
    name: "Sepolia",
    usdc: "0x1c7D4B196Cb0C7B01d743Fbc6116a902379C7238",
    finalityDepth: 64,
    explorerApiUrl: "https://api.etherscan.io/v2/api?chainid=11155111",
  },
  84532: {
    chainId: 84532,
    name: "Base Sepolia",
    usdc: "0x036CbD53842c5426634e7929541eC2318f3dCF7e",
    finalityDepth: 600,
    explorerApiUrl: "https://api.etherscan.io/v2/api?chainid=84532",
  },
  421614: {
    chainId: 421614,
    name: "Arbitrum Sepolia",
    usdc: "0x75faf114eafb1BDbe2F0316DF893fd58CE46AA4d",
    finalityDepth: 4800,
    explorerApiUrl: "https://api.etherscan.io/v2/api?chainid=421614",
  },
};

/** The local chain's finality depth: anvil and Hardhat never reorg by themselves; tests reorg on purpose within it. */
export const LOCAL_FINALITY_DEPTH = 12;

export function chainProfile(chainId: number): ChainProfile | undefined {
  return CHAIN_PROFILES[chainId];
}

/**
 * The finality depth the indexer uses for a chain: the one recorded at deploy time (FINALITY_DEPTH
 * given to `pnpm deploy:contracts`), else the table's, else the local default. Undefined for an
 * unknown public chain: the operator must say (FINALITY_DEPTH) rather than get a guess.
 */
export function finalityDepthFor(chainId: number, recorded?: number): number | undefined {
  if (recorded !== undefined) return recorded;
  if (chainId === LOCAL_CHAIN_ID) return LOCAL_FINALITY_DEPTH;
  return CHAIN_PROFILES[chainId]?.finalityDepth;
}
