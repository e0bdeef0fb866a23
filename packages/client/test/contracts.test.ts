import { createWalletClient, http } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RenterClient, TxError, type TxProgress } from "../src";
import { startLocalMarket, USDC, type LocalMarket } from "./local-market";

let market: LocalMarket;
let renter: RenterClient;
const progress: TxProgress[] = [];

beforeAll(async () => {
  market = await startLocalMarket();
  renter = await RenterClient.connect({
    publicClient: market.client,
    walletClient: createWalletClient({ account: market.renter, chain: market.chain, transport: http(market.node.url) }),
    account: market.renter,
    contracts: { escrow: market.deployment.escrow.address },
    onProgress: (event) => progress.push(event),
  });
}, 120_000);

afterAll(async () => {
  await market?.stop();
});

describe("RenterClient on a real chain (contracts v2)", () => {
  it("reads the registry and token from the escrow rather than assuming them", () => {
    expect(renter.contracts).toEqual({
      chainId: 31337,
      escrow: market.deployment.escrow.address,
      registry: market.deployment.registry.address,
      token: market.deployment.token.address,
    });
  });

  it("books with a permit (no approval transaction), opens the access details, extends and cancels", async () => {
    progress.length = 0;
    const booked = await renter.book({ offerId: 1n, gpus: 1, hours: 2, maxPricePerGpuHour: 2n * USDC, sshPublicKey: "ssh-ed25519 AAAA test" });
    expect(booked.deposit).toBe(2n * USDC);
    expect(progress.map((p) => `${p.stage} ${p.what}`)).toEqual(["signing encryption key", "signing permit", "sent booking", "confirmed booking"]);
    expect((await renter.getLease(booked.leaseId)).statusName).toBe("Pending");
    expect(await renter.accessDetails(booked.leaseId)).toBeNull();
    const request = await market.accept(booked.leaseId, { host: "198.51.100.4", user: "root" });
    expect(request.sshPublicKey).toBe("ssh-ed25519 AAAA test");
    expect(await renter.accessDetails(booked.leaseId)).toEqual({ host: "198.51.100.4", user: "root" });
    const extended = await renter.extend({ leaseId: booked.leaseId, extraHours: 1 });
    expect(extended.extraDeposit).toBe(USDC);
    await renter.cancel(booked.leaseId);
    expect((await renter.getLease(booked.leaseId)).statusName).toBe("Closed");
  });

  it("throws reverts as the web app's sentences, before spending gas", async () => {
    const before = await market.client.getBalance({ address: market.renter.address });
    const tooCheap = await renter
      .book({ offerId: 1n, gpus: 1, hours: 1, maxPricePerGpuHour: USDC / 2n, sshPublicKey: "ssh-ed25519 AAAA test" })
      .catch((e: unknown) => e);
    expect(tooCheap).toBeInstanceOf(TxError);
    expect((tooCheap as Error).message).toBe("The price rose to 1 USDC per GPU-hour, above the 0.5 USDC you accepted. Review the new price and book again.");
    expect(await market.client.getBalance({ address: market.renter.address })).toBe(before); // simulated, never sent
    await expect(renter.getLease(999n)).rejects.toThrow("Lease #999 does not exist.");
    await expect(renter.book({ offerId: 1n, gpus: 9, hours: 1, maxPricePerGpuHour: USDC, sshPublicKey: "k" })).rejects.toThrow(
      "Offer #1 has only 8 free GPU(s); you asked for 9.",
    );
  });
});
