import { GridleaseApi } from "@gridlease/client";

/** The browser's client for this site's own API (same origin, so the admin session cookie goes along). */
export const webApi = new GridleaseApi({ baseUrl: "" });
