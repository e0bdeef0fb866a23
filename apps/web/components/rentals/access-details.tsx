"use client";
import { useState } from "react";
import type { Hex } from "viem";
import { openJson, type LeaseAccessPayload, type SealContext } from "@gridlease/sdk/crypto";
import { useRenterKey } from "@/lib/renter-key";
import { AccessDetailsView } from "./access-details-view";

/** Decrypts the provider's sealed access details with the key this browser derives from the wallet. */
export function AccessDetails({ sealed, context }: { sealed: Hex; context: SealContext }) {
  const { derive } = useRenterKey();
  const [access, setAccess] = useState<LeaseAccessPayload | null>(null);
  const [error, setError] = useState<string | null>(null);
  async function decrypt() {
    setError(null);
    try {
      setAccess(openJson<LeaseAccessPayload>(await derive(), sealed, context));
    } catch (e) {
      setError(e instanceof Error ? e.message.split("\n")[0]! : String(e));
    }
  }
  if (!access) {
    return (
      <div>
        <button type="button" className="btn-secondary" onClick={decrypt}>
          Decrypt access details
        </button>
        {error && <p className="field-error">{error}</p>}
      </div>
    );
  }
  return <AccessDetailsView access={access} chainId={context.chainId} leaseId={context.kind === "access" ? context.leaseId : undefined} />;
}
