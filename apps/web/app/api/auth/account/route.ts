import { apiRoute, json } from "@/lib/api";
import { currentAccountSession } from "@/lib/server/account-session";
import { publicOrigin } from "@/lib/server/runtime-config";
import { accountCookieHeader, revokeSession } from "@/lib/server/session";
import { siweSignIn } from "@/lib/server/siwe-sign-in";

/**
 * Sign-In with Ethereum for any wallet (renter or provider), to manage its notifications. The same
 * EIP-4361 checks and nonce as the arbiter console (/api/auth/verify), without the role check, and its
 * own cookie. Lives under /api/auth so the browser sends the nonce's pre-login cookie with it.
 */
export const POST = apiRoute((request) => siweSignIn(request, accountCookieHeader));

/** The signed-in wallet, or `{ session: null }`. */
export const GET = apiRoute(async (request) => {
  const session = await currentAccountSession(request);
  return json(
    { session: session && { address: session.address, chainId: session.chainId, expiresAt: session.expiresAt } },
    { headers: { "cache-control": "no-store" } },
  );
});

export const DELETE = apiRoute(async (request) => {
  const session = await currentAccountSession(request);
  if (session) await revokeSession(session);
  const secure = publicOrigin().protocol === "https:";
  return json({ signedOut: true }, { headers: { "set-cookie": accountCookieHeader("", 0, secure) } });
});
