import { parseSignature, type Address, type Hex } from "viem";
import type { Config } from "wagmi";
import { getBlock, readContract, signTypedData, simulateContract, writeContract } from "wagmi/actions";
import { PERMIT_TYPES } from "@gridlease/sdk/offers";
import { mockUsdcAbi } from "./contracts";

export interface PermitSignature {
  deadline: bigint;
  v: number;
  r: Hex;
  s: Hex;
}

/** EIP-2612 permit over the token's own EIP-712 domain (read via EIP-5267, not assumed). */
export async function signPermit(
  config: Config,
  params: { token: Address; owner: Address; spender: Address; value: bigint; validForSeconds?: number },
): Promise<PermitSignature> {
  const [nonce, domain, pending] = await Promise.all([
    readContract(config, { address: params.token, abi: mockUsdcAbi, functionName: "nonces", args: [params.owner] }),
    readContract(config, { address: params.token, abi: mockUsdcAbi, functionName: "eip712Domain" }),
    getBlock(config, { blockTag: "pending" }),
  ]);
  const [, name, version, chainId, verifyingContract] = domain;
  // The token checks the deadline against the chain's clock, which need not match this computer's.
  const deadline = pending.timestamp + BigInt(params.validForSeconds ?? 30 * 60);
  const signature = await signTypedData(config, {
    domain: { name, version, chainId: Number(chainId), verifyingContract },
    types: PERMIT_TYPES,
    primaryType: "Permit",
    message: { owner: params.owner, spender: params.spender, value: params.value, nonce, deadline },
  });
  const { r, s, v, yParity } = parseSignature(signature);
  return { deadline, r, s, v: v !== undefined ? Number(v) : yParity + 27 };
}

/** Approves `spender` for `amount` when the current allowance is lower (the approve path of a payment). */
export async function ensureAllowance(
  config: Config,
  params: { token: Address; owner: Address; spender: Address; amount: bigint },
  track: (hash: Hex, label?: string) => Promise<unknown>,
): Promise<void> {
  const allowance = await readContract(config, { address: params.token, abi: mockUsdcAbi, functionName: "allowance", args: [params.owner, params.spender] });
  if (allowance >= params.amount) return;
  const { request } = await simulateContract(config, {
    address: params.token,
    abi: mockUsdcAbi,
    functionName: "approve",
    args: [params.spender, params.amount],
    account: params.owner,
  });
  await track(await writeContract(config, request), "Token approval");
}
