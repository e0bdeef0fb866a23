import { hexToSignature } from "viem";
import type { Address } from "viem";
import type { System } from "./fixtures";

import { PERMIT_TYPES } from "../../packages/sdk/src/protocol";

// The sdk's one definition; ts-node compiles packages/sdk as CommonJS for Hardhat (root tsconfig.json).
export { PERMIT_TYPES };

type Wallet = System["renter"];

/** Signs an EIP-2612 permit for MockUSDC and splits it into the (v, r, s) the contracts take. */
export async function signPermit(system: System, owner: Wallet, spender: Address, value: bigint, deadline: bigint) {
  const nonce = await system.token.read.nonces([owner.account.address]);
  const signature = await owner.signTypedData({
    account: owner.account,
    domain: { name: "Mock USD Coin", version: "1", chainId: 31337, verifyingContract: system.token.address },
    types: PERMIT_TYPES,
    primaryType: "Permit",
    message: { owner: owner.account.address, spender, value, nonce, deadline },
  });
  const { v, r, s } = hexToSignature(signature);
  return { v: Number(v), r, s };
}
