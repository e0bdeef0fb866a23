import type { LeaseScriptInput } from "../../src/serve/lease-request";

/** The input the agent hands a provision/deprovision script for one lease: the example-script tests share it so they exercise the same lease. */
export function leaseInput(leaseId: string, event: LeaseScriptInput["event"]): LeaseScriptInput {
  return {
    event,
    reason: event === "deprovision" ? "the lease ended" : undefined,
    chainId: 31337,
    leaseId,
    offerId: "1",
    provider: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
    renter: "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC",
    gpuModel: "RTX4090",
    gpus: 2,
    gpuIndices: [2, 3],
    gpuUuids: ["GPU-e19a4c7f-0b52-d6e8-3a91-7c4f0e2db596", "GPU-5c8b1e3d-a702-4f69-e0d5-b9a63c1f7e20"],
    durationHours: 4,
    pricePerGpuHour: "0.39",
    acceptDeadline: 1_800_000_000,
    sshPublicKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGk9q0Qn2yP1c8x3bV0m2JkqW8rL7dT4uYhX5sN6eF1a renter@laptop",
  };
}
