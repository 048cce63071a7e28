// What becomes of a slot (SPEC §6), and the slots a job at its limit does not wake for.
//
// A job whose next slot would only be recorded skipped — at max_concurrency under
// allow, busy under skip, its queue full — does not wake for each slot (issue 14: a
// thousand every-second jobs against a hanging target otherwise spend a wake-up, a
// commit and a history write per job per second on nothing but a skipped row). It wakes
// at least every LAZY_SKIP_MAX_MS, and before every event that can change its capacity
// (an attempt's result, a lost attempt, a restart, an API call) the slots that passed
// meanwhile are recorded skipped, each with its own row, exactly as eager wake-ups
// would have: nothing changed the decision in between, since only events do.
import type { JobState, OverlapPolicy, SkipReason } from "../types";
import { overlapping, skippedRow } from "./runs";
import { type CoreCtx, computeStatus, type Effect, type Step } from "./step";

/** A queue holds at most this many waiting runs (SPEC §6); later slots are skipped. */
export const MAX_QUEUED = 10;

/** How many slots may wait under each waiting policy (SPEC §6). */
export const QUEUE_LIMIT: Partial<Record<OverlapPolicy, number>> = {
  queue: MAX_QUEUED,
  buffer_one: 1,
};

/** A job whose slots are being skipped wakes at least this often to record them. */
export const LAZY_SKIP_MAX_MS = 10_000;
/** Skipped slots recorded by one event at most (the rest by the next wake-up, at once). */
export const MAX_SETTLED_SKIPS = 1000;
/**
 * After a slot skipped for capacity the job's slots are skipped for this long without
 * a wake-up each, doubled for each such skip in a row, at most LAZY_SKIP_MAX_MS.
 */
export const CAPACITY_BACKOFF_MS = 1000;

/**
 * What becomes of a slot, by overlap policy and the runs in progress (SPEC §6). Lane
 * runs (catch-up, backfill) are not overlapped, but count towards max_concurrency.
 */
export function slotDecision(
  state: Pick<JobState, "active" | "queue" | "config">,
  capacityFull = false,
): "start" | "queue" | "replace" | SkipReason {
  const decision = ownDecision(state);
  return capacityFull && (decision === "start" || decision === "replace") ? "capacity" : decision;
}

/** slotDecision by the job's own runs alone. */
function ownDecision(
  state: Pick<JobState, "active" | "queue" | "config">,
): "start" | "queue" | "replace" | SkipReason {
  const inProgress = overlapping(state);
  const lanes = state.active.length - inProgress;
  const { overlap_policy: policy, max_concurrency } = state.config;
  const room = state.active.length < max_concurrency;
  if (policy === "allow") return room ? "start" : "concurrency_limit";
  if (inProgress === 0) return room ? "start" : "concurrency_limit";
  if (policy === "skip") return "overlap";
  if (policy === "replace") return lanes < max_concurrency ? "replace" : "concurrency_limit";
  return state.queue.length < (QUEUE_LIMIT[policy] ?? 0) ? "queue" : "queue_full";
}

/** The error text of a skipped slot. */
export function skipMessage(
  state: Pick<JobState, "config">,
  reason: SkipReason,
): string | undefined {
  const limit = QUEUE_LIMIT[state.config.overlap_policy];
  return reason === "queue_full" && limit !== undefined
    ? `skipped: ${limit} ${limit === 1 ? "run" : "runs"} already queued`
    : undefined;
}

/** Why the job's next scheduled slot would be skipped if it came now, or null. */
export function lazySkipReason(state: JobState): SkipReason | null {
  if (state.status !== "active" || state.config.schedule === null || state.next_slot === null)
    return null;
  const decision = slotDecision(state);
  return decision === "start" || decision === "queue" || decision === "replace" ? null : decision;
}

/** While a slot skipped for capacity holds the job back: until when, or null. */
export function capacityHeldUntil(state: JobState): number | null {
  return state.capacity_backoff?.until ?? null;
}

/** The capacity wait after another slot skipped for it (doubling, at most LAZY_SKIP_MAX_MS). */
export function capacityBackoff(
  state: JobState,
  now: number,
): NonNullable<JobState["capacity_backoff"]> {
  const skips = (state.capacity_backoff?.skips ?? 0) + 1;
  const wait = Math.min(LAZY_SKIP_MAX_MS, CAPACITY_BACKOFF_MS * 2 ** Math.min(skips - 1, 10));
  return { until: now + wait, skips };
}

/**
 * Records as skipped the slots whose fire time has passed while the job's slots were
 * being skipped (see above, and the capacity wait), in slot order, each at its own fire
 * time. Call before any event that can change what becomes of a slot.
 */
export function settleSkippedSlots(state: JobState, ctx: Pick<CoreCtx, "now" | "newRunId">): Step {
  const own = lazySkipReason(state);
  const heldUntil = capacityHeldUntil(state);
  if (own === null && heldUntil === null) return { state, effects: [] };
  let cur = state;
  const effects: Effect[] = [];
  for (let n = 0; n < MAX_SETTLED_SKIPS; n++) {
    const slot = cur.next_slot;
    const fire_at = cur.next_run_at;
    if (cur.status !== "active" || slot === null || fire_at === null || fire_at > ctx.now) break;
    const reason: SkipReason | null =
      own ?? (heldUntil !== null && fire_at < heldUntil ? "capacity" : null);
    if (reason === null) break;
    const run = {
      run_id: ctx.newRunId(),
      trigger: "schedule" as const,
      scheduled_for: slot,
      fire_at,
      missed_slots: cur.pending_missed,
    };
    const row = skippedRow(cur, run, reason, fire_at, skipMessage(cur, reason));
    effects.push({ type: "write_run", row });
    cur = { ...cur, last_slot: slot, pending_missed: 0 };
    cur = { ...cur, ...computeStatus(cur, ctx.now, true) };
  }
  return { state: cur, effects };
}
