// The calendar half of the search: the first wall-clock time at or after a
// given wall time that matches every field, ignoring time zones entirely.
import { daysInMonth, fieldsFromWall, SECOND, wallFromFields, weekday } from "./calendar";
import { dayMask } from "./days";
import type { CronSpec } from "./parse";

/**
 * Smallest matching wall time ≥ `from` (rounded up to a whole second) and
 * ≤ `limit`, or null. Work is bounded by the number of months between the two.
 */
export function nextWall(spec: CronSpec, from: number, limit: number): number | null {
  const f = fieldsFromWall(Math.ceil(from / SECOND) * SECOND);
  let { year, month, day, hour, minute, second } = f;
  let maskYear = Number.NaN;
  let maskMonth = 0;
  let mask = 0;
  let dim = 0;
  // Each pass either returns or moves to a later second, minute, hour, day or
  // month with the smaller fields reset; the limit check ends the walk.
  for (;;) {
    const m = spec.month[month]!;
    if (m !== month) {
      if (m === -1) {
        year++;
        month = spec.month[1]!;
      } else {
        month = m;
      }
      day = 1;
      hour = minute = second = 0;
      if (wallFromFields(year, month, 1, 0, 0, 0) > limit) return null;
      continue;
    }
    if (year !== maskYear || month !== maskMonth) {
      maskYear = year;
      maskMonth = month;
      dim = daysInMonth(year, month);
      mask = dayMask(spec, dim, weekday(year, month, 1));
    }
    const later = mask & ~((1 << day) - 1);
    if (later === 0) {
      month++;
      if (month > 12) {
        month = 1;
        year++;
      }
      day = 1;
      hour = minute = second = 0;
      if (wallFromFields(year, month, 1, 0, 0, 0) > limit) return null;
      continue;
    }
    const d = 31 - Math.clz32(later & -later);
    if (d !== day) {
      day = d;
      hour = minute = second = 0;
    }
    const h = spec.hour[hour]!;
    if (h === -1) {
      ({ year, month, day } = nextDay(year, month, day, dim));
      hour = minute = second = 0;
      continue;
    }
    if (h !== hour) {
      hour = h;
      minute = second = 0;
    }
    const mi = spec.minute[minute]!;
    if (mi === -1) {
      hour++;
      minute = second = 0;
      if (hour > 23) {
        ({ year, month, day } = nextDay(year, month, day, dim));
        hour = 0;
      }
      continue;
    }
    if (mi !== minute) {
      minute = mi;
      second = 0;
    }
    const s = spec.second[second]!;
    if (s === -1) {
      minute++;
      second = 0;
      if (minute > 59) {
        minute = 0;
        hour++;
        if (hour > 23) {
          ({ year, month, day } = nextDay(year, month, day, dim));
          hour = 0;
        }
      }
      continue;
    }
    const wall = wallFromFields(year, month, day, hour, minute, s);
    return wall <= limit ? wall : null;
  }
}

function nextDay(year: number, month: number, day: number, dim: number) {
  if (day < dim) return { year, month, day: day + 1 };
  return month === 12 ? { year: year + 1, month: 1, day: 1 } : { year, month: month + 1, day: 1 };
}
