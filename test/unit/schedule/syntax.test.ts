// Every syntax feature of SPEC §5 with hand-checked fire times, and every refusal.
import { describe, expect, it } from "vitest";
import {
  canonicalTimeZone,
  compileSchedule,
  describeSchedule,
  nextFireAfter,
  nextFires,
  ScheduleError,
} from "../../../src/schedule/index";

function fires(expr: string, from: string, count: number, tz = "UTC"): string[] {
  return nextFires(compileSchedule(expr, tz), Date.parse(from), count).map((t) =>
    new Date(t).toISOString().replace(":00.000Z", "Z"),
  );
}

const JAN1 = "2026-01-01T00:00:00Z";

describe("syntax", () => {
  it.each([
    ["*/5 * * * *", ["2026-01-01T00:05Z", "2026-01-01T00:10Z", "2026-01-01T00:15Z"]],
    ["0 9,17 * * *", ["2026-01-01T09:00Z", "2026-01-01T17:00Z", "2026-01-02T09:00Z"]],
    ["0 9-11 * * *", ["2026-01-01T09:00Z", "2026-01-01T10:00Z", "2026-01-01T11:00Z"]],
    ["10/20 * * * *", ["2026-01-01T00:10Z", "2026-01-01T00:30Z", "2026-01-01T00:50Z"]],
    ["0 0-12/6 * * *", ["2026-01-01T06:00Z", "2026-01-01T12:00Z", "2026-01-02T00:00Z"]],
    ["0 0 1 JAN,jul *", ["2026-07-01T00:00Z", "2027-01-01T00:00Z", "2027-07-01T00:00Z"]],
    ["0 0 1 feb-APR *", ["2026-02-01T00:00Z", "2026-03-01T00:00Z", "2026-04-01T00:00Z"]],
    // 2026-01-01 is a Thursday.
    ["0 9 * * mon-fri", ["2026-01-01T09:00Z", "2026-01-02T09:00Z", "2026-01-05T09:00Z"]],
    ["0 0 * * 7", ["2026-01-04T00:00Z", "2026-01-11T00:00Z", "2026-01-18T00:00Z"]],
    ["0 0 * * 0", ["2026-01-04T00:00Z", "2026-01-11T00:00Z", "2026-01-18T00:00Z"]],
    ["0 0 * * 5-7", ["2026-01-02T00:00Z", "2026-01-03T00:00Z", "2026-01-04T00:00Z"]],
    ["0 0 ? * MON", ["2026-01-05T00:00Z", "2026-01-12T00:00Z", "2026-01-19T00:00Z"]],
    ["0 0 L * ?", ["2026-01-31T00:00Z", "2026-02-28T00:00Z", "2026-03-31T00:00Z"]],
    ["0 0 L-2 * *", ["2026-01-29T00:00Z", "2026-02-26T00:00Z", "2026-03-29T00:00Z"]],
    // 15 Feb and 15 Mar 2026 are Sundays (→ Monday); 15 Aug 2026 is a Saturday (→ Friday).
    ["0 0 15W * *", ["2026-01-15T00:00Z", "2026-02-16T00:00Z", "2026-03-16T00:00Z"]],
    ["0 0 15W 8 *", ["2026-08-14T00:00Z", "2027-08-16T00:00Z", "2028-08-15T00:00Z"]],
    // 1 Aug 2026 is a Saturday: the nearest weekday inside the month is Monday the 3rd.
    ["0 0 1W 8 *", ["2026-08-03T00:00Z", "2027-08-02T00:00Z", "2028-08-01T00:00Z"]],
    // 31 May 2026 is a Sunday: Friday the 29th, not Monday 1 June.
    ["0 0 31W 5 *", ["2026-05-29T00:00Z", "2027-05-31T00:00Z", "2028-05-31T00:00Z"]],
    ["0 0 LW * *", ["2026-01-30T00:00Z", "2026-02-27T00:00Z", "2026-03-31T00:00Z"]],
    ["0 0 ? * 5#3", ["2026-01-16T00:00Z", "2026-02-20T00:00Z", "2026-03-20T00:00Z"]],
    ["0 0 ? * MON#1", ["2026-01-05T00:00Z", "2026-02-02T00:00Z", "2026-03-02T00:00Z"]],
    ["0 0 * * 1#5", ["2026-03-30T00:00Z", "2026-06-29T00:00Z", "2026-08-31T00:00Z"]],
    ["0 0 * * 5L", ["2026-01-30T00:00Z", "2026-02-27T00:00Z", "2026-03-27T00:00Z"]],
    ["0 0 * * friL", ["2026-01-30T00:00Z", "2026-02-27T00:00Z", "2026-03-27T00:00Z"]],
    ["0 0 * * 7L", ["2026-01-25T00:00Z", "2026-02-22T00:00Z", "2026-03-29T00:00Z"]],
    // Vixie/ISC: both day fields restricted → either matches (the 13th, or a Friday).
    ["0 0 13 * 5", ["2026-01-02T00:00Z", "2026-01-09T00:00Z", "2026-01-13T00:00Z"]],
    ["0 0 13 * *", ["2026-01-13T00:00Z", "2026-02-13T00:00Z", "2026-03-13T00:00Z"]],
    ["0 0 */10 * 1", ["2026-01-05T00:00Z", "2026-01-11T00:00Z", "2026-01-12T00:00Z"]],
    ["0 0 1,L * *", ["2026-01-31T00:00Z", "2026-02-01T00:00Z", "2026-02-28T00:00Z"]],
    ["0 0 1 * MON#2,FRI#3", ["2026-01-12T00:00Z", "2026-01-16T00:00Z", "2026-02-01T00:00Z"]],
    ["@yearly", ["2027-01-01T00:00Z", "2028-01-01T00:00Z", "2029-01-01T00:00Z"]],
    ["@annually", ["2027-01-01T00:00Z", "2028-01-01T00:00Z", "2029-01-01T00:00Z"]],
    ["@monthly", ["2026-02-01T00:00Z", "2026-03-01T00:00Z", "2026-04-01T00:00Z"]],
    ["@weekly", ["2026-01-04T00:00Z", "2026-01-11T00:00Z", "2026-01-18T00:00Z"]],
    ["@daily", ["2026-01-02T00:00Z", "2026-01-03T00:00Z", "2026-01-04T00:00Z"]],
    ["@midnight", ["2026-01-02T00:00Z", "2026-01-03T00:00Z", "2026-01-04T00:00Z"]],
    ["@HOURLY", ["2026-01-01T01:00Z", "2026-01-01T02:00Z", "2026-01-01T03:00Z"]],
    [
      "*/20 * * * * *",
      ["2026-01-01T00:00:20.000Z", "2026-01-01T00:00:40.000Z", "2026-01-01T00:01Z"],
    ],
    [
      "30 0 9 * * *",
      ["2026-01-01T09:00:30.000Z", "2026-01-02T09:00:30.000Z", "2026-01-03T09:00:30.000Z"],
    ],
    ["  0   12  *  *  *  ", ["2026-01-01T12:00Z", "2026-01-02T12:00Z", "2026-01-03T12:00Z"]],
    ["0 0 29 2 *", ["2028-02-29T00:00Z", "2032-02-29T00:00Z", "2036-02-29T00:00Z"]],
    ["0 0 L 2 *", ["2026-02-28T00:00Z", "2027-02-28T00:00Z", "2028-02-29T00:00Z"]],
    // Either Feb 29 or a Monday in February.
    ["0 0 29 2 1", ["2026-02-02T00:00Z", "2026-02-09T00:00Z", "2026-02-16T00:00Z"]],
    // A fifth Monday in February needs a leap year whose 1 Feb is a Monday.
    ["0 0 ? 2 MON#5", ["2044-02-29T00:00Z", "2072-02-29T00:00Z", "2112-02-29T00:00Z"]],
  ])("%s", (expr, expected) => {
    expect(fires(expr, JAN1, 3)).toEqual(expected);
  });

  it("skips 2100, which is not a leap year, for 0 0 29 2 *", () => {
    expect(fires("0 0 29 2 *", "2096-03-01T00:00:00Z", 2)).toEqual([
      "2104-02-29T00:00Z",
      "2108-02-29T00:00Z",
    ]);
  });

  it("fires strictly after the given instant, also with sub-second input", () => {
    const s = compileSchedule("* * * * * *");
    expect(nextFireAfter(s, 1_000)).toBe(2_000);
    expect(nextFireAfter(s, 1_000.5)).toBe(2_000);
    expect(nextFireAfter(s, 999.9)).toBe(1_000);
  });

  it("returns null rather than throwing for unusable instants", () => {
    const s = compileSchedule("0 0 * * *", "Europe/Berlin");
    expect(nextFireAfter(s, Number.NaN)).toBeNull();
    expect(nextFireAfter(s, Number.POSITIVE_INFINITY)).toBeNull();
    expect(nextFireAfter(s, 8.64e15)).toBeNull();
    expect(nextFires(s, Number.NaN, 3)).toEqual([]);
    // Far past: starts at the year 1000, the earliest supported.
    expect(new Date(nextFireAfter(s, Number.NEGATIVE_INFINITY)!).getUTCFullYear()).toBe(1000);
  });
});

