"use client";
import { ConnectButton } from "./connect-button";
import { NetworkGuard } from "./network-guard";
import { WalletProviders } from "./wallet-providers";

/** The header's wallet island: loaded after the page is interactive (see site-header.tsx). */
export default function WalletArea() {
  return (
    <WalletProviders>
      <ConnectButton />
      <NetworkGuard />
    </WalletProviders>
  );
}
