// The DST rules of SPEC §5 on the nights that matter, checked by hand.
import { describe, expect, it } from "vitest";
import { compileSchedule, nextFireAfter, nextFires } from "../../../src/schedule/index";

const iso = (t: number) => new Date(t).toISOString().replace(":00.000Z", "Z");

function fires(expr: string, tz: string, from: string, count: number): string[] {
  return nextFires(compileSchedule(expr, tz), Date.parse(from), count).map(iso);
}

function firesUntil(expr: string, tz: string, from: string, to: string): string[] {
  const s = compileSchedule(expr, tz);
  const out: string[] = [];
  for (
    let t = nextFireAfter(s, Date.parse(from));
    t !== null && t <= Date.parse(to);
    t = nextFireAfter(s, t)
  ) {
    out.push(iso(t));
  }
  return out;
}

describe("America/New_York, spring forward 2026-03-08 (02:00 EST → 03:00 EDT = 07:00Z)", () => {
  const NY = "America/New_York";
  it("a fixed-time job due in the gap fires once when it ends", () => {
    expect(fires("30 2 * * *", NY, "2026-03-07T12:00:00Z", 3)).toEqual([
      "2026-03-08T07:00Z", // 03:00 EDT
      "2026-03-09T06:30Z", // 02:30 EDT
      "2026-03-10T06:30Z",
    ]);
  });

  it("several matching wall times in the gap still fire once", () => {
    expect(fires("0,30 2 * * *", NY, "2026-03-07T12:00:00Z", 2)).toEqual([
      "2026-03-08T07:00Z",
      "2026-03-09T06:00Z",
    ]);
    expect(fires("*/5 2 * * * ", NY, "2026-03-08T06:00:00Z", 1)).toEqual(["2026-03-09T06:00Z"]);
  });

  it("a gap fire and a match at the gap's end are the same single fire", () => {
    expect(fires("0,30 2,3 * * *", NY, "2026-03-08T05:00:00Z", 3)).toEqual([
      "2026-03-08T07:00Z", // 03:00 EDT: the gap's 02:00 and 02:30, and 03:00 itself
      "2026-03-08T07:30Z", // 03:30 EDT
      "2026-03-09T06:00Z",
    ]);
  });

  it("a 6-field fixed-time job in the gap fires at the gap's end", () => {
    expect(fires("15 30 2 * * *", NY, "2026-03-08T06:00:00Z", 2)).toEqual([
      "2026-03-08T07:00Z",
      "2026-03-09T06:30:15.000Z",
    ]);
  });

  it("a wildcard job fires only at wall times that exist", () => {
    expect(firesUntil("*/30 * * * *", NY, "2026-03-08T06:00:00Z", "2026-03-08T08:00:00Z")).toEqual([
      "2026-03-08T06:30Z", // 01:30 EST
      "2026-03-08T07:00Z", // 03:00 EDT
      "2026-03-08T07:30Z",
      "2026-03-08T08:00Z",
    ]);
    expect(fires("* 2 * * *", NY, "2026-03-08T05:00:00Z", 1)).toEqual(["2026-03-09T06:00Z"]);
  });
});

describe("America/New_York, fall back 2026-11-01 (02:00 EDT → 01:00 EST = 06:00Z)", () => {
  const NY = "America/New_York";
  it("a fixed-time job fires at the first occurrence only", () => {
    expect(fires("5 1-3 * * *", NY, "2026-11-01T00:00:00Z", 4)).toEqual([
      "2026-11-01T05:05Z", // 01:05 EDT
      "2026-11-01T07:05Z", // 02:05 EST (01:05 EST is skipped)
      "2026-11-01T08:05Z", // 03:05 EST
      "2026-11-02T06:05Z",
    ]);
  });

  it("asked from inside the repeated hour, a fixed-time job does not fire again", () => {
    expect(fires("30 1 * * *", NY, "2026-11-01T06:10:00Z", 1)).toEqual(["2026-11-02T06:30Z"]);
    expect(fires("30 1 * * *", NY, "2026-11-01T05:10:00Z", 1)).toEqual(["2026-11-01T05:30Z"]);
  });

  it("a wildcard job fires at every real occurrence", () => {
    expect(firesUntil("0 * * * *", NY, "2026-11-01T04:30:00Z", "2026-11-01T07:00:00Z")).toEqual([
      "2026-11-01T05:00Z", // 01:00 EDT
      "2026-11-01T06:00Z", // 01:00 EST
      "2026-11-01T07:00Z", // 02:00 EST
    ]);
    const quarter = firesUntil("*/15 * * * *", NY, "2026-11-01T05:00:00Z", "2026-11-01T07:00:00Z");
    expect(quarter).toHaveLength(8); // every 15 real minutes through the repeated hour
    expect(fires("*/15 * * * *", NY, "2026-11-01T05:50:00Z", 2)).toEqual([
      "2026-11-01T06:00Z",
      "2026-11-01T06:15Z",
    ]);
  });
});

