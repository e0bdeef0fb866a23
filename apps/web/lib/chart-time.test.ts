import { describe, expect, it } from "vitest";
import { stepSeries, timeLabel, timeTick, timeTicks } from "./chart-time";

const T = Date.UTC(2026, 11, 1, 9, 30) / 1000;

describe("chart time axis", () => {
  it("labels ticks with the clock within two days and with the date beyond", () => {
    expect(timeTick(T, 3_600)).toBe("09:30");
    expect(timeTick(T, 10 * 86_400)).toBe("12-01");
    expect(timeTick(T, 400 * 86_400)).toBe("2026-12-01");
    expect(timeLabel(T)).toBe("2026-12-01 09:30 UTC");
  });

  it("orders points by time, drops ones without a time and carries the last value to now", () => {
    const series = stepSeries(
      [
        { time: T + 60, v: 2 },
        { time: null, v: 9 },
        { time: T, v: 1 },
      ],
      T + 600,
    );
    expect(series).toEqual([
      { time: T, v: 1 },
      { time: T + 60, v: 2 },
      { time: T + 600, v: 2 },
    ]);
  });

  it("places points at their times, so uneven gaps stay uneven", () => {
    const series = stepSeries(
      [
        { time: T, v: 1 },
        { time: T + 10, v: 2 },
        { time: T + 3_600, v: 3 },
      ],
      T + 3_600,
    );
    expect(series.map((p) => p.time - T)).toEqual([0, 10, 3_600]);
  });
});

describe("timeTicks", () => {
  it("ticks on round UTC times that fit the span", () => {
    // 09:30 to 12:10: hourly ticks at 10:00, 11:00, 12:00.
    expect(timeTicks(T, T + 2 * 3_600 + 40 * 60).map((t) => timeTick(t, 3 * 3_600))).toEqual(["10:00", "11:00", "12:00"]);
    // Ten minutes: 5-minute ticks.
    expect(timeTicks(T, T + 600).map((t) => timeTick(t, 600))).toEqual(["09:30", "09:35", "09:40"]);
    // Three weeks: weekly ticks, at most five.
    expect(timeTicks(T, T + 21 * 86_400).length).toBeLessThanOrEqual(5);
  });
});
