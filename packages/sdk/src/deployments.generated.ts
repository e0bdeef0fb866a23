// Written by scripts/deploy.ts (`pnpm deploy:contracts`); the deploy script rewrites it.
import type { Address } from "viem";

export interface DeployedContractRecord {
  readonly address: Address;
  readonly deployBlock: bigint;
}

export interface DeploymentRecord {
  readonly token: DeployedContractRecord;
  readonly registry: DeployedContractRecord;
  readonly escrow: DeployedContractRecord;
  /** LeaseTopUps (absent only in records written before it existed). */
  readonly topUps?: DeployedContractRecord;
  /** LeaseLiveness, created by the escrow (absent only in records written before it existed). */
  readonly liveness?: DeployedContractRecord;
  /** Blocks the indexer treats as reorg-able on this chain (FINALITY_DEPTH at deploy time; packages/sdk/src/chains.ts). */
  readonly finalityDepth?: number;
}

export const deployments = {
  31337: {
    token: { address: "0x5FbDB2315678afecb367f032d93F642f64180aa3", deployBlock: 1n },
    registry: { address: "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512", deployBlock: 2n },
    escrow: { address: "0x5FC8d32690cc91D4c39d9d3abcBD16989F875707", deployBlock: 6n },
    topUps: { address: "0x9A676e781A523b5d0C0e43731313A708CB607508", deployBlock: 15n },
    liveness: { address: "0x61c36a8d610163660E21a8b7359e1Cac0C9133e1", deployBlock: 6n },
    finalityDepth: 12,
  },
} as const satisfies Record<number, DeploymentRecord>;

export type DeployedChainId = keyof typeof deployments;

/** The recorded deployment for `chainId`; throws if the contracts were never deployed there. */
export function getDeployment(chainId: number): DeploymentRecord {
  const deployment = (deployments as Record<number, DeploymentRecord | undefined>)[chainId];
  if (!deployment) {
    const known = Object.keys(deployments).join(", ") || "none";
    throw new Error(
      `No Gridlease deployment is recorded for chain id ${chainId} (known: ${known}). Run \`pnpm deploy:contracts\` against that chain first.`,
    );
  }
  return deployment;
}
