import { leaseEscrowAbi, providerRegistryAbi } from "@gridlease/sdk/contracts.generated";
import { decodeEventLog, toEventSelector, type AbiEvent, type Hex } from "viem";

/** A log as eth_getLogs returns it (raw JSON-RPC, hex quantities). */
export interface RpcLog {
  address: Hex;
  topics: Hex[];
  data: Hex;
  blockNumber: Hex;
  blockHash: Hex;
  transactionHash: Hex;
  logIndex: Hex;
  removed?: boolean;
}

export type EventArgs = Record<string, unknown>;

export interface DecodedEvent {
  blockNumber: bigint;
  blockHash: Hex;
  txHash: Hex;
  logIndex: number;
  address: Hex;
  name: string;
  args: EventArgs;
}

const eventsBySelector = new Map<Hex, AbiEvent>();
for (const item of [...providerRegistryAbi, ...leaseEscrowAbi]) {
  if (item.type !== "event") continue;
  eventsBySelector.set(toEventSelector(item as AbiEvent), item as AbiEvent);
}

/**
 * Decodes one contract log. Looking the event up by topic0 first keeps viem from hashing every
 * ABI entry per log. Logs that are not Gridlease events (e.g. OpenZeppelin role events) are kept
 * with their raw topics so that the raw event table still mirrors everything the contracts emitted.
 */
export function decodeLog(log: RpcLog): DecodedEvent {
  const base = {
    blockNumber: BigInt(log.blockNumber),
    blockHash: log.blockHash,
    txHash: log.transactionHash,
    logIndex: Number(log.logIndex),
    address: log.address.toLowerCase() as Hex,
  };
  const event = eventsBySelector.get(log.topics[0] ?? "0x");
  if (!event) return { ...base, name: "Unknown", args: { topics: log.topics, data: log.data } };
  const decoded = decodeEventLog({ abi: [event], topics: log.topics as [Hex, ...Hex[]], data: log.data, strict: true });
  return { ...base, name: decoded.eventName as string, args: decoded.args as unknown as EventArgs };
}

/**
 * JSON text of decoded args (bigints as decimal strings, addresses lower-cased), kept as text: it goes
 * into COPY as is, so no second object tree per event lives until the batch is written.
 */
export function argsJsonText(args: EventArgs): string {
  return JSON.stringify(args, (_key, value) => (typeof value === "bigint" ? value.toString() : typeof value === "string" && /^0x[0-9a-fA-F]{40}$/.test(value) ? value.toLowerCase() : value));
}
