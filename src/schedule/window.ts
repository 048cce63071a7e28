// Time windows and jitter (SPEC §10), on top of the bare schedule: which slots a job
// may fire (none before start_at, none after end_at, none on an excluded local date)
// and the instant each slot fires at (slot + a deterministic jitter offset). Pure.
import { civilFromDays, DAY, daysFromCivil } from "./calendar";
import { type CompiledSchedule, nextFireAfter } from "./index";
import { getZone } from "./zone";

export interface FireWindow {
  /** No slot before it (epoch ms), or null. */
  start_at: number | null;
  /** No slot after it (epoch ms), or null. */
  end_at: number | null;
  /** Local dates `YYYY-MM-DD`, read in the schedule's zone, on which no slot fires. */
  exclude_dates: readonly string[];
  /** A slot fires up to this much later (0: at the slot). */
  jitter_seconds: number;
}

export const NO_WINDOW: FireWindow = {
  start_at: null,
  end_at: null,
  exclude_dates: [],
  jitter_seconds: 0,
};

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Whether `text` is a real calendar date written `YYYY-MM-DD`. */
export function isCalendarDate(text: string): boolean {
  const m = DATE_RE.exec(text);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const [y2, mo2, d2] = civilFromDays(daysFromCivil(y, mo, d));
  return y === y2 && mo === mo2 && d === d2;
}

const pad = (n: number, w = 2) => String(n).padStart(w, "0");

/** The local date `YYYY-MM-DD` of instant `ms` in `timezone`. */
export function localDate(ms: number, timezone: string): string {
  const wall = ms + getZone(timezone).offset(ms);
  const [y, m, d] = civilFromDays(Math.floor(wall / DAY));
  return `${pad(y, 4)}-${pad(m)}-${pad(d)}`;
}

/**
 * An instant at or before the first instant of the local day after the one `ms` is in.
 * At most one offset change lies within ~95 h (docs/schedule.md), so the offsets around
 * the next midnight are those at `ms` and a few hours past it; the larger one gives the
 * earlier instant, never one past the real start of the next day.
 */
function nextLocalDayAtOrBefore(ms: number, timezone: string): number {
  const zone = getZone(timezone);
  const o = zone.offset(ms);
  const midnight = (Math.floor((ms + o) / DAY) + 1) * DAY;
  const approx = midnight - o;
  return midnight - Math.max(o, zone.offset(approx), zone.offset(approx + 3 * 3_600_000));
}

const exclusionSets = new WeakMap<readonly string[], Set<string>>();
function exclusions(dates: readonly string[]): Set<string> {
  let set = exclusionSets.get(dates);
  if (!set) {
    set = new Set(dates);
    exclusionSets.set(dates, set);
  }
  return set;
}

/** Safety net: slots looked at per call (an excluded day of an every-second job is jumped over). */
const MAX_STEPS = 200_000;

/** The first slot strictly after `after` that the window lets fire, or null. */
export function nextSlotAfter(s: CompiledSchedule, w: FireWindow, after: number): number | null {
  let t = w.start_at === null ? after : Math.max(after, w.start_at - 1);
  const excluded = exclusions(w.exclude_dates);
  for (let step = 0; step < MAX_STEPS; step++) {
    const slot = nextFireAfter(s, t);
    if (slot === null || (w.end_at !== null && slot > w.end_at)) return null;
    if (excluded.size === 0 || !excluded.has(localDate(slot, s.timezone))) return slot;
    // An excluded day: jump to (just before) the next local day.
    t = Math.max(slot, nextLocalDayAtOrBefore(slot, s.timezone) - 1);
  }
  return null;
}

/** A 32-bit hash of a string (FNV-1a, then murmur3's finaliser to spread the bits). */
function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * The jitter offset of a slot: derived from (seed, slot) alone, so the same after a
 * restart, in whole ms in [0, limit) — limit the jitter, cut to the gap before the
 * next slot of the schedule (so fire times stay strictly increasing) and to end_at.
 */
export function jitterOffset(
  seed: string,
  slot: number,
  jitterMs: number,
  nextSlot: number | null,
  endAt: number | null = null,
): number {
  let limit = jitterMs;
  if (nextSlot !== null) limit = Math.min(limit, nextSlot - slot);
  if (endAt !== null) limit = Math.min(limit, endAt - slot + 1);
  if (limit <= 1) return 0;
  return Math.floor((hash32(`${seed}:${slot}`) / 2 ** 32) * limit);
}

/** The instant slot `slot` fires at: slot + its jitter offset (SPEC §10). */
export function fireAtOf(s: CompiledSchedule, w: FireWindow, seed: string, slot: number): number {
  if (w.jitter_seconds <= 0) return slot;
  // The gap to the next slot of the bare schedule: never wider than the gap to the next
  // slot the window lets fire, so the bound holds either way.
  return slot + jitterOffset(seed, slot, w.jitter_seconds * 1000, nextFireAfter(s, slot), w.end_at);
}

export interface Firing {
  /** The nominal slot (X-Cron-Scheduled-At, scheduled_for). */
  slot: number;
  /** When it fires: the slot plus its jitter offset. */
  fire_at: number;
}

/** The next `count` firings after `after`, fire times strictly increasing. */
export function nextFirings(
  s: CompiledSchedule,
  w: FireWindow,
  seed: string,
  after: number,
  count: number,
): Firing[] {
  const out: Firing[] = [];
  let t = after;
  while (out.length < count) {
    const slot = nextSlotAfter(s, w, t);
    if (slot === null) break;
    out.push({ slot, fire_at: fireAtOf(s, w, seed, slot) });
    t = slot;
  }
  return out;
}

/** What the window adds to a schedule's description, e.g. "; from …; not on 2026-12-25". */
export function describeWindow(w: FireWindow): string {
  const parts: string[] = [];
  const at = (ms: number) => new Date(ms).toISOString();
  if (w.start_at !== null) parts.push(`from ${at(w.start_at)}`);
  if (w.end_at !== null) parts.push(`until ${at(w.end_at)}`);
  const n = w.exclude_dates.length;
  if (n > 0) {
    const shown = [...w.exclude_dates].sort().slice(0, 5).join(", ");
    parts.push(`not on ${shown}${n > 5 ? ` and ${n - 5} more dates` : ""}`);
  }
  if (w.jitter_seconds > 0) parts.push(`each run delayed by up to ${w.jitter_seconds} s of jitter`);
  return parts.map((p) => `; ${p}`).join("");
}
