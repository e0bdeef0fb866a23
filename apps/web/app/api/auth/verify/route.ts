import { ApiError, apiRoute } from "@/lib/api";
import { isArbiter } from "@/lib/server/arbiter";
import { sessionCookieHeader } from "@/lib/server/session";
import { siweSignIn } from "@/lib/server/siwe-sign-in";

export const POST = apiRoute((request) =>
  siweSignIn(request, sessionCookieHeader, async (address) => {
    if (!(await isArbiter(address))) {
      throw new ApiError(403, "not_arbiter", `${address} does not hold the arbiter role, so the console stays closed.`);
    }
  }),
);
