"use client";
import { useEffect, useRef, useState } from "react";
import { erc20Abi, type Address } from "viem";
import { useAccount, useConnect, useConnectors, useDisconnect, useReadContract } from "wagmi";
import { useAppConfig } from "@/lib/app-config";
import { formatToken, shortAddress } from "@/lib/format";
import { DEV_ACCOUNT_INDICES, devAccount, devAccountRole } from "@/lib/wallet/dev-accounts";
import { selectedDevAccountIndex, type DevWalletProperties } from "@/lib/wallet/dev-wallet";
import { visibleBrowserWallets } from "@/lib/wallet/visible-connectors";

function useDevAddresses(enabled: boolean) {
  const [addresses, setAddresses] = useState<Record<number, Address>>({});
  useEffect(() => {
    if (!enabled) return;
    let cancelled = false;
    Promise.all(DEV_ACCOUNT_INDICES.map(async (i) => [i, (await devAccount(i)).address] as const)).then((entries) => {
      if (!cancelled) setAddresses(Object.fromEntries(entries));
    });
    return () => {
      cancelled = true;
    };
  }, [enabled]);
  return addresses;
}

export function TokenBalance({ address }: { address: Address }) {
  const { contracts } = useAppConfig();
  const { data } = useReadContract({
    address: contracts?.token,
    abi: erc20Abi,
    functionName: "balanceOf",
    args: [address],
    query: { enabled: !!contracts, refetchInterval: 2_000 },
  });
  if (data === undefined) return null;
  return (
    <span data-testid="wallet-balance" data-raw={data.toString()} className="text-xs text-slate-400">
      {formatToken(data)}
    </span>
  );
}

export function ConnectButton() {
  const [open, setOpen] = useState(false);
  const panel = useRef<HTMLDivElement>(null);
  const { address, connector, isConnected } = useAccount();
  const connectors = useConnectors();
  const { connectAsync, isPending, error } = useConnect();
  const { disconnect } = useDisconnect();
  const devConnector = connectors.find((c) => c.type === "devWallet");
  const devAddresses = useDevAddresses(open && !!devConnector);
  const [devIndex, setDevIndex] = useState<number>(3);

  useEffect(() => setDevIndex(selectedDevAccountIndex()), []);
  useEffect(() => {
    if (!open) return;
    const close = (event: MouseEvent) => {
      if (panel.current && !panel.current.contains(event.target as Node)) setOpen(false);
    };
    document.addEventListener("mousedown", close);
    return () => document.removeEventListener("mousedown", close);
  }, [open]);

  const [hasWindowEthereum, setHasWindowEthereum] = useState(false);
  // Read after mount: the server has no window, and wallets inject themselves before our script runs.
  // biome-ignore lint/correctness/useExhaustiveDependencies: `open` is the trigger: a wallet installed since the last look shows when the dialog opens
  useEffect(() => setHasWindowEthereum(typeof window !== "undefined" && !!(window as { ethereum?: unknown }).ethereum), [open]);
  const injectedConnectors = visibleBrowserWallets(connectors, hasWindowEthereum);

  async function connectDevAccount(index: number) {
    if (!devConnector) return;
    setDevIndex(index);
    await (devConnector as unknown as DevWalletProperties).selectAccount(index);
    if (!isConnected || connector?.uid !== devConnector.uid) await connectAsync({ connector: devConnector });
    setOpen(false);
  }

  return (
    <div className="relative" ref={panel}>
      <button type="button" className="btn-secondary" onClick={() => setOpen((v) => !v)} data-testid="wallet-button" aria-expanded={open}>
        {isConnected && address ? (
          <span className="flex items-center gap-2">
            <span className="size-2 rounded-full bg-emerald-400" aria-hidden />
            <span data-testid="connected-address" data-address={address}>
              {shortAddress(address)}
            </span>
            <TokenBalance address={address} />
          </span>
        ) : (
          "Connect wallet"
        )}
      </button>
      {open && (
        <div
          className="absolute right-0 z-50 mt-2 w-[min(22rem,calc(100vw-2rem))] rounded-xl border border-slate-700 bg-slate-900 p-4 shadow-2xl"
          role="dialog"
          aria-label="Wallet"
        >
          {devConnector && (
            <section className="mb-4">
              <h3 className="mb-1 text-sm font-semibold">Development wallet</h3>
              <p className="mb-2 text-xs text-slate-400">Funded Hardhat accounts that sign in this page. Local chain only.</p>
              <div className="flex gap-2">
                <select aria-label="Development account" className="input flex-1" value={devIndex} onChange={(e) => setDevIndex(Number(e.target.value))}>
                  {DEV_ACCOUNT_INDICES.map((i) => (
                    <option key={i} value={i}>
                      #{i} {devAccountRole(i)} {devAddresses[i] ? shortAddress(devAddresses[i]) : ""}
                    </option>
                  ))}
                </select>
                <button type="button" className="btn-primary" disabled={isPending} onClick={() => connectDevAccount(devIndex)}>
                  Use
                </button>
              </div>
            </section>
          )}
          <section>
            <h3 className="mb-2 text-sm font-semibold">Browser wallets</h3>
            {injectedConnectors.length === 0 && (
              <p className="text-xs text-slate-400" data-testid="no-browser-wallet">
                No browser wallet detected. Install one (any EIP-6963 wallet, such as MetaMask or Rabby) and reload
                {devConnector ? ", or use the development wallet above" : ""}.
              </p>
            )}
            <ul className="space-y-2">
              {injectedConnectors.map((c) => (
                <li key={c.uid}>
                  <button
                    type="button"
                    className="btn-secondary w-full justify-start"
                    disabled={isPending}
                    onClick={async () => {
                      await connectAsync({ connector: c }).catch(() => undefined);
                      setOpen(false);
                    }}
                  >
                    {/* biome-ignore lint/performance/noImgElement: wallet icons are data: URIs the wallet supplies; next/image has nothing to optimise */}
                    {c.icon && <img src={c.icon} alt="" className="size-5" />}
                    {c.name}
                  </button>
                </li>
              ))}
            </ul>
          </section>
          {error && <p className="mt-3 text-xs text-rose-400">{error.message.split("\n")[0]}</p>}
          {isConnected && (
            <button
              type="button"
              className="btn-ghost mt-4 w-full"
              onClick={() => {
                disconnect();
                setOpen(false);
              }}
            >
              Disconnect
            </button>
          )}
        </div>
      )}
    </div>
  );
}
