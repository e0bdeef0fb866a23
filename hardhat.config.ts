import type { HardhatUserConfig } from "hardhat/config";
import { subtask } from "hardhat/config";
import { TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD } from "hardhat/builtin-tasks/task-names";
// The plugins hardhat-toolbox-viem would load, minus Ignition (deployments go through packages/sdk/src/deploy.ts).
import "@nomicfoundation/hardhat-verify";
import "@nomicfoundation/hardhat-viem";
import "hardhat-gas-reporter";
import "solidity-coverage";
import chai from "chai";
import chaiAsPromised from "chai-as-promised";

// `expect(promise).to.be.rejectedWith(...)` in the contract tests (the toolbox registered this too).
chai.use(chaiAsPromised);

const SOLC_VERSION = "0.8.30";
const COVERAGE = process.env.SOLIDITY_COVERAGE === "true";

// The machine cannot download compilers, so compile with the solcjs shipped by the `solc` npm package.
subtask(TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD, async (args: { solcVersion: string }, _hre, runSuper) => {
  if (args.solcVersion !== SOLC_VERSION) return runSuper();
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const solc = require("solc");
  return {
    compilerPath: require.resolve("solc/soljson.js"),
    isSolcJs: true,
    version: SOLC_VERSION,
    longVersion: solc.version(),
  };
});

const config: HardhatUserConfig = {
  solidity: {
    version: SOLC_VERSION,
    settings: { evmVersion: "cancun", optimizer: { enabled: true, runs: 10_000 } },
  },
  // `pnpm coverage` builds instrumented bytecode; keep it out of the artifacts everyone else uses.
  paths: COVERAGE
    ? { sources: "contracts", tests: "test", cache: ".coverage_cache", artifacts: ".coverage_artifacts" }
    : { sources: "contracts", tests: "test", cache: "cache", artifacts: "artifacts" },
  networks: {
    // Tests start `hardhat node` with another id to exercise what the deploy script does off the local chain.
    hardhat: { chainId: Number(process.env.HARDHAT_CHAIN_ID ?? 31337) },
    localhost: { url: process.env.RPC_URL ?? "http://127.0.0.1:8545", chainId: Number(process.env.CHAIN_ID ?? 31337) },
    // Whatever chain `pnpm deploy:contracts` deployed to: source verification (scripts/verify-contracts.ts) runs on it.
    gridlease: { url: process.env.RPC_URL ?? "http://127.0.0.1:8545" },
  },
  // Source verification through hardhat-verify against any Etherscan-compatible explorer API
  // (VERIFY_API_URL; Etherscan itself: https://api.etherscan.io/v2/api?chainid=<id>). The per-network
  // key form keeps the API URL configurable (a single string key would force Etherscan's own URL).
  etherscan: {
    apiKey: { gridlease: process.env.VERIFY_API_KEY ?? "" },
    customChains: process.env.VERIFY_API_URL
      ? [
          {
            network: "gridlease",
            chainId: Number(process.env.CHAIN_ID),
            urls: { apiURL: process.env.VERIFY_API_URL, browserURL: process.env.VERIFY_BROWSER_URL ?? process.env.VERIFY_API_URL },
          },
        ]
      : [],
  },
  sourcify: { enabled: false },
  mocha: { timeout: 600_000 },
  gasReporter: { enabled: process.env.REPORT_GAS === "true" },
};

export default config;
