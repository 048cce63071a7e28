// Slot firing (SPEC §5 misfire, §6 overlap): what a wake-up does with the slot
// that has come — start it, queue it or skip it — and when to wake next.
import { latestDueSlot } from "../slots";
import type { JobState, OverlapPolicy, SkipReason } from "../types";
import { cancelRuns, expireLostAttempts, skippedRow, startDueRetries, startRun } from "./runs";
import { type CoreCtx, computeStatus, type Effect, rowOf, type Step } from "./step";

/** A queue holds at most this many waiting runs (SPEC §6); later slots are skipped. */
export const MAX_QUEUED = 10;
/** An alarm handler may run 15 minutes; the shell never holds one that long. */
export const MAX_ALARM_HOLD_MS = 10 * 60_000;

/**
 * The alarm (or any wake-up): lost attempts, due retries, and the due slot — or the
 * slot due within `ctx.leadMs` (pre-armed: its request goes out at the slot's instant).
 * Handles everything due at or before now, so work that fell overdue while the
 * object was down still runs.
 */
export function wake(state: JobState, ctx: CoreCtx): Step {
  // Lost attempts first (a run that ends frees its place for the slot), then the
  // slot (overlap_policy replace may cancel runs), then the retries still wanted.
  const lost = expireLostAttempts(state, ctx);
  let cur = lost.state;
  const effects = [...lost.effects];
  const lead = ctx.leadMs ?? 0;
  if (cur.status === "active" && cur.next_run_at !== null && cur.next_run_at <= ctx.now + lead) {
    const fired = fireDueSlot(cur, ctx);
    cur = fired.state;
    effects.push(...fired.effects);
  }
  const retries = startDueRetries(cur, ctx);
  return { state: retries.state, effects: [...effects, ...retries.effects] };
}

/** How many slots may wait under each waiting policy (SPEC §6). */
const QUEUE_LIMIT: Partial<Record<OverlapPolicy, number>> = {
  queue: MAX_QUEUED,
  buffer_one: 1,
};

/** What becomes of a slot, by overlap policy and the runs in progress (SPEC §6). */
export function slotDecision(
  state: Pick<JobState, "active" | "queue" | "config">,
): "start" | "queue" | "replace" | SkipReason {
  const inProgress = state.active.length;
  const { overlap_policy: policy, max_concurrency } = state.config;
  if (policy === "allow") return inProgress < max_concurrency ? "start" : "concurrency_limit";
  if (inProgress === 0) return "start";
  if (policy === "skip") return "overlap";
  if (policy === "replace") return "replace";
  return state.queue.length < (QUEUE_LIMIT[policy] ?? 0) ? "queue" : "queue_full";
}

/** SPEC §5 misfire + §6 overlap: one run for the latest due slot, per the overlap policy. */
function fireDueSlot(state: JobState, ctx: CoreCtx): Step {
  const { now } = ctx;
  const { slot, missed } = latestDueSlot(state, state.next_run_at!, now);
  let cur: JobState = { ...state, last_slot: slot };
  const effects: Effect[] = [];
  const run_id = ctx.newRunId();
  const slotRun = {
    run_id,
    trigger: "schedule" as const,
    scheduled_for: slot,
    missed_slots: missed,
  };
  const decision = slotDecision(cur);
  if (decision === "replace") {
    const reason = `cancelled: replaced by run ${run_id} (overlap_policy replace)`;
    const cancelled = cancelRuns(
      cur,
      cur.active.map((r) => r.run_id),
      reason,
      ctx,
    );
    cur = cancelled.state;
    effects.push(...cancelled.effects);
  }
  if (decision === "start" || decision === "replace") {
    cur = { ...cur, run_count: cur.run_count + 1 };
    // A pre-armed slot's request leaves at the slot's instant, never before.
    const step = startRun(cur, ctx, slotRun, Math.max(now, slot));
    cur = step.state;
    effects.push(...step.effects);
  } else if (decision === "queue") {
    cur = {
      ...cur,
      run_count: cur.run_count + 1,
      queue: [...cur.queue, { run_id, scheduled_for: slot, missed_slots: missed, queued_at: now }],
    };
    effects.push({ type: "write_run", row: rowOf(cur, slotRun, "queued", now, false) });
  } else {
    const limit = QUEUE_LIMIT[cur.config.overlap_policy];
    const message =
      decision === "queue_full" && limit !== undefined
        ? `skipped: ${limit} ${limit === 1 ? "run" : "runs"} already queued`
        : undefined;
    effects.push({ type: "write_run", row: skippedRow(cur, slotRun, decision, now, message) });
  }
  return { state: { ...cur, ...computeStatus(cur, now) }, effects };
}

/** The earliest time this job needs to be woken (a slot `leadMs` early), or null. */
export function wakeAt(state: JobState, leadMs = 0): number | null {
  let t =
    state.status === "active" && state.next_run_at !== null ? state.next_run_at - leadMs : null;
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
