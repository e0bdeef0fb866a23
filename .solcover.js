// solidity-coverage settings for `pnpm coverage`. Test-only contracts and interfaces are not measured;
// the run fails if the escrow or the registry drop below 100% lines/functions or 95% branches.
const { readFileSync } = require("node:fs");
const { join } = require("node:path");

const THRESHOLDS = { lines: 100, functions: 100, branches: 95 };
const GATED = ["contracts/LeaseEscrow.sol", "contracts/ProviderRegistry.sol"];

module.exports = {
  skipFiles: ["test/", "interfaces/", "MockUSDC.sol"],
  istanbulReporter: ["text", "json-summary", "html"],
  onIstanbulComplete: async () => {
    const summary = JSON.parse(readFileSync(join(__dirname, "coverage", "coverage-summary.json"), "utf8"));
    const failures = [];
    for (const [file, metrics] of Object.entries(summary)) {
      if (!GATED.some((gated) => file.endsWith(gated))) continue;
      for (const [metric, minimum] of Object.entries(THRESHOLDS)) {
        if (metrics[metric].pct < minimum) failures.push(`${file}: ${metric} ${metrics[metric].pct}% < ${minimum}%`);
      }
    }
    if (failures.length) {
      console.error(`coverage below the bar:\n  ${failures.join("\n  ")}`);
      process.exitCode = 1;
    } else {
      console.log("coverage: escrow and registry meet 100% lines/functions and >= 95% branches");
    }
  },
};
