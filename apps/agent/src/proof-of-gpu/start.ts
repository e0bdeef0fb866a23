import type { Account, Address, PublicClient } from "viem";
import { POG_PROFILES } from "@gridlease/sdk/proof-of-gpu";
import type { AgentConfig } from "../config";
import type { Logger } from "../log";
import type { ProviderOffer } from "../provider";
import { chooseEngine } from "./engine";
import { EndpointRegistrar } from "./register";
import { PogServer, seedChecker } from "./server";

export type ProofOfGpuConfig = NonNullable<AgentConfig["proofOfGpu"]>;

export interface PogProvider {
  account: Account;
  offers(): Promise<ProviderOffer[]>;
  log: Logger;
}

export interface ProofOfGpu {
  /** The base URL the server answers on (a fleet's providers are under <url>/providers/<address>). */
  url: string;
  urlOf(address: Address): string;
  close(): Promise<void>;
}

/** A wildcard bind address is not somewhere a checker can connect to; the loopback is, on this host. */
function defaultUrl(host: string, port: number): string {
  const reachable = host === "0.0.0.0" || host === "::" || host === "" ? "127.0.0.1" : host;
  return `http://${reachable.includes(":") ? `[${reachable}]` : reachable}:${port}`;
}

/**
 * Starts the challenge server for `providers` and registers each one's URL with the web app: one
 * provider (`serve`) answers at the root of the URL, several (`fleet`) each under /providers/<address>.
 */
export async function startProofOfGpu(options: {
  config: ProofOfGpuConfig;
  apiUrl: string;
  chainId: number;
  registry: Address;
  /** Reads the seed block of each challenge (its hash and age are checked before any work). */
  publicClient: Pick<PublicClient, "getBlock">;
  providers: PogProvider[];
  /** A fleet serves each provider under /providers/<address>, even when it has one. */
  fleet?: boolean;
  log: Logger;
}): Promise<ProofOfGpu> {
  const { config, log } = options;
  const engine = await chooseEngine(config.engine, POG_PROFILES[config.profile].matrixSize, log);
  const server = new PogServer(engine, config.profile, log, config.minIntervalSeconds * 1000, seedChecker(options.publicClient));
  if (!options.fleet && options.providers.length !== 1) throw new Error("proof of GPU: `serve` answers for exactly one provider.");
  const single = !options.fleet;
  const prefixOf = (address: Address) => (single ? "" : `/providers/${address.toLowerCase()}`);
  for (const p of options.providers) {
    server.add(prefixOf(p.account.address), { address: p.account.address, chainId: options.chainId, offers: p.offers });
  }
  const port = await server.listen(config.host, config.port);
  const url = (config.url ?? defaultUrl(config.host, port)).replace(/\/+$/, "");
  const urlOf = (address: Address) => `${url}${prefixOf(address)}`;
  log.info(`proof of GPU: answering ${config.profile}-profile challenges on ${config.host}:${port} as ${url}${single ? "" : "/providers/<address>"}.`);
  const registrars = config.register
    ? options.providers.map(
        (p) =>
          new EndpointRegistrar({
            apiUrl: options.apiUrl,
            account: p.account,
            deployment: { chainId: options.chainId, registry: options.registry },
            url: urlOf(p.account.address),
            log: p.log,
          }),
      )
    : [];
  // The web API rate-limits per client (a burst of about 30): a fleet of hundreds spreads its first registrations over 5 s per 25 providers.
  const spreadMs = Math.ceil(registrars.length / 25) * 5000;
  for (const [i, r] of registrars.entries()) r.start(options.fleet ? Math.floor((i / registrars.length) * spreadMs) : 0);
  return {
    url,
    urlOf,
    async close() {
      for (const r of registrars) r.stop();
      await server.close();
      engine.close?.();
    },
  };
}

/** Caches a provider's offers for `maxAgeMs` (`serve` reads them from the chain; a challenge should not scan logs). */
export function cachedOffers(load: () => Promise<ProviderOffer[]>, maxAgeMs = 30_000): () => Promise<ProviderOffer[]> {
  let at = 0;
  let value: Promise<ProviderOffer[]> | undefined;
  return () => {
    if (!value || Date.now() - at > maxAgeMs) {
      at = Date.now();
      value = load().catch((error) => {
        value = undefined;
        throw error;
      });
    }
    return value;
  };
}
