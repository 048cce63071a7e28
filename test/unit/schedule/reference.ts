// Brute-force reference for SPEC §5, sharing no code with src/schedule: walk
// real time on a fixed grid (a minute, or a second for 6-field expressions),
// read each instant's wall clock from Intl.DateTimeFormat#formatToParts, and
// apply the rules literally:
//  - wildcard job: fire at t when the wall time at t matches;
//  - fixed-time job: fire at t when some matching wall time lies in
//    (latest wall time shown before t, wall time at t] — which is "once, at the
//    first occurrence" after a fall-back and "once, when the gap ends" after a
//    spring-forward.

export interface Wall {
  year: number;
  month: number; // 1-12
  day: number;
  hour: number;
  minute: number;
  second: number;
  weekday: number; // 0 = Sunday
  daysInMonth: number;
}

/** A cron expression as text plus an independent predicate for it. */
export interface RefExpr {
  text: string;
  hasSeconds: boolean;
  fixed: boolean;
  matches(w: Wall): boolean;
  /** The month and day fields alone. */
  matchesDay(w: Wall): boolean;
}

/** Whether any day of a full 400-year Gregorian cycle matches (else the expression never fires). */
export function everMatchesDay(expr: RefExpr): boolean {
  const start = Date.UTC(2000, 0, 1);
  for (let day = 0; day < 146_097; day++) {
    if (expr.matchesDay(wallFromKey(start + day * 86_400_000))) return true;
  }
  return false;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-GB", {
      timeZone: zone,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
      hourCycle: "h23",
    });
    formatters.set(zone, f);
  }
  return f;
}

/** Wall clock at instant t in zone, as the epoch ms that wall time has in UTC. */
export function wallKey(zone: string, t: number): number {
  const parts: Record<string, number> = {};
  for (const p of formatter(zone).formatToParts(new Date(t))) {
    if (p.type !== "literal") parts[p.type] = Number(p.value);
  }
  return Date.UTC(
    parts.year!,
    parts.month! - 1,
    parts.day!,
    parts.hour!,
    parts.minute!,
    parts.second!,
  );
}

export function wallFromKey(key: number): Wall {
  const d = new Date(key);
  const year = d.getUTCFullYear();
  const month = d.getUTCMonth() + 1;
  return {
    year,
    month,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    second: d.getUTCSeconds(),
    weekday: d.getUTCDay(),
    daysInMonth: new Date(Date.UTC(year, month, 0)).getUTCDate(),
  };
}

/** Wall clock of every grid instant in [start, end], computed once and reused by many runs. */
export class WallTrack {
  readonly keys: number[] = [];
  constructor(
    readonly zone: string,
    readonly start: number,
    readonly end: number,
    readonly step: number,
  ) {
    for (let t = start; t <= end; t += step) this.keys.push(wallKey(zone, t));
  }
}

const matchCache = new Map<number, boolean>();

function matchesKey(expr: RefExpr, key: number): boolean {
  let m = matchCache.get(key);
  if (m === undefined) {
    m = expr.matches(wallFromKey(key));
    matchCache.set(key, m);
  }
  return m;
}

/**
 * Fire instants in (from, track.end] per the rules above. The walk starts at
 * track.start, which must precede `from` by more than the largest DST shift,
 * so that "latest wall time shown" is right by the time `from` is reached.
 */
export function referenceFires(expr: RefExpr, track: WallTrack, from: number): number[] {
  matchCache.clear();
  const fires: number[] = [];
  const { keys, start, step } = track;
  let maxSeen = keys[0]!;
  for (let i = 1; i < keys.length; i++) {
    const t = start + i * step;
    const key = keys[i]!;
    let fire = false;
    if (!expr.fixed) {
      fire = matchesKey(expr, key);
    } else if (key > maxSeen) {
      for (let w = maxSeen + step; w <= key && !fire; w += step) fire = matchesKey(expr, w);
    }
    if (key > maxSeen) maxSeen = key;
    if (fire && t > from) fires.push(t);
  }
  return fires;
}

/** Instants in [from, to) at which the zone's UTC offset changes (to the second). */
export function findTransitions(zone: string, from: number, to: number): number[] {
  const offset = (t: number) => wallKey(zone, t) - t;
  const out: number[] = [];
  const step = 6 * 3600_000;
  let prev = offset(from);
  for (let t = from; t < to; t += step) {
    const next = offset(t + step);
    if (next !== prev) {
      let a = t;
      let b = t + step;
      while (b - a > 1000) {
        const mid = a + Math.floor((b - a) / 2000) * 1000;
        if (offset(mid) === prev) a = mid;
        else b = mid;
      }
      out.push(b);
      prev = next;
    }
  }
  return out;
}
