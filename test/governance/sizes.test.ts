import { expect } from "chai";
import hre from "hardhat";
import { UNDER_COVERAGE } from "../helpers/fixtures";

/** EIP-170: a contract whose runtime code is larger than this cannot be deployed on a public chain. */
const EIP170_LIMIT = 24_576;
const DEPLOYED = ["ProviderRegistry", "LeaseEscrow", "LeaseDisputes", "LeaseExtensions", "LeaseEscrowAdmin", "LeaseLiveness", "LeaseTopUps"] as const;

describe("deployed contract sizes", () => {
  for (const name of DEPLOYED) {
    // Instrumented bytecode under `pnpm coverage` is larger by design; the limit is for the real build.
    (UNDER_COVERAGE ? it.skip : it)(`${name} is below the EIP-170 limit of ${EIP170_LIMIT} bytes`, async () => {
      const artifact = await hre.artifacts.readArtifact(name);
      const bytes = (artifact.deployedBytecode.length - 2) / 2;
      expect(bytes).to.be.greaterThan(0);
      expect(bytes).to.be.lessThan(EIP170_LIMIT);
    });
  }
});
