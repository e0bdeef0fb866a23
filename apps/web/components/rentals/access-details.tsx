"use client";
import { useState } from "react";
import type { Hex } from "viem";
import { openJson, type LeaseAccessPayload } from "@gridlease/sdk/crypto";
import { useRenterKey } from "@/lib/renter-key";

/** Decrypts the provider's sealed access details with the key this browser derives from the wallet. */
export function AccessDetails({ sealed }: { sealed: Hex }) {
  const { derive } = useRenterKey();
  const [access, setAccess] = useState<LeaseAccessPayload | null>(null);
  const [error, setError] = useState<string | null>(null);
  async function decrypt() {
    setError(null);
    try {
      setAccess(openJson<LeaseAccessPayload>(await derive(), sealed));
    } catch (e) {
      setError(e instanceof Error ? e.message.split("\n")[0]! : String(e));
    }
  }
  if (!access) {
    return (
      <div>
        <button type="button" className="btn-secondary" onClick={decrypt}>Decrypt access details</button>
        {error && <p className="field-error">{error}</p>}
      </div>
    );
  }
  const host = typeof access.host === "string" ? access.host : undefined;
  const user = typeof access.user === "string" ? access.user : undefined;
  const port = typeof access.port === "number" || typeof access.port === "string" ? String(access.port) : undefined;
  return (
    <div className="rounded-lg bg-slate-950/70 p-3 text-sm" data-testid="access-details">
      {host && <p className="font-mono text-emerald-300" data-testid="ssh-command">ssh {port && port !== "22" ? `-p ${port} ` : ""}{user ? `${user}@` : ""}{host}</p>}
      <dl className="mt-2 grid grid-cols-[auto_1fr] gap-x-3 gap-y-1 text-xs">
        {Object.entries(access).filter(([key, value]) => key !== "sshPublicKey" && value !== "" && value !== null).map(([key, value]) => (
          <div key={key} className="contents">
            <dt className="text-slate-400">{key}</dt>
            <dd className="break-all font-mono">{typeof value === "string" ? value : JSON.stringify(value)}</dd>
          </div>
        ))}
      </dl>
    </div>
  );
}
