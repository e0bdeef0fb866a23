import { parseUnits } from "viem";
import { z } from "zod";
import { TOKEN_DECIMALS } from "./format";

const usdcField = (label: string) =>
  z
    .string()
    .trim()
    .regex(/^\d{1,12}(\.\d{1,6})?$/, `${label} must be a USDC amount like 12.50 (up to 6 decimals)`)
    .transform((v) => parseUnits(v, TOKEN_DECIMALS))
    .refine((v) => v > 0n, `${label} must be more than 0`);

/** The auto top-up form (components/rentals/auto-top-up.tsx): each message names the field, as LeaseTopUps' InvalidPolicy would. */
export const policyFormSchema = z.object({
  keepHours: z.coerce
    .number({ error: "Time to keep left must be a number of hours" })
    .min(1 / 60, "Time to keep left must be at least one minute (0.017 hours)")
    .max(720, "Time to keep left must be at most 720 hours"),
  cap: usdcField("The spending cap"),
  maxPrice: usdcField("The price limit"),
  maxHoursPerTopUp: z.coerce
    .number()
    .int("Hours per top-up must be whole hours")
    .min(0, "Hours per top-up must not be negative")
    .max(720, "Hours per top-up must be at most 720"),
});

/** The form's values as LeaseTopUps.setPolicy takes them (seconds, token units). */
export function toPolicyParams(form: z.output<typeof policyFormSchema>) {
  return {
    minSecondsLeft: Math.round(form.keepHours * 3600),
    maxHoursPerTopUp: form.maxHoursPerTopUp,
    maxTotalSpend: form.cap,
    maxPricePerGpuHour: form.maxPrice,
  };
}
