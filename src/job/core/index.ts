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

export const wake = evented(wakeRaw);
export const attemptFinished = evented(finishedRaw);
export const recover = evented(recoverRaw);
export const settleSkippedSlots = evented(settle);
export const pause = evented(pauseDue);
export const update = evented(updated);
