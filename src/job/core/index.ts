// The functional core of a job: every decision — what fires, whether a slot is
// started, queued or skipped, when the next attempt is due, what the job looks
// like after an event — is a pure function of (state, event, context) returning a
// Step. The Durable Object shell (src/object/) loads state, calls these, performs
// the effects and saves.
export {
  CAPACITY_BACKOFF_MS,
  LAZY_SKIP_MAX_MS,
  lazySkipReason,
  MAX_QUEUED,
  settleSkippedSlots,
  slotDecision,
} from "./decision";
export { alarmHoldMs, MAX_ALARM_HOLD_MS, SKIP_LATE_MS, wake, wakeAt } from "./firing";
export {
  type ConfigPatch,
  createJob,
  type NewJob,
  pause,
  resume,
  update,
  windowProblem,
} from "./job";
export {
  attemptFinished,
  backfill,
  backfillSlots,
  MAX_BACKFILL_SLOTS,
  MAX_BACKFILLS,
  recover,
  startLanes,
} from "./lanes";
export {
  ATTEMPT_GRACE_MS,
  cancelRuns,
  INTERRUPTED_ERROR,
  LOST_ERROR,
  MAX_RETRY_DELAY_MS,
  retryDelayMs,
  SKIP_MESSAGES,
  trigger,
} from "./runs";
export type { CoreCtx, Effect, Step } from "./step";
