import { expect } from "chai";
import { offerFixture } from "../helpers/fixtures";

describe("ProviderRegistry views", () => {
  it("getOffer and freeUnits reject unknown offers", async () => {
    const s = await offerFixture();
    await expect(s.registry.read.getOffer([2n])).to.be.rejectedWith("UnknownOffer");
    await expect(s.registry.read.freeUnits([0n])).to.be.rejectedWith("UnknownOffer");
  });
});
