// Time windows and jitter (SPEC §10) against a brute-force reference: the bare schedule's
// fire times (already checked against the reference of reference.test.ts), filtered by the
// window with the local date read from Intl, must be exactly the windowed slots; jitter
// keeps fire times strictly increasing, inside [slot, slot + jitter), and the same on
// every evaluation (a restart fires at the same instant).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compileSchedule, nextFires } from "../../../src/schedule/index";
import {
  type FireWindow,
  fireAtOf,
  isCalendarDate,
  localDate,
  nextFirings,
  nextSlotAfter,
} from "../../../src/schedule/window";
import { wallKey } from "./reference";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** The local date of `t` in `zone` as Intl says it (the reference's wall clock), not src/'s. */
const refLocalDate = (zone: string, t: number) =>
  new Date(wallKey(zone, t)).toISOString().slice(0, 10);

/** The slots a window lets fire, by brute force: every bare slot, filtered. */
function referenceSlots(
  expr: string,
  zone: string,
  w: FireWindow,
  from: number,
  count: number,
): number[] {
  const s = compileSchedule(expr, zone);
  const excluded = new Set(w.exclude_dates);
  return nextFires(s, from, count).filter(
    (t) =>
      (w.start_at === null || t >= w.start_at) &&
      (w.end_at === null || t <= w.end_at) &&
      !excluded.has(refLocalDate(zone, t)),
  );
}

const EXPRS = [
  "* * * * *",
  "*/15 * * * *",
  "30 2 * * *",
  "0 0 * * *",
  "*/20 * * * * *",
  "0 */3 * * *",
  "15 1,23 * * *",
];
/** Zones with a DST change (Santiago and Havana change at local midnight), and UTC. */
const ZONES = [
  "UTC",
  "America/New_York",
  "Europe/London",
  "Australia/Lord_Howe",
  "America/Santiago",
  "America/Havana",
  "Pacific/Chatham",
];
/** Instants near 2026–2027 DST changes of those zones, and ordinary ones. */
const AROUND = [
  Date.parse("2026-03-08T07:00:00Z"), // New York, Havana spring forward
  Date.parse("2026-11-01T06:00:00Z"), // New York fall back
  Date.parse("2026-03-29T01:00:00Z"), // London spring forward
  Date.parse("2026-10-25T01:00:00Z"), // London fall back
  Date.parse("2026-04-05T03:00:00Z"), // Santiago fall back (midnight), Lord Howe, Chatham
  Date.parse("2026-09-06T04:00:00Z"), // Santiago spring forward (midnight skipped)
  Date.parse("2026-10-04T02:00:00Z"), // Lord Howe spring forward (30 min)
  Date.parse("2026-06-15T12:00:00Z"),
];

const windowArb = (from: number) =>
  fc.record({
    start_at: fc.option(fc.integer({ min: from - DAY, max: from + 2 * DAY }), { nil: null }),
    end_at: fc.option(fc.integer({ min: from, max: from + 4 * DAY }), { nil: null }),
    // Local dates around `from`, as Intl names them (the night of a DST change included).
    exclude_dates: fc.uniqueArray(fc.integer({ min: -1, max: 3 }), { maxLength: 3 }),
    jitter_seconds: fc.constantFrom(0, 1, 30, 600, 3600),
  });

describe("a window's slots are the bare schedule's, filtered (brute force)", () => {
  it("no slot before start_at, after end_at, or on an excluded local date — across DST", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...EXPRS),
        fc.constantFrom(...ZONES),
        fc.constantFrom(...AROUND),
        fc.integer({ min: -12 * HOUR, max: 12 * HOUR }),
        (expr, zone, around, shift) => {
          const from = around + shift;
          return fc.assert(
            fc.property(windowArb(from), (raw) => {
              const w: FireWindow = {
                ...raw,
                exclude_dates: raw.exclude_dates.map((d) => refLocalDate(zone, from + d * DAY)),
              };
              const s = compileSchedule(expr, zone);
              const span = 3 * DAY;
              const expected = referenceSlots(expr, zone, w, from, 15_000).filter(
                (t) => t <= from + span,
              );
              const got: number[] = [];
              for (let t = nextSlotAfter(s, w, from); t !== null && t <= from + span; ) {
                got.push(t);
                t = nextSlotAfter(s, w, t);
              }
              expect(got).toEqual(expected);
              for (const f of nextFirings(s, w, "cron_seed", from, 50)) {
                if (w.start_at !== null) expect(f.fire_at).toBeGreaterThanOrEqual(w.start_at);
                if (w.end_at !== null) expect(f.fire_at).toBeLessThanOrEqual(w.end_at);
                expect(w.exclude_dates).not.toContain(refLocalDate(zone, f.slot));
              }
            }),
            { numRuns: 3 },
          );
        },
      ),
      { numRuns: 25 },
    );
  }, 60_000);

  it("an excluded night of a DST change: nothing fires on that local date, the next day does", () => {
    const nights: Array<[string, string]> = [
      ["America/New_York", "2026-03-08"],
      ["America/New_York", "2026-11-01"],
      ["Europe/London", "2026-03-29"],
      ["America/Santiago", "2026-09-06"], // local midnight does not exist
      ["America/Santiago", "2026-04-05"], // clocks go back at local midnight: 23:00–24:00 twice
      ["Australia/Lord_Howe", "2026-10-04"],
    ];
    for (const [zone, date] of nights) {
      for (const expr of ["*/30 * * * * *", "*/15 * * * *", "30 2 * * *", "0 0 * * *"]) {
        const s = compileSchedule(expr, zone);
        const w: FireWindow = {
          start_at: null,
          end_at: null,
          exclude_dates: [date],
          jitter_seconds: 0,
        };
        const from = Date.parse(`${date}T00:00:00Z`) - DAY;
        const got: number[] = [];
        for (let t = nextSlotAfter(s, w, from); t !== null && t < from + 3 * DAY; ) {
          got.push(t);
          t = nextSlotAfter(s, w, t);
        }
        const bare = nextFires(s, from, 10_000).filter((t) => t < from + 3 * DAY);
        const label = `${expr} in ${zone}, ${date} excluded`;
        expect(
          got.some((t) => refLocalDate(zone, t) === date),
          label,
        ).toBe(false);
        expect(got, label).toEqual(bare.filter((t) => refLocalDate(zone, t) !== date));
        expect(
          bare.some((t) => refLocalDate(zone, t) === date),
          `${label}: it had slots`,
        ).toBe(true);
      }
    }
  }, 60_000);

  it("localDate agrees with Intl in every zone", () => {
    const zones = ["UTC", ...Intl.supportedValuesOf("timeZone")];
    fc.assert(
      fc.property(
        fc.constantFrom(...zones),
        fc.integer({ min: Date.UTC(1970, 0, 1), max: Date.UTC(2100, 0, 1) }),
        (zone, t) => {
          expect(localDate(t, zone)).toBe(refLocalDate(zone, t));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it("isCalendarDate accepts real dates only", () => {
    for (const ok of ["2026-12-25", "2024-02-29", "2000-02-29", "1999-01-01"])
      expect(isCalendarDate(ok), ok).toBe(true);
    for (const bad of [
      "2026-02-29",
      "1900-02-29",
      "2026-13-01",
      "2026-00-10",
      "2026-1-1",
      "26-01-01",
      "2026-01-32",
      "2026-01-01T00:00:00Z",
      "",
    ])
      expect(isCalendarDate(bad), bad).toBe(false);
  });
});

describe("jitter", () => {
  it("fire times strictly increase, lie in [slot, slot + jitter), and are the same on every evaluation", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...EXPRS, "* * * * * *", "*/2 * * * * *"),
        fc.constantFrom(...ZONES),
        fc.integer({ min: Date.UTC(2026, 0, 1), max: Date.UTC(2027, 11, 31) }),
        fc.integer({ min: 1, max: 3600 }),
        fc.string({ minLength: 0, maxLength: 30 }),
        (expr, zone, from, jitter, seed) => {
          const s = compileSchedule(expr, zone);
          const w: FireWindow = {
            start_at: null,
            end_at: null,
            exclude_dates: [],
            jitter_seconds: jitter,
          };
          const first = nextFirings(s, w, seed, from, 40);
          const again = nextFirings(s, w, seed, from, 40);
          expect(again).toEqual(first);
          for (const [i, f] of first.entries()) {
            expect(f.fire_at).toBeGreaterThanOrEqual(f.slot);
            expect(f.fire_at).toBeLessThan(f.slot + jitter * 1000);
            expect(Number.isInteger(f.fire_at)).toBe(true);
            // A restart evaluates one slot on its own: the same instant.
            expect(fireAtOf(s, w, seed, f.slot)).toBe(f.fire_at);
            if (i > 0) expect(f.fire_at).toBeGreaterThan(first[i - 1]!.fire_at);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it("spreads: different seeds give different offsets, all within the bound", () => {
    const s = compileSchedule("0 * * * *", "UTC");
    const w: FireWindow = { start_at: null, end_at: null, exclude_dates: [], jitter_seconds: 600 };
    const slot = Date.parse("2026-06-01T12:00:00Z");
    const offsets = Array.from({ length: 200 }, (_, i) => fireAtOf(s, w, `cron_${i}`, slot) - slot);
    expect(new Set(offsets).size).toBeGreaterThan(190);
    expect(Math.max(...offsets)).toBeGreaterThan(500_000);
    expect(Math.min(...offsets)).toBeLessThan(100_000);
  });

  it("never fires a slot after end_at, however wide the jitter", () => {
    const s = compileSchedule("0 * * * *", "UTC");
    const end = Date.parse("2026-06-01T12:00:10Z");
    const w: FireWindow = { start_at: null, end_at: end, exclude_dates: [], jitter_seconds: 3600 };
    const firings = nextFirings(s, w, "x", Date.parse("2026-06-01T09:30:00Z"), 10);
    expect(firings.map((f) => f.slot)).toEqual([10, 11, 12].map((h) => Date.UTC(2026, 5, 1, h)));
    for (const f of firings) expect(f.fire_at).toBeLessThanOrEqual(end);
  });
});
