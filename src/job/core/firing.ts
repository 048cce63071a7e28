// Slot firing (SPEC §5 misfire, §6 overlap): what a wake-up does with the slot
// that has come — start it, queue it or skip it — and when to wake next.
import { latestDueSlot } from "../slots";
import type { JobState } from "../types";
import { advanceRuns, startRun } from "./runs";
import { type CoreCtx, computeStatus, type Effect, rowOf, type Step } from "./step";

/** A queue holds at most this many waiting runs (SPEC §6); later slots are skipped. */
export const MAX_QUEUED = 10;
/** An alarm handler may run 15 minutes; the shell never holds one that long. */
export const MAX_ALARM_HOLD_MS = 10 * 60_000;

/**
 * The alarm (or any wake-up): lost attempts, due retries, and the due slot.
 * Handles everything due at or before now, so work that fell overdue while the
 * object was down still runs.
 */
export function wake(state: JobState, ctx: CoreCtx): Step {
  const advanced = advanceRuns(state, ctx);
  const cur = advanced.state;
  if (cur.status === "active" && cur.next_run_at !== null && cur.next_run_at <= ctx.now) {
    const fired = fireDueSlot(cur, ctx);
    return { state: fired.state, effects: [...advanced.effects, ...fired.effects] };
  }
  return advanced;
}

/** SPEC §5 misfire + §6 overlap: one run for the latest due slot, per the overlap policy. */
function fireDueSlot(state: JobState, ctx: CoreCtx): Step {
  const { now } = ctx;
  const { slot, missed } = latestDueSlot(state, state.next_run_at!, now);
  let cur: JobState = { ...state, last_slot: slot };
  const effects: Effect[] = [];
  const busy = cur.active.length > 0;
  const policy = cur.config.overlap_policy;
  const run_id = ctx.newRunId();
  const slotRun = {
    run_id,
    trigger: "schedule" as const,
    scheduled_for: slot,
    missed_slots: missed,
  };

  if (!busy || policy === "allow") {
    cur = { ...cur, run_count: cur.run_count + 1 };
    const step = startRun(cur, ctx, slotRun);
    cur = step.state;
    effects.push(...step.effects);
  } else if (policy === "queue" && cur.queue.length < MAX_QUEUED) {
    cur = {
      ...cur,
      run_count: cur.run_count + 1,
      queue: [...cur.queue, { run_id, scheduled_for: slot, missed_slots: missed, queued_at: now }],
    };
    effects.push({ type: "write_run", row: { ...rowOf(cur, slotRun, "queued", now, false) } });
  } else {
    const row = rowOf(cur, slotRun, "skipped", now, true);
    const reason =
      policy === "queue"
        ? `skipped: ${MAX_QUEUED} runs already queued`
        : "skipped: the previous run was still in progress (overlap_policy skip)";
    effects.push({ type: "write_run", row: { ...row, error: reason, duration_ms: null } });
  }
  return { state: { ...cur, ...computeStatus(cur, now) }, effects };
}

/** The earliest time this job needs to be woken, or null. */
export function wakeAt(state: JobState): number | null {
  let t = state.status === "active" ? state.next_run_at : null;
  for (const run of state.active) {
    const due = run.state === "running" ? run.deadline : run.next_attempt_at;
    if (due !== null && (t === null || due < t)) t = due;
  }
  return t;
}

/**
 * How long an alarm handler that started attempts may wait for them. alarm() never
 * runs concurrently with itself, so it must not sit on slow targets past the next
 * wake-up; until then, waiting keeps the object alive for those attempts (an hourly
 * job's slow target, say). Zero or less: do not wait.
 */
export function alarmHoldMs(nextWake: number | null, now: number): number {
  return Math.min(MAX_ALARM_HOLD_MS, nextWake === null ? MAX_ALARM_HOLD_MS : nextWake - now - 20);
}
