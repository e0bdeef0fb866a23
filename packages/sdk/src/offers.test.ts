import { describe, expect, it } from "vitest";
import { bytes32ToText, decodeOfferSpec, encodeOfferSpec, textToBytes32 } from "./offers";

describe("offer spec encoding", () => {
  const draft = {
    gpuModel: "H100-SXM",
    gpuCount: 8,
    vramGb: 80,
    cpuCores: 64,
    ramGb: 512,
    diskGb: 4000,
    bandwidthMbps: 10_000,
    region: "eu-west",
    pricePerGpuHour: 2_450_000n,
    minHours: 1,
    maxHours: 720,
  };

  it("writes text fields as right-padded bytes32 and reads them back", () => {
    const onChain = encodeOfferSpec(draft);
    expect(onChain.gpuModel).toBe(`0x${Buffer.from("H100-SXM").toString("hex").padEnd(64, "0")}`);
    expect(decodeOfferSpec(onChain)).toEqual(draft);
  });

  it("refuses text longer than 32 bytes instead of cutting it", () => {
    expect(() => textToBytes32("x".repeat(33))).toThrow();
  });

  it("drops only the zero padding", () => {
    expect(bytes32ToText(textToBytes32("us-east"))).toBe("us-east");
  });
});
