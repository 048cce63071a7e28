// The DST half of the search: map matching wall times to instants with the
// rules of ISC cron (SPEC §5).
//
// The timeline is walked in windows of two days. tzdb never changes a zone's
// offset twice within ~95 hours (checked over every zone, see
// docs/schedule.md), so a window holds at most one change: equal offsets at
// both ends mean none, different offsets mean exactly one, found by bisection.
// Inside a stretch of constant offset, wall time and real time move together,
// so the first matching wall time gives the first fire.
//
// - Wildcard jobs fire at every instant whose wall time matches: wall times
//   skipped by a gap never fire, repeated ones fire on each pass.
// - Fixed-time jobs fire for a wall time only the first time the clock shows
//   it (`seen` is the first wall time not yet shown), and a matching wall time
//   inside a gap fires once, at the instant the gap ends.
import { DAY, fieldsFromWall, SECOND, wallFromFields } from "./calendar";
import { nextWall } from "./match";
import type { CronSpec } from "./parse";
import type { Zone } from "./zone";

const WINDOW = 2 * DAY;
/** The Gregorian calendar repeats every 400 years: anything that can match does within that. */
const HORIZON_YEARS = 401;
const MIN_INSTANT = wallFromFields(1000, 1, 2, 0, 0, 0);
const MAX_WALL = wallFromFields(9999, 12, 31, 23, 59, 59);
/** Safety net only: the walk ends far sooner (a window or a jump per matching day at worst). */
const MAX_STEPS = 20_000;

/** Smallest fire instant strictly after `after`, or null (none before year 9999 / 400 years). */
export function nextFire(spec: CronSpec, zone: Zone, after: number): number | null {
  if (Number.isNaN(after) || after >= MAX_WALL + DAY) return null;
  // Fire instants are whole seconds, so "> after" is "> lo" with lo floored.
  let lo = Math.max(Math.floor(after / SECOND) * SECOND, MIN_INSTANT);
  let o = zone.offset(lo);
  const startYear = fieldsFromWall(lo + o).year;
  const limitWall = Math.min(MAX_WALL, wallFromFields(startYear + HORIZON_YEARS, 1, 1, 0, 0, 0));
  const fixed = spec.fixedTime;
  let seen = Number.NEGATIVE_INFINITY;
  if (fixed) {
    seen = lo + o + SECOND;
    // Just after a fall-back, the wall times of the first pass were already shown.
    const back = lo - WINDOW;
    const oBack = zone.offset(back);
    if (oBack > o) seen = Math.max(seen, zone.transition(back, lo, oBack) + oBack);
  }

  for (let step = 0; step < MAX_STEPS; step++) {
    const hi = lo + WINDOW;
    const oHi = zone.offset(hi);
    if (oHi === o) {
      const w = nextWall(spec, Math.max(lo + o + SECOND, seen), hi + o);
      if (w !== null) return w - o;
    } else {
      const at = zone.transition(lo, hi, o);
      const before = nextWall(spec, Math.max(lo + o + SECOND, seen), at + o - SECOND);
      if (before !== null) return before - o;
      if (fixed) {
        seen = Math.max(seen, at + o);
        // Spring forward: wall times [at + o, at + oHi) never happen; a fixed-time
        // job due in there fires once, when the clock lands on at + oHi.
        if (oHi > o && nextWall(spec, seen, at + oHi) !== null) return at;
      }
      const later = nextWall(spec, Math.max(at + oHi, seen), hi + oHi);
      if (later !== null) return later - oHi;
      o = oHi;
    }
    lo = hi;
    // Jump over a stretch without matching wall times (sparse schedules such as
    // `0 0 29 2 *`), landing two days early: offsets differ by at most ~26 h, so
    // no skipped instant can show a wall time at or after `next`.
    const next = nextWall(spec, Math.max(lo + o + SECOND, seen), limitWall);
    if (next === null) return null;
    const target = Math.floor((next - o - WINDOW) / SECOND) * SECOND;
    if (target > lo) {
      lo = target;
      o = zone.offset(lo);
    }
  }
  return null;
}
