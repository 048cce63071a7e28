import { type CompiledSchedule, compileSchedule } from "../schedule";
import { type FireWindow, fireAtOf, jitterOffset, nextSlotAfter } from "../schedule/window";
import type { JobConfig, JobState } from "./types";

// Compiling is pure and deterministic; memoise per (expression, zone) so the hot
// path of a frequently firing job does not re-parse its expression every second.
const compiled = new Map<string, CompiledSchedule>();

export function scheduleOf(config: Pick<JobConfig, "schedule" | "timezone">): CompiledSchedule {
  const key = `${config.schedule}\u0000${config.timezone}`;
  let s = compiled.get(key);
  if (!s) {
    if (compiled.size > 5000) compiled.clear();
    s = compileSchedule(config.schedule!, config.timezone);
    compiled.set(key, s);
  }
  return s;
}

/** The time window of a job's slots (SPEC §10). */
export const windowOf = (config: JobConfig): FireWindow => config;

type SlotState = Pick<JobState, "config" | "last_slot">;

/** The first slot strictly after `after` that this job may still fire, or null. */
export function slotAfter(state: SlotState, after: number): number | null {
  const { config, last_slot } = state;
  const floor = last_slot === null ? after : Math.max(after, last_slot);
  if (config.schedule !== null) return nextSlotAfter(scheduleOf(config), windowOf(config), floor);
  // One-shot: fires once at run_at (or at once, if run_at passed while paused).
  if (config.run_at === null) return null;
  if (last_slot !== null && config.run_at <= last_slot) return null;
  return config.run_at;
}

/** The first slot after `after` the window lets fire, ignoring what already fired. */
export function windowSlotAfter(config: JobConfig, after: number): number | null {
  return config.schedule === null
    ? null
    : nextSlotAfter(scheduleOf(config), windowOf(config), after);
}

/** When a slot fires: the slot plus its jitter offset, seeded by the cron_id (SPEC §10). */
export function fireAt(state: Pick<JobState, "config" | "cron_id">, slot: number): number {
  const { config } = state;
  if (config.jitter_seconds <= 0) return slot;
  if (config.schedule === null)
    return slot + jitterOffset(state.cron_id, slot, config.jitter_seconds * 1000, null);
  return fireAtOf(scheduleOf(config), windowOf(config), state.cron_id, slot);
}

/** How many slots we look at when counting slots missed during downtime. */
export const MISSED_SLOT_SCAN_LIMIT = 100_000;

/** The slots due at a wake-up (SPEC §5 misfire, §10 catch-up window). */
export interface DueSlots {
  /** The latest due slot. */
  latest: number;
  /** Due slots, the latest included (exact up to MISSED_SLOT_SCAN_LIMIT, a lower bound past it). */
  total: number;
  /** Of them, those older than the catch-up window: only ever counted. */
  old: number;
  /** The first due slot inside the window, or null. */
  firstRecent: number | null;
}

/**
 * The slots from `first` (due: the wake-up came for it) on whose fire time is at or
 * before `now`; slots before `windowStart` are old.
 */
export function dueSlots(
  state: Pick<JobState, "config" | "cron_id">,
  first: number,
  now: number,
  windowStart: number,
): DueSlots {
  const { config } = state;
  const due: DueSlots = { latest: first, total: 0, old: 0, firstRecent: null };
  const count = (slot: number) => {
    due.total++;
    due.latest = slot;
    if (slot < windowStart) due.old++;
    else due.firstRecent ??= slot;
  };
  count(first);
  if (config.schedule === null) return due;
  for (;;) {
    const next = windowSlotAfter(config, due.latest);
    if (next === null || fireAt(state, next) > now) return due;
    count(next);
    if (due.total >= MISSED_SLOT_SCAN_LIMIT) break;
  }
  // Very long downtime of a very frequent job: jump to the last slot at or before now
  // by searching back from now in growing windows, without counting further.
  for (const back of [1_000, 60_000, 3_600_000, 86_400_000]) {
    let s = windowSlotAfter(config, Math.max(due.latest, now - back));
    if (s === null || s > now) continue;
    for (let n = windowSlotAfter(config, s); n !== null && n <= now; n = windowSlotAfter(config, s))
      s = n;
    due.latest = s;
    break;
  }
  if (due.firstRecent === null) {
    const recent = windowSlotAfter(config, windowStart - 1);
    if (recent !== null && recent <= due.latest) due.firstRecent = recent;
  }
  return due;
}