describe("compileSchedule", () => {
  it("reports what it compiled", () => {
    expect(compileSchedule("  0 9 * * 1-5 ", "america/new_york")).toEqual({
      expression: "0 9 * * 1-5",
      timezone: "America/New_York",
      hasSeconds: false,
      fixedTime: true,
    });
    expect(compileSchedule("*/10 * * * * *")).toMatchObject({ timezone: "UTC", hasSeconds: true });
  });

  it("takes the zone from a CRON_TZ= or TZ= prefix, which wins over the argument", () => {
    expect(compileSchedule("CRON_TZ=Asia/Tokyo 0 9 * * *", "Europe/Paris")).toMatchObject({
      expression: "0 9 * * *",
      timezone: "Asia/Tokyo",
    });
    expect(compileSchedule(" TZ=Asia/Calcutta  @daily")).toMatchObject({
      expression: "@daily",
      timezone: "Asia/Kolkata",
    });
    const s = compileSchedule("CRON_TZ=Asia/Tokyo 0 9 * * *");
    const from = Date.parse("2025-12-31T12:00:00Z");
    expect(new Date(nextFireAfter(s, from)!).toISOString()).toBe("2026-01-01T00:00:00.000Z");
  });

  it.each([
    ["0 2 * * *", true],
    ["30 2 * * *", true],
    ["5 1-3 * * *", true],
    ["0,30 2 * * *", true],
    ["0 */2 * * *", false],
    ["*/15 * * * *", false],
    ["0 * * * *", false],
    ["* 2 * * *", false],
    ["0 0 2 * * *", true],
    ["*/5 0 2 * * *", false],
    ["@daily", true],
    ["@weekly", true],
    ["@hourly", false],
  ])("%s is fixed-time: %s", (expr, fixed) => {
    expect(compileSchedule(expr).fixedTime).toBe(fixed);
  });

  it("does not expose internals when serialized", () => {
    const s = compileSchedule("0 9 * * *", "Europe/Paris");
    expect(JSON.parse(JSON.stringify(s))).toEqual(s);
    // A plain copy (e.g. read back from storage) still works.
    const copy = { ...s };
    expect(nextFireAfter(copy, Date.parse(JAN1))).toBe(nextFireAfter(s, Date.parse(JAN1)));
    expect(describeSchedule(copy)).toBe(describeSchedule(s));
  });
});

