/**
 * A typed client for the Gridlease JSON API (docs/api.md, /api/openapi.json). Request types are the
 * input types of the zod schemas the routes parse, and answer types are those of the query functions
 * that produce them (as JSON: bigint → decimal string), so a change to a route's schema or answer
 * shows up here as a type error. Imports from @gridlease/db are types only: nothing of the database
 * layer reaches a browser bundle.
 */
import type { getOfferDetail, getProviderDetail, leaseListQuerySchema, listLeases, MarketStats, OfferSearchQueryInput, OfferSearchResult } from "@gridlease/db";
import type { z } from "zod";
import { ClientError } from "./errors";

/** A value as it arrives after JSON: bigints as decimal strings, dates as ISO strings. */
export type Json<T> = T extends bigint
  ? string
  : T extends Date
    ? string
    : T extends (infer U)[]
      ? Json<U>[]
      : T extends object
        ? { [K in keyof T]: Json<T[K]> }
        : T;

export type OfferSearchInput = OfferSearchQueryInput;
export type OfferSearchAnswer = Json<OfferSearchResult>;
export type OfferDetail = Json<NonNullable<Awaited<ReturnType<typeof getOfferDetail>>>>;
export type ProviderDetail = Json<NonNullable<Awaited<ReturnType<typeof getProviderDetail>>>>;
export type LeaseListInput = z.input<typeof leaseListQuerySchema>;
export type LeaseList = Json<Awaited<ReturnType<typeof listLeases>>>;
export type Stats = Json<MarketStats>;
export interface AdminSession {
  address: string;
  chainId: number /** unix seconds */;
  expiresAt: number;
}

/** An API answer other than 2xx: the status and the API's `{ error: { code, message, field } }`. */
export class GridleaseApiError extends ClientError {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = "GridleaseApiError";
  }
}

export interface ClientOptions {
  /** Where the web app is served, e.g. http://127.0.0.1:3000; "" for same-origin calls in a browser. */
  baseUrl?: string;
  fetch?: typeof fetch;
}

type QueryValue = string | number | boolean | bigint | readonly (string | number)[] | undefined | null;

/** URL query text: arrays as repeated keys (what the routes read), undefined/null left out. */
export function queryString(query: Record<string, QueryValue> | object = {}): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query as Record<string, QueryValue>)) {
    if (value === undefined || value === null) continue;
    if (Array.isArray(value)) for (const item of value) params.append(key, String(item));
    else params.append(key, String(value));
  }
  const text = params.toString();
  return text ? `?${text}` : "";
}

export class GridleaseApi {
  private readonly baseUrl: string;
  private readonly fetcher: typeof fetch;

  constructor(options: ClientOptions = {}) {
    this.baseUrl = (options.baseUrl ?? "").replace(/\/$/, "");
    this.fetcher = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  }

  /** Sends one request and returns the parsed JSON, or throws GridleaseApiError with the API's sentence. */
  async request<T>(method: string, path: string, init: { body?: unknown; allow404?: boolean } = {}): Promise<T> {
    let response: Response;
    try {
      response = await this.fetcher(`${this.baseUrl}${path}`, {
        method,
        cache: "no-store",
        headers: init.body === undefined ? {} : { "content-type": "application/json" },
        body: init.body === undefined ? undefined : JSON.stringify(init.body),
      });
    } catch (error) {
      // No answer at all (refused, DNS, TLS): say where we tried, as a status-0 API error.
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      throw new GridleaseApiError(
        0,
        "unreachable",
        `Cannot reach the Gridlease API at ${this.baseUrl || "this site"}: ${cause?.code ?? cause?.message ?? (error as Error).message}.`,
      );
    }
    const text = await response.text();
    let payload: unknown = null;
    try {
      payload = text ? JSON.parse(text) : null;
    } catch {
      // Not JSON (a proxy's error page): reported below with the status.
    }
    if (response.ok) return payload as T;
    if (response.status === 404 && init.allow404) return null as T;
    const error = (payload as { error?: { code?: string; message?: string; field?: string } } | null)?.error;
    throw new GridleaseApiError(
      response.status,
      error?.code ?? "http_error",
      error?.message ?? `The API answered ${response.status} ${response.statusText}.`,
      error?.field,
    );
  }

  searchOffers(query: OfferSearchInput = {}): Promise<OfferSearchAnswer> {
    return this.request("GET", `/api/offers${queryString(query)}`);
  }

  /** One offer, or null when it does not exist. */
  getOffer(id: string | bigint, options: { chainId?: number } = {}): Promise<OfferDetail | null> {
    return this.request("GET", `/api/offers/${encodeURIComponent(String(id))}${queryString(options)}`, { allow404: true });
  }

  /** One provider, or null when it is not registered. */
  getProvider(address: string, options: { chainId?: number } = {}): Promise<ProviderDetail | null> {
    return this.request("GET", `/api/providers/${encodeURIComponent(address)}${queryString(options)}`, { allow404: true });
  }

  listLeases(query: LeaseListInput): Promise<LeaseList> {
    return this.request("GET", `/api/leases${queryString(query)}`);
  }

  getStats(options: { chainId?: number } = {}): Promise<Stats> {
    return this.request("GET", `/api/stats${queryString(options)}`);
  }

  openApi(): Promise<Record<string, unknown>> {
    return this.request("GET", "/api/openapi.json");
  }

  // Admin console (same-origin, cookie session).
  getSession(): Promise<{ session: AdminSession | null }> {
    return this.request("GET", "/api/auth/session");
  }

  createNonce(): Promise<{ nonce: string; expiresAt: string }> {
    return this.request("POST", "/api/auth/nonce");
  }

  verifySignIn(login: { message: string; signature: string }): Promise<{ address: string; expiresAt: number }> {
    return this.request("POST", "/api/auth/verify", { body: login });
  }

  signOut(): Promise<{ signedOut: boolean }> {
    return this.request("DELETE", "/api/auth/session");
  }

  listDisputes<T = Record<string, unknown>>(): Promise<T> {
    return this.request("GET", "/api/admin/disputes");
  }
}
