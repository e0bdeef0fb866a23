import { parseAbi, type Address } from "viem";
import { ApiError } from "@/lib/api";
import { serverPublicClient } from "./chain";
import { loadDeployment } from "./deployment";
import { readRuntimeConfig } from "./runtime-config";
import { readCookie, readSession, SESSION_COOKIE, type AdminSession } from "./session";

const accessControlAbi = parseAbi(["function ARBITER_ROLE() view returns (bytes32)", "function hasRole(bytes32 role, address account) view returns (bool)"]);

/** Asks the escrow contract, every time: a revoked arbiter loses access on their next request. */
export async function isArbiter(address: Address): Promise<boolean> {
  const { CHAIN_ID } = readRuntimeConfig();
  const deployment = await loadDeployment(CHAIN_ID);
  if (!deployment) throw new ApiError(503, "no_deployment", `No Gridlease deployment is indexed for chain ${CHAIN_ID} yet.`);
  const client = serverPublicClient();
  const role = await client.readContract({ address: deployment.leaseEscrow, abi: accessControlAbi, functionName: "ARBITER_ROLE" });
  return client.readContract({ address: deployment.leaseEscrow, abi: accessControlAbi, functionName: "hasRole", args: [role, address] });
}

/** The signed-in arbiter, or a 401 (no/expired session) / 403 (role missing now). */
export async function requireArbiterSession(request: Request): Promise<AdminSession> {
  const session = await readSession(readCookie(request, SESSION_COOKIE));
  const { CHAIN_ID } = readRuntimeConfig();
  if (!session || session.chainId !== CHAIN_ID) throw new ApiError(401, "not_signed_in", "Sign in with Ethereum first.");
  if (!(await isArbiter(session.address))) {
    throw new ApiError(403, "not_arbiter", `${session.address} does not hold the arbiter role on the escrow contract.`);
  }
  return session;
}