function refusal(expr: string, tz?: string): { code: string; message: string; field?: string } {
  try {
    compileSchedule(expr, tz);
  } catch (e) {
    expect(e).toBeInstanceOf(ScheduleError);
    const err = e as ScheduleError;
    return { code: err.code, message: err.message, ...(err.field ? { field: err.field } : {}) };
  }
  throw new Error(`accepted: ${expr}`);
}

describe("refusals", () => {
  it.each([
    ["61 * * * *", "minute field: value 61 out of range 0-59", "minute"],
    ["* 24 * * *", "hour field: value 24 out of range 0-23", "hour"],
    ["* * 0 * *", "day-of-month field: value 0 out of range 1-31", "day-of-month"],
    ["* * 32 * *", "day-of-month field: value 32 out of range 1-31", "day-of-month"],
    ["* * * 13 *", "month field: value 13 out of range 1-12", "month"],
    ["* * * * 8", "day-of-week field: value 8 out of range 0-7", "day-of-week"],
    ["60 * * * * *", "second field: value 60 out of range 0-59", "second"],
    ["* * * FOO *", 'month field: unknown name "FOO"', "month"],
    ["* * * * MONDAY", 'day-of-week field: unknown name "MONDAY"', "day-of-week"],
    ["a * * * *", 'minute field: invalid value "a"', "minute"],
    ["-5 * * * *", 'minute field: invalid range "-5"', "minute"],
    ["*/0 * * * *", "minute field: step 0 out of range 1-60", "minute"],
    ["*/61 * * * *", "minute field: step 61 out of range 1-60", "minute"],
    ["*/x * * * *", 'minute field: invalid step "x"', "minute"],
    ["1/2/3 * * * *", 'minute field: invalid step in "1/2/3"', "minute"],
    ["5-1 * * * *", "minute field: range 5-1 is backwards (start is after end)", "minute"],
    [
      "* * * * FRI-MON",
      "day-of-week field: range FRI-MON is backwards (start is after end)",
      "day-of-week",
    ],
    ["1,,2 * * * *", 'minute field: empty item in list "1,,2"', "minute"],
    [
      "? * * * *",
      'minute field: "?" is only allowed in the day-of-month and day-of-week fields',
      "minute",
    ],
    ["* * ?,1 * *", 'day-of-month field: "?" must be the whole field', "day-of-month"],
    ["* * L-31 * *", "day-of-month field: L-31 out of range L-0 to L-30", "day-of-month"],
    [
      "* * W * *",
      'day-of-month field: invalid "W" (use L, L-n, LW or nW such as 15W)',
      "day-of-month",
    ],
    ["* * 32W * *", "day-of-month field: value 32 out of range 1-31", "day-of-month"],
    ["* * * * 5#6", 'day-of-week field: #6 out of range 1-5 in "5#6"', "day-of-week"],
    ["* * * * 5#0", 'day-of-week field: #0 out of range 1-5 in "5#0"', "day-of-week"],
    ["* * * * 9#1", "day-of-week field: value 9 out of range 0-7", "day-of-week"],
    [
      "* * * * L",
      'day-of-week field: "L" needs a weekday here, e.g. 5L for the last Friday',
      "day-of-week",
    ],
  ])("%s → %s", (expr, message, field) => {
    expect(refusal(expr)).toEqual({ code: "INVALID_CRON", message, field });
  });

  it.each([
    ["", "empty expression"],
    ["   ", "empty expression"],
    ["CRON_TZ=UTC", "empty expression"],
    [
      "* * * *",
      "expected 5 fields (minute hour day-of-month month day-of-week) or 6 (with leading seconds), got 4",
    ],
    [
      "* * * * * * *",
      "expected 5 fields (minute hour day-of-month month day-of-week) or 6 (with leading seconds), got 7",
    ],
    [
      "@reboot",
      "unknown nickname @reboot (supported: @yearly @annually @monthly @weekly @daily @midnight @hourly)",
    ],
    [
      "@daily 5",
      "unknown nickname @daily 5 (supported: @yearly @annually @monthly @weekly @daily @midnight @hourly)",
    ],
  ])("%j → %s", (expr, message) => {
    expect(refusal(expr)).toEqual({ code: "INVALID_CRON", message });
  });

  it.each([
    ["0 0 30 2 *", 'never fires: no day in FEB matches day-of-month "30"'],
    ["0 0 31 2 *", 'never fires: no day in FEB matches day-of-month "31"'],
    ["0 0 31 4 *", 'never fires: no day in APR matches day-of-month "31"'],
    ["0 0 31 4,6,9,11 *", 'never fires: no day in APR,JUN,SEP,NOV matches day-of-month "31"'],
    ["0 0 30,31 FEB ?", 'never fires: no day in FEB matches day-of-month "30,31"'],
    ["0 0 L-29 2 *", 'never fires: no day in FEB matches day-of-month "L-29"'],
    ["0 0 0 31 2 *", 'never fires: no day in FEB matches day-of-month "31"'],
  ])("%s never fires", (expr, message) => {
    expect(refusal(expr)).toEqual({ code: "INVALID_CRON", message, field: "day-of-month" });
  });

  it("accepts 0 0 29 2 * (leap days) and days that exist in some selected month", () => {
    expect(() => compileSchedule("0 0 29 2 *")).not.toThrow();
    expect(() => compileSchedule("0 0 31 2,3 *")).not.toThrow();
    // Day 31 does not exist in February, but Mondays do (either field may match).
    expect(() => compileSchedule("0 0 31 2 1")).not.toThrow();
  });

  it.each([
    ["* * * * *", "Mars/Olympus_Mons", 'unknown time zone "Mars/Olympus_Mons"'],
    ["* * * * *", "+05:00", 'unknown time zone "+05:00"'],
    ["* * * * *", "", 'unknown time zone ""'],
    ["CRON_TZ=Nowhere/Town * * * * *", "UTC", 'unknown time zone "Nowhere/Town"'],
  ])("%s in %j → INVALID_TIMEZONE", (expr, tz, message) => {
    expect(refusal(expr, tz)).toEqual({ code: "INVALID_TIMEZONE", message });
  });

  it("checks the zone before the expression", () => {
    expect(refusal("61 * * * *", "Nowhere/Town").code).toBe("INVALID_TIMEZONE");
  });
});

