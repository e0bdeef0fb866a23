import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPublicClient, createWalletClient, http, type PublicClient } from "viem";
import { mnemonicToAccount } from "viem/accounts";
import { hardhat } from "viem/chains";
import { closeDatabaseClients, getPool } from "@gridlease/db/client";
import { startTempPostgres } from "@gridlease/db/embedded";
import { runMigrations } from "@gridlease/db/migrate";
import { leaseLivenessAbi } from "@gridlease/sdk/contracts.generated";
import { deployGridlease, type GridleaseDeployment } from "@gridlease/sdk/deploy";
import { LOCAL_WATCHER_ACCOUNT_INDEX } from "@gridlease/sdk/liveness";
import { startHardhatNode, type HardhatNode } from "@gridlease/sdk/local-chain";
import { HARDHAT_MNEMONIC } from "@gridlease/sdk/protocol";
import { loadDeployment } from "@/lib/server/deployment";

/**
 * What the rentals page's "Let the Gridlease watcher report outages for me" toggle is built from
 * (issue 15): the escrow's LeaseLiveness read from the chain, and the watcher's address (WATCHER_ADDRESS,
 * or on the local chain the development watcher that `npm start` runs), against a real node and PostgreSQL.
 */
const account = (index: number) => mnemonicToAccount(HARDHAT_MNEMONIC, { addressIndex: index });
let node: HardhatNode;
let postgres: Awaited<ReturnType<typeof startTempPostgres>>;
let client: PublicClient;
let deployment: GridleaseDeployment;

beforeAll(async () => {
  [node, postgres] = await Promise.all([startHardhatNode(), startTempPostgres("gridlease-watcher-config-")]);
  await runMigrations(postgres.url);
  Object.assign(process.env, { DATABASE_URL: postgres.url, RPC_URL: node.url, CHAIN_ID: "31337" });
  const chain = { ...hardhat, rpcUrls: { default: { http: [node.url] } } };
  client = createPublicClient({ chain, transport: http(node.url) }) as PublicClient;
  deployment = await deployGridlease({ walletClient: createWalletClient({ account: account(0), chain, transport: http(node.url) }), publicClient: client });
  // The web app describes the deployment the indexer mirrors (its cursor).
  await getPool().query(
    `insert into indexer_cursor (chain_id, registry_address, escrow_address, deploy_block, deploy_block_hash, block_number, block_hash, finalized_block)
     values (31337, $1, $2, 1, '0x', 1, '0x', 0)`,
    [deployment.registry.address.toLowerCase(), deployment.escrow.address.toLowerCase()],
  );
}, 180_000);

afterAll(async () => {
  delete process.env.WATCHER_ADDRESS;
  await closeDatabaseClients();
  await Promise.all([node?.stop(), postgres?.stop()]);
});

describe("the outage watcher toggle's configuration", () => {
  it("names the escrow's LeaseLiveness and, on the local chain, the development watcher", async () => {
    const contracts = await loadDeployment(31337);
    expect(contracts?.leaseLiveness).toBe(deployment.liveness.address);
    expect(contracts?.watcher).toBe(account(LOCAL_WATCHER_ACCOUNT_INDEX).address);
  });

  it("names WATCHER_ADDRESS when it is set, and the approval the toggle sends is what the watcher checks", async () => {
    const watcher = account(91).address;
    process.env.WATCHER_ADDRESS = watcher;
    const contracts = await loadDeployment(31337);
    expect(contracts?.watcher).toBe(watcher);
    const renter = account(5);
    const wallet = createWalletClient({ account: renter, chain: { ...hardhat, rpcUrls: { default: { http: [node.url] } } }, transport: http(node.url) });
    const hash = await wallet.writeContract({
      address: contracts!.leaseLiveness!,
      abi: leaseLivenessAbi,
      functionName: "approveReporter",
      args: [watcher, true],
    });
    expect((await client.waitForTransactionReceipt({ hash })).status).toBe("success");
    expect(
      await client.readContract({
        address: contracts!.leaseLiveness!,
        abi: leaseLivenessAbi,
        functionName: "isApprovedReporter",
        args: [renter.address, watcher],
      }),
    ).toBe(true);
  });
});
