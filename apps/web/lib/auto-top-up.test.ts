import { describe, expect, it } from "vitest";
import { policyFormSchema, toPolicyParams } from "./auto-top-up";

const valid = { keepHours: "2", cap: "50", maxPrice: "2.75", maxHoursPerTopUp: "0" };
const firstError = (input: Record<string, string>) => policyFormSchema.safeParse(input).error?.issues[0]?.message;

describe("the auto top-up form", () => {
  it("turns hours and USDC into what LeaseTopUps.setPolicy takes", () => {
    expect(toPolicyParams(policyFormSchema.parse(valid))).toEqual({
      minSecondsLeft: 7_200,
      maxHoursPerTopUp: 0,
      maxTotalSpend: 50_000_000n,
      maxPricePerGpuHour: 2_750_000n,
    });
    expect(toPolicyParams(policyFormSchema.parse({ ...valid, keepHours: "0.5", maxHoursPerTopUp: "3" }))).toMatchObject({
      minSecondsLeft: 1_800,
      maxHoursPerTopUp: 3,
    });
  });

  it("refuses what the contract would refuse, naming the field, before any wallet prompt", () => {
    expect(firstError({ ...valid, keepHours: "0" })).toBe("Time to keep left must be at least one minute (0.017 hours)");
    expect(firstError({ ...valid, keepHours: "lots" })).toBe("Time to keep left must be a number of hours");
    expect(firstError({ ...valid, cap: "0" })).toBe("The spending cap must be more than 0");
    expect(firstError({ ...valid, cap: "-5" })).toBe("The spending cap must be a USDC amount like 12.50 (up to 6 decimals)");
    expect(firstError({ ...valid, maxPrice: "1.1234567" })).toBe("The price limit must be a USDC amount like 12.50 (up to 6 decimals)");
    expect(firstError({ ...valid, maxHoursPerTopUp: "1.5" })).toBe("Hours per top-up must be whole hours");
    expect(firstError({ ...valid, maxHoursPerTopUp: "-1" })).toBe("Hours per top-up must not be negative");
  });
});
