/**
 * A local chain for working on the web app: a Hardhat node on RPC_PORT (default 8745) with the
 * Gridlease contracts deployed by Hardhat account #0 (arbiter #1, treasury #2). Runs until Ctrl-C.
 * Unlike scripts/deploy.ts it does not rewrite packages/sdk/src/deployments.generated.ts; Hardhat's
 * deterministic addresses make the recorded ones match anyway.
 */
import { spawn } from "node:child_process";
import { join } from "node:path";
import { createPublicClient, createWalletClient, http } from "viem";
import { mnemonicToAccount } from "viem/accounts";
import { hardhat } from "viem/chains";
import { deployGridlease } from "@gridlease/sdk/deploy";
import { HARDHAT_MNEMONIC } from "../lib/wallet/dev-accounts";

const port = Number(process.env.RPC_PORT ?? 8745);
const root = join(import.meta.dirname, "../../..");
const node = spawn(join(root, "node_modules/.bin/hardhat"), ["node", "--hostname", "127.0.0.1", "--port", String(port)], {
  cwd: root,
  stdio: ["ignore", "pipe", "inherit"],
});
node.stdout.resume();
const rpcUrl = `http://127.0.0.1:${port}`;
const chain = { ...hardhat, rpcUrls: { default: { http: [rpcUrl] } } };
const publicClient = createPublicClient({ chain, transport: http(rpcUrl) });
for (let i = 0; ; i++) {
  try {
    await publicClient.getChainId();
    break;
  } catch {
    if (i > 120) throw new Error("Hardhat node did not start");
    await new Promise((r) => setTimeout(r, 500));
  }
}
const account = (index: number) => mnemonicToAccount(HARDHAT_MNEMONIC, { addressIndex: index });
const walletClient = createWalletClient({ account: account(0), chain, transport: http(rpcUrl) });
const deployment = await deployGridlease({ walletClient, publicClient, arbiter: account(1).address, treasury: account(2).address, log: console.log });
console.log(JSON.stringify(deployment, (_k, v) => (typeof v === "bigint" ? v.toString() : v)));
console.log(`ready ${rpcUrl}`);
const stop = () => {
  node.kill("SIGTERM");
  process.exit(0);
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
