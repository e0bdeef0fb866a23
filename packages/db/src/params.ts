import { z } from "zod";

/** Request parameters the read modules share (offers, providers, leases), validated once with zod. */

export const addressSchema = z
  .string()
  .regex(/^0x[0-9a-fA-F]{40}$/, "must be a 0x-prefixed 20-byte address")
  .transform((value) => value.toLowerCase());

export const idSchema = z.string().regex(/^[1-9]\d{0,77}$/, "must be a positive whole number");

export const chainIdParam = z.coerce.number().int("must be a whole number").positive("must be positive").optional();

/** Largest id the mirror's BIGINT columns hold; a larger one names nothing stored (and would make PostgreSQL throw). */
export const MAX_STORED_ID = 2n ** 63n - 1n;
