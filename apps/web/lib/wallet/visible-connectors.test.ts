import { describe, expect, it } from "vitest";
import { visibleBrowserWallets } from "./visible-connectors";

const dev = { id: "devWallet", type: "devWallet" };
const generic = { id: "injected", type: "injected" };
const metamask = { id: "io.metamask", type: "injected" };

describe("wallet buttons only for wallets that exist", () => {
  it("offers no browser wallet when none is installed (the dev wallet has its own section)", () => {
    expect(visibleBrowserWallets([dev, generic], false)).toEqual([]);
  });
  it("offers announced EIP-6963 wallets and not the generic duplicate", () => {
    expect(visibleBrowserWallets([dev, generic, metamask], true)).toEqual([metamask]);
  });
  it("offers the generic injected wallet when one is at window.ethereum but did not announce itself", () => {
    expect(visibleBrowserWallets([dev, generic], true)).toEqual([generic]);
  });
});
