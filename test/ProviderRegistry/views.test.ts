import { expect } from "chai";
import { customError } from "../helpers/errors";
import { offerFixture } from "../helpers/fixtures";

describe("ProviderRegistry views", () => {
  it("getOffer and freeUnits reject unknown offers", async () => {
    const s = await offerFixture();
    await expect(s.registry.read.getOffer([2n])).to.be.rejectedWith(customError("UnknownOffer", 2n));
    await expect(s.registry.read.freeUnits([0n])).to.be.rejectedWith(customError("UnknownOffer", 0n));
  });
});
