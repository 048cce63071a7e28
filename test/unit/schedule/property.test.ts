// Properties over any IANA zone and any time: fire times strictly increase,
// computing never throws and does bounded work, and refusals are exactly the
// expressions that can never fire.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type CompiledSchedule,
  compileSchedule,
  nextFireAfter,
  nextFires,
} from "../../../src/schedule/index";
import { exprArb } from "./arbitraries";
import { everMatchesDay, type RefExpr, type Wall, wallFromKey, wallKey } from "./reference";

const ZONES = ["UTC", ...Intl.supportedValuesOf("timeZone")];
const zoneArb = fc.constantFrom(...ZONES);
const instantArb = fc.integer({ min: Date.UTC(1900, 0, 1), max: Date.UTC(2200, 0, 1) });
const offsetAt = (zone: string, t: number) => wallKey(zone, t) - t;

/** Compiles, or checks that a refusal is right (never fires) and returns null. */
function compileValid(e: RefExpr, zone: string): CompiledSchedule | null {
  try {
    return compileSchedule(e.text, zone);
  } catch (err) {
    expect((err as Error).message).toMatch(/^never fires: /);
    expect(everMatchesDay(e)).toBe(false);
    return null;
  }
}

describe("in any zone, at any time", () => {
  it("fire times strictly increase, match the expression, and never throw", () => {
    fc.assert(
      fc.property(
        exprArb({ hasSeconds: false }),
        zoneArb,
        instantArb,
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (e, zone, from, where) => {
          const s = compileValid(e, zone);
          if (s === null) return;
          const fires = nextFires(s, from, 6);
          let prev = from;
          for (const t of fires) {
            expect(t).toBeGreaterThan(prev);
            prev = t;
            const w = wallFromKey(wallKey(zone, t));
            // A fire shows a matching wall time, unless it is a fixed-time job's
            // gap fire, which happens exactly when the offset changes.
            const atTransition = offsetAt(zone, t) !== offsetAt(zone, t - 1000);
            if (!(e.fixed && atTransition)) expect(e.matches(w)).toBe(true);
          }
          // Asked from anywhere between two fires, the next one is the later fire.
          if (fires.length >= 2) {
            const [a, b] = fires as [number, number];
            expect(nextFireAfter(s, a + Math.floor((b - a) * where))).toBe(b);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it("6-field expressions too", () => {
    fc.assert(
      fc.property(exprArb({ hasSeconds: true }), zoneArb, instantArb, (e, zone, from) => {
        const s = compileValid(e, zone);
        if (s === null) return;
        const fires = nextFires(s, from, 10);
        let prev = from;
        for (const t of fires) {
          expect(t).toBeGreaterThan(prev);
          expect(Math.abs(t % 1000)).toBe(0);
          prev = t;
        }
      }),
      { numRuns: 150 },
    );
  });
});

/** Runs fn while counting Intl.DateTimeFormat#format look-ups (the module's only costly step). */
function countFormats<T>(fn: () => T): [T, number] {
  const proto = Intl.DateTimeFormat.prototype;
  const original = Object.getOwnPropertyDescriptor(proto, "format")!;
  let calls = 0;
  Object.defineProperty(proto, "format", {
    ...original,
    get(this: Intl.DateTimeFormat) {
      calls++;
      return original.get!.call(this);
    },
  });
  try {
    return [fn(), calls];
  } finally {
    Object.defineProperty(proto, "format", original);
  }
}

const feb29 = (w: Wall) => w.month === 2 && w.day === 29;
const lastOfFeb = (w: Wall) => w.month === 2 && w.day === w.daysInMonth;
const febMonday = (w: Wall) => w.month === 2 && (w.day === 29 || w.weekday === 1);
const fifthMondayOfFeb = (w: Wall) => w.month === 2 && w.weekday === 1 && w.day > 28;

describe("bounded work for sparse schedules", () => {
  it.each([
    ["0 0 29 2 *", feb29],
    ["0 0 L 2 *", lastOfFeb],
    ["0 0 29 2 1", febMonday],
    ["0 0 ? 2 MON#5", fifthMondayOfFeb],
    ["30 2 29 2 *", feb29],
  ] as const)("%s: the next fire is the first matching day, at bounded cost", (expr, isDay) => {
    fc.assert(
      fc.property(zoneArb, instantArb, (zone, from) => {
        const s: CompiledSchedule = compileSchedule(expr, zone);
        nextFireAfter(s, from); // warm the per-zone formatter cache
        const [next, used] = countFormats(() => nextFireAfter(s, from));
        expect(next).not.toBeNull();
        expect(next!).toBeGreaterThan(from);
        // The fire's local day matches, and no local day between `from` and it does
        // (days are checked at noon UTC-as-wall, so only the date matters).
        const fromDay = Math.floor(wallKey(zone, from) / 86_400_000);
        const fireDay = Math.floor(wallKey(zone, next!) / 86_400_000);
        const gapFire = offsetAt(zone, next!) !== offsetAt(zone, next! - 1000);
        if (!gapFire) expect(isDay(wallFromKey(fireDay * 86_400_000))).toBe(true);
        for (let d = fromDay + 1; d < fireDay; d++) {
          expect(isDay(wallFromKey(d * 86_400_000 + 43_200_000))).toBe(false);
        }
        // A handful of look-ups plus, near a transition, one bisection (~18 each).
        if (s.timezone !== "UTC") expect(used).toBeGreaterThan(0);
        expect(used).toBeLessThan(100);
      }),
      { numRuns: 40 },
    );
  });

  it("a wildcard job whose only matching times fall into DST gaps ends with null, boundedly", () => {
    // 02:xx on the second Sunday of March never exists in New York (since 2007).
    const s = compileSchedule("* 2 ? 3 0#2", "America/New_York");
    const [next, calls] = countFormats(() => nextFireAfter(s, Date.parse("2026-01-01T00:00:00Z")));
    expect(next).toBeNull();
    // ~2-3 windows and a bisection per year for the 400-year horizon (~9,000 measured).
    expect(calls).toBeLessThan(20_000);
  });
});

describe("refusals", () => {
  it("refuses exactly the expressions that can never fire", () => {
    const hints = { hours: [], days: [29, 30, 31], weekdays: [], months: [2, 4, 6, 9, 11] };
    fc.assert(
      fc.property(exprArb({ hasSeconds: false, hints }), (e) => {
        let accepted = true;
        try {
          compileSchedule(e.text);
        } catch (err) {
          expect((err as Error).message).toMatch(/^never fires: /);
          accepted = false;
        }
        expect(accepted).toBe(everMatchesDay(e));
      }),
      { numRuns: 150 },
    );
  });
});
