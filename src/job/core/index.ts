// The functional core of a job: every decision — what fires, whether a slot is
// started, queued or skipped, when the next attempt is due, what the job looks
// like after an event, which notifications it sends — is a pure function of (state,
// event, context) returning a Step. The Durable Object shell (src/object/) loads state,
// calls these, performs the effects and saves. The events that can pause or complete
// a job are exported `evented`: their job.paused / job.completed notifications follow.

import { settleSkippedSlots as settle } from "./decision";
import { pauseDue, wake as wakeRaw } from "./firing";
import { attemptFinished as finishedRaw, recover as recoverRaw, updated } from "./lanes";
import { evented } from "./notify";
import type { Step } from "./step";

export {
  CAPACITY_BACKOFF_MS,
  LAZY_SKIP_MAX_MS,
  lazySkipReason,
  MAX_QUEUED,
  slotDecision,
} from "./decision";
export { alarmHoldMs, MAX_ALARM_HOLD_MS, SKIP_LATE_MS, wakeAt } from "./firing";
export { type ConfigPatch, createJob, type NewJob, resume, windowProblem } from "./job";
export { backfill, backfillSlots, MAX_BACKFILL_SLOTS, MAX_BACKFILLS, startLanes } from "./lanes";
export { eventEffects, statusEvents } from "./notify";
export {
  cancel,
  inProgress,
  MAX_REPLAYS_WAITING,
  type ReplaySource,
  replay,
  replayMany,
  rotateSecret,
  SECRET_OVERLAP_MS,
  signingSecrets,
} from "./run-ops";
export {
  ATTEMPT_GRACE_MS,
  cancelRuns,
  INTERRUPTED_ERROR,
  LOST_ERROR,
  MAX_RETRY_DELAY_MS,
  retryDelayMs,
  SKIP_MESSAGES,
  shouldPause,
  trigger,
} from "./runs";
export type { CoreCtx, Effect, Step } from "./step";

/**
 * An attempt reported its result (lanes.ts), then — chained firing, `ctx.chainLeadMs` —
 * the job's next slot when it is due within that lead: taken by the same step (its
 * request sent at the slot's instant, like a pre-armed one), so the shell commits the
 * outcome and the next slot together. The wake-up decides it exactly as the alarm would
 * have (overlap policy, concurrency, misfire); only the lead is longer.
 */
function finishedThenNext(...args: Parameters<typeof finishedRaw>): Step {
  const [state, , , , ctx] = args;
  const done = finishedRaw(...args);
  const lead = ctx.chainLeadMs ?? 0;
  const after = done.state;
  if (
    after === state ||
    lead <= (ctx.leadMs ?? 0) ||
    after.status !== "active" ||
    after.next_run_at === null ||
    after.next_run_at > ctx.now + lead
  )
    return done;
  const woke = wakeRaw(after, { ...ctx, leadMs: lead });
  return { state: woke.state, effects: [...done.effects, ...woke.effects] };
}

export const wake = evented(wakeRaw);
export const attemptFinished = evented(finishedThenNext);
export const recover = evented(recoverRaw);
export const settleSkippedSlots = evented(settle);
export const pause = evented(pauseDue);
export const update = evented(updated);