describe("Australia/Lord_Howe: 30-minute shifts", () => {
  const LH = "Australia/Lord_Howe";
  it("hourly through April 2026 (fall back 02:00 +11 → 01:30 +10:30 on 5 April)", () => {
    const s = compileSchedule("0 * * * *", LH);
    const all = nextFires(s, Date.parse("2026-04-01T00:00:00Z"), 24 * 30);
    expect(all).toHaveLength(720);
    for (let i = 1; i < all.length; i++) expect(all[i]!).toBeGreaterThan(all[i - 1]!);
    expect(fires("0 * * * *", LH, "2026-04-04T13:30:00Z", 4)).toEqual([
      "2026-04-04T14:00Z", // 01:00 +11
      "2026-04-04T15:30Z", // 02:00 +10:30 (01:00 does not repeat: only 01:30-02:00 does)
      "2026-04-04T16:30Z",
      "2026-04-04T17:30Z",
    ]);
  });

  it("fixed-time once, wildcard twice in the repeated half hour", () => {
    expect(fires("45 1 * * *", LH, "2026-04-04T12:00:00Z", 2)).toEqual([
      "2026-04-04T14:45Z",
      "2026-04-05T15:15Z",
    ]);
    expect(firesUntil("*/15 1 * * *", LH, "2026-04-04T14:20:00Z", "2026-04-04T16:00:00Z")).toEqual([
      "2026-04-04T14:30Z", // 01:30 +11
      "2026-04-04T14:45Z", // 01:45 +11
      "2026-04-04T15:00Z", // 01:30 +10:30
      "2026-04-04T15:15Z", // 01:45 +10:30
    ]);
  });

  it("spring forward 2026-10-04 (02:00 → 02:30 +11): a job at 02:15 fires at 02:30", () => {
    expect(fires("15 2 * * *", LH, "2026-10-03T12:00:00Z", 2)).toEqual([
      "2026-10-03T15:30Z",
      "2026-10-04T15:15Z",
    ]);
  });
});

describe("Pacific/Chatham: +13:45 / +12:45", () => {
  const CH = "Pacific/Chatham";
  it("every 15 minutes across the fall back of 2026-04-05 (03:45 → 02:45) strictly increases", () => {
    expect(fires("*/15 * * * *", CH, "2026-04-04T13:00:00Z", 6)).toEqual([
      "2026-04-04T13:15Z", // 03:00 +13:45
      "2026-04-04T13:30Z",
      "2026-04-04T13:45Z", // 03:30 +13:45
      "2026-04-04T14:00Z", // 02:45 +12:45
      "2026-04-04T14:15Z", // 03:00 +12:45
      "2026-04-04T14:30Z",
    ]);
  });

  it("spring forward 2026-09-27 (02:45 → 03:45): a job at 03:00 fires at 03:45", () => {
    expect(fires("0 3 * * *", CH, "2026-09-26T12:00:00Z", 2)).toEqual([
      "2026-09-26T14:00Z",
      "2026-09-27T13:15Z", // 03:00 +13:45
    ]);
  });
});

describe("midnight transitions", () => {
  it("America/Santiago 2026-09-06: 00:00 does not exist, a daily job fires at 01:00", () => {
    expect(fires("0 0 * * *", "America/Santiago", "2026-09-05T12:00:00Z", 2)).toEqual([
      "2026-09-06T04:00Z", // 01:00 -03
      "2026-09-07T03:00Z", // 00:00 -03
    ]);
    expect(fires("*/30 0 * * *", "America/Santiago", "2026-09-05T12:00:00Z", 1)).toEqual([
      "2026-09-07T03:00Z",
    ]);
  });

  it("America/Santiago 2026-04-05: 23:00-24:00 on 4 April happens twice", () => {
    expect(fires("30 23 * * *", "America/Santiago", "2026-04-04T12:00:00Z", 2)).toEqual([
      "2026-04-05T02:30Z", // 23:30 -03
      "2026-04-06T03:30Z",
    ]);
    expect(fires("*/30 23 * * *", "America/Santiago", "2026-04-05T01:50:00Z", 4)).toEqual([
      "2026-04-05T02:00Z",
      "2026-04-05T02:30Z",
      "2026-04-05T03:00Z", // 23:00 -04, again
      "2026-04-05T03:30Z",
    ]);
  });

  it("America/Havana 2026-03-08: midnight is skipped", () => {
    expect(fires("0 0 * * *", "America/Havana", "2026-03-07T12:00:00Z", 2)).toEqual([
      "2026-03-08T05:00Z", // 01:00 CDT
      "2026-03-09T04:00Z",
    ]);
  });
});

describe("historic shifts", () => {
  it("Pacific/Apia skipped 30 December 2011 entirely", () => {
    expect(fires("0 12 * * *", "Pacific/Apia", "2011-12-28T12:00:00Z", 3)).toEqual([
      "2011-12-28T22:00Z", // 28 Dec 12:00 -10
      "2011-12-29T22:00Z", // 29 Dec 12:00 -10
      "2011-12-30T10:00Z", // 30 Dec 12:00 never happened: fires as 31 Dec 00:00 +14 begins
    ]);
    // Found from ten days before: the jump over empty days must not overshoot the gap.
    expect(fires("0 6 31 12 *", "Pacific/Apia", "2011-12-20T00:00:00Z", 1)).toEqual([
      "2011-12-30T16:00Z",
    ]);
  });

  it("a job in Asia/Kolkata (+05:30, no DST)", () => {
    expect(fires("0 9 * * *", "Asia/Kolkata", "2026-06-01T00:00:00Z", 1)).toEqual([
      "2026-06-01T03:30Z",
    ]);
  });
});
