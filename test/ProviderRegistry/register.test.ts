import { expect } from "chai";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { customError } from "../helpers/errors";
import { ENCRYPTION_KEY, MIN_STAKE, ProviderStatus, eventsOf, systemFixture } from "../helpers/fixtures";

describe("ProviderRegistry.register", () => {
  it("pulls the stake and records an active provider", async () => {
    const s = await systemFixture();
    const hash = await s.registry.write.register([MIN_STAKE, ENCRYPTION_KEY, "ipfs://p"], { account: s.provider.account });
    const provider = await s.registry.read.getProvider([s.provider.account.address]);
    expect(provider.status).to.equal(ProviderStatus.Active);
    expect(provider.stake).to.equal(MIN_STAKE);
    expect(provider.encryptionKey).to.equal(ENCRYPTION_KEY);
    expect(provider.metadataURI).to.equal("ipfs://p");
    expect(provider.registeredAt).to.equal(BigInt(await time.latest()));
    expect(await s.token.read.balanceOf([s.registry.address])).to.equal(MIN_STAKE);
    const [registered] = await eventsOf(s, s.registry.abi, hash).then((e) => e.filter((x) => x.eventName === "ProviderRegistered"));
    expect(registered.args).to.deep.include({ stake: MIN_STAKE, encryptionKey: ENCRYPTION_KEY, metadataURI: "ipfs://p" });
  });

  it("rejects a stake below the minimum, an empty key and a second registration", async () => {
    const s = await systemFixture();
    await expect(s.registry.write.register([MIN_STAKE - 1n, ENCRYPTION_KEY, ""], { account: s.provider.account })).to.be.rejectedWith(
      customError("StakeBelowMinimum", MIN_STAKE - 1n, MIN_STAKE),
    );
    await expect(s.registry.write.register([MIN_STAKE, `0x${"00".repeat(32)}`, ""], { account: s.provider.account })).to.be.rejectedWith(
      customError("EmptyEncryptionKey"),
    );
    await s.registry.write.register([MIN_STAKE, ENCRYPTION_KEY, ""], { account: s.provider.account });
    await expect(s.registry.write.register([MIN_STAKE, ENCRYPTION_KEY, ""], { account: s.provider.account })).to.be.rejectedWith(
      customError("AlreadyRegistered", s.provider.account.address),
    );
  });

  it("is blocked while paused", async () => {
    const s = await systemFixture();
    await s.registry.write.pause();
    await expect(s.registry.write.register([MIN_STAKE, ENCRYPTION_KEY, ""], { account: s.provider.account })).to.be.rejectedWith(customError("EnforcedPause"));
    await s.registry.write.unpause();
    await s.registry.write.register([MIN_STAKE, ENCRYPTION_KEY, ""], { account: s.provider.account });
  });
});
