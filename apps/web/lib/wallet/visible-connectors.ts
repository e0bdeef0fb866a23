/** The fields of a wagmi connector that decide whether the wallet menu offers it. */
export interface ConnectorLike {
  id: string;
  type: string;
}

/**
 * Browser-wallet connectors worth a button: every wallet that announced itself over EIP-6963, and
 * the generic `injected()` connector only when a provider really sits at `window.ethereum` and no
 * announced wallet already stands for it. Without this the menu shows an "Injected" button on a
 * browser with no wallet, and a second button for the same MetaMask. The dev wallet has its own section.
 */
export function visibleBrowserWallets<T extends ConnectorLike>(connectors: readonly T[], hasWindowEthereum: boolean): T[] {
  const browser = connectors.filter((c) => c.type !== "devWallet");
  const announced = browser.filter((c) => c.id !== "injected");
  const generic = browser.filter((c) => c.id === "injected");
  return announced.length > 0 || !hasWindowEthereum ? announced : generic;
}
