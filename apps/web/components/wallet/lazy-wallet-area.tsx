"use client";
import dynamic from "next/dynamic";

export const LazyWalletArea = dynamic(() => import("./wallet-area"), {
  ssr: false,
  loading: () => (
    <button type="button" className="btn-secondary" disabled>
      Connect wallet
    </button>
  ),
});
