import { providerRegistryAbi } from "@gridlease/sdk/contracts.generated";
import { encodeEventTopics, encodeAbiParameters, type Hex } from "viem";
import { describe, expect, it } from "vitest";
import { decodeLog, type RpcLog } from "../src/events";
import { applyHandler, BatchState, type Handlers } from "../src/handlers";
import { newProviderRow, type ProviderRow } from "../src/rows";

// Compile-time half (the type check suite runs tsc over test/): a handler reading a field its event
// does not have, or using a field as the wrong type, does not compile.
// biome-ignore lint/suspicious/noExportsInTest: exported only so the compile-time checks count as used
export const misnamedField: Handlers = {
  // @ts-expect-error StakeAdded's fields are provider, amount and totalStake; there is no `stake`.
  StakeAdded: (_state, _event, args) => void args.stake,
};
// biome-ignore lint/suspicious/noExportsInTest: exported only so the compile-time checks count as used
export const wrongType: Handlers = {
  // @ts-expect-error ProviderUpdated's encryptionKey is bytes32 (Hex), not a number.
  ProviderUpdated: (_state, _event, args) => void (args.encryptionKey satisfies number),
};

const PROVIDER = "0x00000000000000000000000000000000000000aa";

/** A StakeAdded log as eth_getLogs returns it, encoded with the registry's ABI. */
function stakeAddedLog(amount: bigint, totalStake: bigint): RpcLog {
  const topics = encodeEventTopics({ abi: providerRegistryAbi, eventName: "StakeAdded", args: { provider: PROVIDER } }) as Hex[];
  const data = encodeAbiParameters([{ type: "uint256" }, { type: "uint256" }], [amount, totalStake]);
  return {
    address: "0x0000000000000000000000000000000000000001",
    topics,
    data,
    blockNumber: "0x7",
    blockHash: `0x${"11".repeat(32)}`,
    transactionHash: `0x${"22".repeat(32)}`,
    logIndex: "0x0",
  };
}

function providerRow(): ProviderRow {
  return { ...newProviderRow(31337, PROVIDER, "1"), stake: "100", updated_block: "1" };
}

describe("typed event handlers", () => {
  it("hands a decoded log to the handler named after its event, with the ABI's field names", () => {
    const state = new BatchState(31337, () => false);
    state.rows.provider.set(PROVIDER, providerRow());
    const event = decodeLog(stakeAddedLog(50n, 150n));
    expect(event.name).toBe("StakeAdded");
    applyHandler(state, event);
    expect(state.get("provider", PROVIDER)).toMatchObject({ stake: "150", updated_block: "7" });
    expect([...state.dirty.provider]).toEqual([PROVIDER]);
  });

  it("leaves an event without a handler to the raw event table", () => {
    const state = new BatchState(31337, () => false);
    applyHandler(state, { ...decodeLog(stakeAddedLog(1n, 1n)), name: "Unknown", args: { topics: [], data: "0x" } });
    expect(state.dirty.provider.size + state.dirty.offer.size + state.dirty.lease.size + state.dirty.dispute.size).toBe(0);
  });
});
