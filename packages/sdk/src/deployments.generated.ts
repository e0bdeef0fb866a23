// Written by scripts/deploy.ts (`pnpm deploy:contracts`); the deploy script rewrites it.
import type { Address, Hash } from "viem";

export interface DeployedContractRecord {
  readonly address: Address;
  readonly deployBlock: bigint;
}

export interface DeploymentRecord {
  readonly token: DeployedContractRecord;
  readonly registry: DeployedContractRecord;
  readonly escrow: DeployedContractRecord;
  /** Hash of the registry's deploy block. */
  readonly deployBlockHash: Hash;
}

export const deployments = {
  31337: {
    token: { address: "0x5fbdb2315678afecb367f032d93f642f64180aa3", deployBlock: 1n },
    registry: { address: "0xe7f1725e7734ce288f8367e1bb143e90bb3f0512", deployBlock: 2n },
    escrow: { address: "0x9fe46736679d2d9a65f0992f2272de9f3c7fa6e0", deployBlock: 3n },
    deployBlockHash: "0xdc36be0d69b3737dde9d79c11610aefae7e5df72054dd7d2746b72b3511b09bc",
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
