import { apiRoute, json } from "@/lib/api";
import { siweNonces } from "@/lib/server/nonce-store";

/** Issues a single-use nonce for an EIP-4361 sign-in message (POST: it creates server state). */
export const POST = apiRoute(async () => {
  const { nonce, expiresAt } = siweNonces.issue();
  return json({ nonce, expiresAt: expiresAt.toISOString() }, { headers: { "cache-control": "no-store" } });
});
