/**
 * Access details of the local demo's sandbox provisioner (apps/agent/examples/sandbox): no SSH, a
 * command to run in a terminal on the machine running `npm start`. A command from a provider is shown as
 * something to run only when it can be nothing else than that provisioner's `enter` file: on the local
 * development chain, an absolute path of inert characters ending in `/lease-<this lease>/enter`. Anywhere
 * else it stays labelled provider text, since pasting a provider's command into a shell runs their code.
 */
import { LOCAL_CHAIN_ID } from "@gridlease/sdk/protocol";

const ENTER_PATH = /^\/[-A-Za-z0-9_./]*\/lease-(\d+)\/enter$/;

export function localSandboxCommand(access: Record<string, unknown>, chainId: number, leaseId: bigint): string | undefined {
  if (chainId !== LOCAL_CHAIN_ID || access.kind !== "local-sandbox" || typeof access.command !== "string") return undefined;
  const match = ENTER_PATH.exec(access.command);
  if (!match || access.command.split("/").includes("..") || BigInt(match[1]!) !== leaseId) return undefined;
  return access.command;
}