describe("canonicalTimeZone", () => {
  it.each([
    ["America/New_York", "America/New_York"],
    ["america/new_york", "America/New_York"],
    ["US/Eastern", "America/New_York"],
    ["Asia/Calcutta", "Asia/Kolkata"],
    ["Asia/Kolkata", "Asia/Kolkata"],
    ["Europe/Kiev", "Europe/Kyiv"],
    ["Asia/Saigon", "Asia/Ho_Chi_Minh"],
    ["UTC", "UTC"],
    ["Etc/UTC", "UTC"],
    ["GMT", "UTC"],
    ["Pacific/Chatham", "Pacific/Chatham"],
  ])("%s → %s", (tz, canonical) => {
    expect(canonicalTimeZone(tz)).toBe(canonical);
  });

  it.each(["Nowhere/Town", "", "+05:00", "Z", "../etc/passwd"])("%j → null", (tz) => {
    expect(canonicalTimeZone(tz)).toBeNull();
  });
});

describe("describeSchedule", () => {
  it.each([
    ["0 9 * * 1", "America/New_York", "At 09:00, only on Monday (America/New_York)"],
    ["0 9 * * 1-5", "UTC", "At 09:00, Monday through Friday (UTC)"],
    ["*/10 * * * * *", "UTC", "Every 10 seconds (UTC)"],
    ["@daily", "Europe/Paris", "At 00:00 (Europe/Paris)"],
    ["@hourly", "UTC", "Every hour (UTC)"],
    ["0 0 L * *", "UTC", "At 00:00, on the last day of the month (UTC)"],
    ["0 0 ? * 5#3", "UTC", "At 00:00, on the third Friday of the month (UTC)"],
    ["0 0 1 * 1", "UTC", "At 00:00, on day 1 of the month, and on Monday (UTC)"],
    ["CRON_TZ=Asia/Tokyo 30 2 * * *", "UTC", "At 02:30 (Asia/Tokyo)"],
  ])("%s in %s", (expr, tz, text) => {
    expect(describeSchedule(compileSchedule(expr, tz))).toBe(text);
  });
});
