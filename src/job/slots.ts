import { type CompiledSchedule, compileSchedule, nextFireAfter } from "../schedule";
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

/** The first slot strictly after `after` that this job may still fire, or null. */
export function slotAfter(
  state: Pick<JobState, "config" | "last_slot">,
  after: number,
): number | null {
  const { config, last_slot } = state;
  const floor = last_slot === null ? after : Math.max(after, last_slot);
  if (config.schedule !== null) return nextFireAfter(scheduleOf(config), floor);
  // One-shot: fires once at run_at (or at once, if run_at passed while paused).
  if (config.run_at === null) return null;
  if (last_slot !== null && config.run_at <= last_slot) return null;
  return config.run_at;
}

/** How many slots we look at when counting slots missed during downtime. */
export const MISSED_SLOT_SCAN_LIMIT = 100_000;

/**
 * Of the slots from `first` up to `now`, the latest one and how many earlier ones
 * were missed. The count is exact up to MISSED_SLOT_SCAN_LIMIT (a lower bound past it).
 */
export function latestDueSlot(
  state: Pick<JobState, "config" | "last_slot">,
  first: number,
  now: number,
): { slot: number; missed: number } {
  let slot = first;
  let missed = 0;
  if (state.config.schedule === null) return { slot, missed };
  const sched = scheduleOf(state.config);
  for (;;) {
    const next = nextFireAfter(sched, slot);
    if (next === null || next > now) return { slot, missed };
    missed++;
    slot = next;
    if (missed >= MISSED_SLOT_SCAN_LIMIT) {
      // Very long downtime of a very frequent job: jump to the last slot at or before
      // now by searching back from now in growing windows, without counting further.
      for (const back of [1_000, 60_000, 3_600_000, 86_400_000]) {
        let s = nextFireAfter(sched, now - back);
        if (s === null || s > now) continue;
        for (let n = nextFireAfter(sched, s); n !== null && n <= now; n = nextFireAfter(sched, s))
          s = n;
        return { slot: s, missed };
      }
    }
  }
}
