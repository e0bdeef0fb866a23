import { isAddress } from "viem";
import { describe, expect, it } from "vitest";
import { CHAIN_PROFILES, finalityDepthFor, LOCAL_FINALITY_DEPTH } from "./chains";
import { LOCAL_CHAIN_ID } from "./protocol";

describe("chain profiles", () => {
  it("hold checksummed USDC addresses (a mistyped character fails the EIP-55 checksum) and a finality depth > 0 per chain", () => {
    const seen = new Set<string>();
    for (const [id, profile] of Object.entries(CHAIN_PROFILES)) {
      expect(profile.chainId).toBe(Number(id));
      expect(isAddress(profile.usdc, { strict: true }), `${profile.name} USDC ${profile.usdc}`).toBe(true);
      expect(profile.usdc).not.toBe(profile.usdc.toLowerCase()); // mixed case, so the checksum is really checked
      expect(seen.has(profile.usdc)).toBe(false);
      seen.add(profile.usdc);
      expect(profile.finalityDepth).toBeGreaterThan(0);
    }
  });

  it("give the indexer the recorded depth first, then the table's, then the local default, and nothing for an unknown public chain", () => {
    expect(finalityDepthFor(8453, 90)).toBe(90);
    expect(finalityDepthFor(8453)).toBe(CHAIN_PROFILES[8453]!.finalityDepth);
    expect(finalityDepthFor(LOCAL_CHAIN_ID)).toBe(LOCAL_FINALITY_DEPTH);
    expect(finalityDepthFor(1337)).toBeUndefined();
  });
});
