import { parseUnits } from "viem";
import { z } from "zod";
import { TOKEN_DECIMALS } from "./format";

/** A USDC amount typed by a person ("12.5") → base units; at most 6 decimals, never negative. */
export const usdcInput = (label: string) =>
  z
    .string()
    .trim()
    .regex(/^\d{1,12}(\.\d{1,6})?$/, `${label} must be a USDC amount like 12.50 (up to 6 decimals)`)
    .transform((value) => parseUnits(value, TOKEN_DECIMALS));
