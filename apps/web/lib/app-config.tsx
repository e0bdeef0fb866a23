"use client";
import { createContext, useContext } from "react";
import type { Address } from "viem";

export interface ContractAddresses {
  providerRegistry: Address;
  leaseEscrow: Address;
  token: Address;
  /** LeaseTopUps serving this escrow (auto top-up), or null where none is deployed. */
  leaseTopUps: Address | null;
  /** The escrow's LeaseLiveness (outage reports), or null for an escrow from before it existed. */
  leaseLiveness: Address | null;
  /** The Gridlease watcher renters may approve to report outages for them, or null where none is configured. */
  watcher: Address | null;
}

/** What the server hands the browser at request time (no NEXT_PUBLIC_* baked into the build). */
export interface ClientConfig {
  chainId: number;
  rpcUrl: string;
  contracts: ContractAddresses | null;
}

const AppConfigContext = createContext<ClientConfig | null>(null);

export const AppConfigProvider = AppConfigContext.Provider;

export function useAppConfig(): ClientConfig {
  const value = useContext(AppConfigContext);
  if (!value) throw new Error("useAppConfig must be used inside <Providers>.");
  return value;
}

/** Contract addresses, or an error a page can show when the chain has no deployment yet. */
export function useContracts(): ContractAddresses {
  const { contracts, chainId } = useAppConfig();
  if (!contracts) throw new Error(`No Gridlease deployment is known for chain ${chainId}.`);
  return contracts;
}
