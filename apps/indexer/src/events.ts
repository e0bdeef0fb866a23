import { leaseEscrowAbi, leaseLivenessAbi, leaseTopUpsAbi, providerRegistryAbi } from "@gridlease/sdk/contracts.generated";
import { decodeEventLog, toEventSelector, type AbiEvent, type AbiParameter, type ContractEventName, type GetEventArgs, type Hex } from "viem";
import { cleanText } from "./sanitize";

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

/**
 * The events the indexer decodes: every event of these ABIs. A contract whose events get handlers
 * joins this list, and its handlers are then typed like the rest (handlers.ts).
 */
// LeaseTopUps has no handlers: its events (policies, top-ups) are kept as raw events, which the billing
// history reads to tell an auto top-up from the renter's own extension.
export const INDEXED_ABI = [...providerRegistryAbi, ...leaseEscrowAbi, ...leaseLivenessAbi, ...leaseTopUpsAbi] as const;
export type IndexedEventName = ContractEventName<typeof INDEXED_ABI>;
/**
 * The args of event `N` exactly as decodeLog produces them (strict decoding: every field present,
 * uint64+ as bigint, addresses checksummed, structs as objects). A renamed or retyped event field
 * makes every handler that reads it fail to compile.
 */
export type EventArgsOf<N extends IndexedEventName> = GetEventArgs<typeof INDEXED_ABI, N, { EnableUnion: false; IndexedOnly: false; Required: true }>;

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
for (const item of INDEXED_ABI) {
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
  const args = decoded.args as unknown as EventArgs;
  // Sanitized here, once, so the handlers' rows and the raw event's JSON both only ever see clean text.
  for (const input of event.inputs) if (input.name && input.name in args) args[input.name] = cleanStrings(input, args[input.name]);
  return { ...base, name: decoded.eventName as string, args };
}

/** `value` with every ABI `string` in it (also inside tuples and arrays) passed through cleanText. */
function cleanStrings(param: AbiParameter, value: unknown): unknown {
  if (param.type.endsWith("]") && Array.isArray(value)) {
    const element = { ...param, type: param.type.slice(0, param.type.lastIndexOf("[")) } as AbiParameter;
    return value.map((item) => cleanStrings(element, item));
  }
  if (param.type === "string") return cleanText(value);
  if (param.type === "tuple" && "components" in param && value && typeof value === "object") {
    const tuple = value as Record<string, unknown>;
    for (const component of param.components)
      if (component.name && component.name in tuple) tuple[component.name] = cleanStrings(component, tuple[component.name]);
  }
  return value;
}

/**
 * JSON text of decoded args (bigints as decimal strings, addresses lower-cased), kept as text: it goes
 * into COPY as is, so no second object tree per event lives until the batch is written.
 */
export function argsJsonText(args: EventArgs): string {
  // Strings were cleaned at decode time; cleaning again without a length cap (hex `bytes` args can be
  // long) keeps a NUL out of the jsonb column even for args that did not come through decodeLog.
  return JSON.stringify(args, (_key, value) =>
    typeof value === "bigint"
      ? value.toString()
      : typeof value === "string"
        ? /^0x[0-9a-fA-F]{40}$/.test(value)
          ? value.toLowerCase()
          : cleanText(value, Number.MAX_SAFE_INTEGER)
        : value,
  );
}
