import { expect } from "chai";
import { keccak256, stringToHex } from "viem";
import { customError } from "../helpers/errors";
import { eventsOf, offerFixture } from "../helpers/fixtures";

describe("ProviderRegistry.updateProvider", () => {
  it("updateProvider replaces key and metadata", async () => {
    const s = await offerFixture();
    const key = keccak256(stringToHex("new key"));
    const hash = await s.registry.write.updateProvider([key, "ipfs://v2"], { account: s.provider.account });
    const p = await s.registry.read.getProvider([s.provider.account.address]);
    expect(p.encryptionKey).to.equal(key);
    expect(p.metadataURI).to.equal("ipfs://v2");
    expect((await eventsOf(s, s.registry.abi, hash)).map((e) => e.eventName)).to.include("ProviderUpdated");
    await expect(s.registry.write.updateProvider([`0x${"00".repeat(32)}`, ""], { account: s.provider.account })).to.be.rejectedWith(
      customError("EmptyEncryptionKey"),
    );
    await expect(s.registry.write.updateProvider([key, ""], { account: s.stranger.account })).to.be.rejectedWith(
      customError("NotRegistered", s.stranger.account.address),
    );
  });
});
