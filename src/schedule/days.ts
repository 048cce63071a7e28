// Which days of one month match the day-of-month and day-of-week fields.
// A month is described by its length and the weekday of its 1st, so the same
// code serves the search (real months) and the "never fires" check (all 14
// kinds of year).

export interface DomSpec {
  /** Bit d set (1-31) for plain day numbers. */
  days: number;
  /** `L` is 0, `L-3` is 3: days before the last day. */
  lastOffsets: number[];
  /** `15W`: the weekday nearest to these days, inside the month. */
  nearestWeekday: number[];
  /** `LW`: the last weekday (Monday-Friday) of the month. */
  lastWeekday: boolean;
}

export interface DowSpec {
  /** Bit w set (0 = Sunday … 6 = Saturday) for plain weekdays. */
  weekdays: number;
  /** `5#3`: [weekday, k] for the k-th such weekday of the month. */
  nth: Array<[number, number]>;
  /** `5L`: bit w set for the last such weekday of the month. */
  lastOf: number;
}

export interface DaySpec {
  dom: DomSpec;
  dow: DowSpec;
  /** False when the field is `*` or `?`. */
  domRestricted: boolean;
  dowRestricted: boolean;
  /** Plain-weekday masks for a month whose 1st falls on weekday i (precomputed). */
  weekdayMasks: number[];
}

export function buildWeekdayMasks(weekdays: number): number[] {
  const masks: number[] = [];
  for (let first = 0; first < 7; first++) {
    let mask = 0;
    for (let d = 1; d <= 31; d++) {
      if (weekdays & (1 << ((first + d - 1) % 7))) mask |= 1 << d;
    }
    masks.push(mask);
  }
  return masks;
}

function isWeekend(first: number, d: number): number {
  // 0 for a weekday, 6 for Saturday, 7 for Sunday (as offsets are convenient).
  const w = (first + d - 1) % 7;
  return w === 6 ? 6 : w === 0 ? 7 : 0;
}

function nearestWeekday(n: number, dim: number, first: number): number {
  const w = isWeekend(first, n);
  if (w === 0) return n;
  if (w === 6) return n === 1 ? 3 : n - 1; // Saturday: Friday, or Monday the 3rd
  return n === dim ? n - 2 : n + 1; // Sunday: Monday, or Friday before a month-end Sunday
}

function domMask(dom: DomSpec, dim: number, first: number): number {
  let mask = dom.days;
  for (const off of dom.lastOffsets) if (dim - off >= 1) mask |= 1 << (dim - off);
  for (const n of dom.nearestWeekday) if (n <= dim) mask |= 1 << nearestWeekday(n, dim, first);
  if (dom.lastWeekday) {
    let d = dim;
    while (isWeekend(first, d) !== 0) d--;
    mask |= 1 << d;
  }
  return mask;
}

function dowMask(spec: DaySpec, dim: number, first: number): number {
  const dow = spec.dow;
  let mask = spec.weekdayMasks[first]!;
  for (const [w, k] of dow.nth) {
    const d = 1 + ((w - first + 7) % 7) + 7 * (k - 1);
    if (d <= dim) mask |= 1 << d;
  }
  if (dow.lastOf) {
    const lastW = (first + dim - 1) % 7;
    for (let w = 0; w < 7; w++) {
      if (dow.lastOf & (1 << w)) mask |= 1 << (dim - ((lastW - w + 7) % 7));
    }
  }
  return mask;
}

/**
 * Bit d (1-31) set when day d of a month of `dim` days, whose 1st is weekday
 * `first`, matches. Vixie/ISC rule: when both day fields are restricted a day
 * matches if either does; otherwise the restricted one (if any) decides.
 */
export function dayMask(spec: DaySpec, dim: number, first: number): number {
  const valid = dim === 31 ? 0xfffffffe | 0 : ((1 << (dim + 1)) - 2) | 0;
  let mask: number;
  if (spec.domRestricted && spec.dowRestricted) {
    mask = domMask(spec.dom, dim, first) | dowMask(spec, dim, first);
  } else if (spec.domRestricted) {
    mask = domMask(spec.dom, dim, first);
  } else if (spec.dowRestricted) {
    mask = dowMask(spec, dim, first);
  } else {
    mask = -1;
  }
  return mask & valid;
}
