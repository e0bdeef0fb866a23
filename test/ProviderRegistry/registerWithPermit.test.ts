import { expect } from "chai";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { customError } from "../helpers/errors";
import { ENCRYPTION_KEY, MIN_STAKE, systemFixture } from "../helpers/fixtures";
import { signPermit } from "../helpers/permit";

describe("ProviderRegistry.registerWithPermit", () => {
  it("registerWithPermit stakes in one transaction", async () => {
    const s = await systemFixture();
    await s.token.write.approve([s.registry.address, 0n], { account: s.provider.account });
    const deadline = BigInt(await time.latest()) + 600n;
    const { v, r, s: sig } = await signPermit(s, s.provider, s.registry.address, MIN_STAKE, deadline);
    await s.registry.write.registerWithPermit([MIN_STAKE, ENCRYPTION_KEY, "", deadline, v, r, sig], { account: s.provider.account });
    expect((await s.registry.read.getProvider([s.provider.account.address])).stake).to.equal(MIN_STAKE);
    await s.registry.write.pause();
    await expect(
      s.registry.write.registerWithPermit([MIN_STAKE, ENCRYPTION_KEY, "", deadline, v, r, sig], { account: s.provider2.account }),
    ).to.be.rejectedWith(customError("EnforcedPause"));
  });

  it("registerWithPermit still works when the permit was front-run", async () => {
    const s = await systemFixture();
    await s.token.write.approve([s.registry.address, 0n], { account: s.provider.account });
    const deadline = BigInt(await time.latest()) + 600n;
    const { v, r, s: sig } = await signPermit(s, s.provider, s.registry.address, MIN_STAKE, deadline);
    await s.token.write.permit([s.provider.account.address, s.registry.address, MIN_STAKE, deadline, v, r, sig]);
    await s.registry.write.registerWithPermit([MIN_STAKE, ENCRYPTION_KEY, "", deadline, v, r, sig], { account: s.provider.account });
    expect((await s.registry.read.getProvider([s.provider.account.address])).stake).to.equal(MIN_STAKE);
  });
});
