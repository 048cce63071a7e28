// Slot firing (SPEC §5 misfire, §6 overlap, §10 catch-up): what a wake-up does with
// the slots that have come — start, queue or skip one, or hand missed ones to the
// catch-up lane — and when to wake next.
import { dueSlots, fireAt } from "../slots";
import type { JobState, Lane } from "../types";
import {
  capacityBackoff,
  capacityHeldUntil,
  LAZY_SKIP_MAX_MS,
  lazySkipReason,
  settleSkippedSlots,
  skipMessage,
  slotDecision,
} from "./decision";
import { pause } from "./job";
import { startLanes } from "./lanes";
import { cancelRuns, expireLostAttempts, skippedRow, startDueRetries, startRun } from "./runs";
import { type CoreCtx, computeStatus, type Effect, rowOf, type Step, unchanged } from "./step";

/** An alarm handler may run 15 minutes; the shell never holds one that long. */
export const MAX_ALARM_HOLD_MS = 10 * 60_000;

/**
 * The alarm (or any wake-up): lost attempts, due retries, and the due slot — or the
 * slot due within `ctx.leadMs` (pre-armed: its request goes out at its fire time).
 * Handles everything due at or before now, so work that fell overdue while the
 * object was down still runs; then the lanes (catch-up, backfill) take their turn.
 */
export function wake(state: JobState, ctx: CoreCtx): Step {
  // Slots that passed while they were being skipped are recorded first (decision.ts);
  // then lost attempts (a run that ends frees its place for the slot), then the slot
  // (overlap_policy replace may cancel runs), then the retries still wanted.
  const settled = settleSkippedSlots(state, ctx);
  const lost = expireLostAttempts(settled.state, ctx);
  let cur = lost.state;
  const effects = [...settled.effects, ...lost.effects];
  const lead = leadFor(cur, ctx.leadMs ?? 0);
  if (cur.status === "active" && cur.next_run_at !== null && cur.next_run_at <= ctx.now + lead) {
    const fired = fireDueSlots(cur, ctx);
    cur = fired.state;
    effects.push(...fired.effects);
  }
  const retries = startDueRetries(cur, ctx);
  const lanes = startLanes(retries.state, ctx);
  return withoutUndone({
    state: lanes.state,
    effects: [...effects, ...retries.effects, ...lanes.effects],
  });
}

/**
 * cron.pause (SPEC §3). A slot that came due before the pause but that no wake-up has
 * decided yet (its alarm is late: a busy isolate) is decided first, exactly as that
 * wake-up would have — started, queued or skipped per the policies —, so that every
 * slot that came due while the job was active has its run or its count.
 */
export function pauseDue(state: JobState, ctx: CoreCtx): Step {
  if (state.status !== "active") return unchanged(state);
  const settled = settleSkippedSlots(state, ctx);
  let cur = settled.state;
  const effects = [...settled.effects];
  if (cur.status === "active" && cur.next_run_at !== null && cur.next_run_at <= ctx.now) {
    const fired = fireDueSlots(cur, ctx);
    cur = fired.state;
    effects.push(...fired.effects);
  }
  return { state: pause(cur, ctx.now).state, effects };
}

/**
 * An attempt started and cancelled within one wake-up (a queued run started by a lost
 * attempt's end, then replaced by the slot under overlap_policy replace) is never sent:
 * its start and its abort are dropped; its rows stay, the last (cancelled) one wins.
 */
function withoutUndone(step: Step): Step {
  const live = (e: Extract<Effect, { type: "start_attempt" }>) =>
    step.state.active.some(
      (r) => r.run_id === e.run_id && r.state === "running" && r.attempt === e.attempt,
    );
  const undone = new Set(
    step.effects.flatMap((e) => (e.type === "start_attempt" && !live(e) ? [e.run_id] : [])),
  );
  if (undone.size === 0) return step;
  return {
    state: step.state,
    effects: step.effects.filter(
      (e) => !((e.type === "start_attempt" || e.type === "abort_attempt") && undone.has(e.run_id)),
    ),
  };
}

/**
 * A single due slot that is this late counts as missed under `skip` (the misfire
 * threshold of Quartz's default): a slot followed by another due one always does.
 */
export const SKIP_LATE_MS = 60_000;

/**
 * SPEC §5 misfire, §10 catch-up: the slots due now. On time (one slot, inside the
 * catch-up window), it fires per the overlap policy; after a gap, misfire_policy
 * decides — run_once: the latest runs, counting the others; run_all: every slot inside
 * the window goes to the catch-up lane, in slot order; skip: none runs. Slots older than
 * the window are only counted; whatever is counted and not reported by a run now is
 * carried in pending_missed to the next run that starts from the schedule.
 */
function fireDueSlots(state: JobState, ctx: CoreCtx): Step {
  const { now } = ctx;
  const slot = state.next_slot!;
  const windowStart = now - state.config.catchup_window_seconds * 1000;
  const due =
    state.config.schedule === null
      ? { latest: slot, total: 1, old: 0, firstRecent: slot } // one-shot: fires when woken
      : dueSlots(state, slot, now, windowStart);
  let cur: JobState = { ...state, last_slot: due.latest };
  const recentLatest = due.firstRecent !== null;
  const onTime =
    state.config.schedule === null ||
    (due.total === 1 &&
      recentLatest &&
      !(cur.config.misfire_policy === "skip" && now - fireAt(cur, due.latest) > SKIP_LATE_MS));
  const effects: Effect[] = [];
  const fire = (missed: number) => {
    const step = fireSlot({ ...cur, pending_missed: 0 }, due.latest, missed, ctx);
    cur = step.state;
    effects.push(...step.effects);
  };
  const policy = cur.config.misfire_policy;
  if (onTime) fire(cur.pending_missed);
  else if (policy === "run_once" && recentLatest) fire(due.total - 1 + cur.pending_missed);
  else if (policy === "run_all" && due.firstRecent !== null) {
    // One lane per gap: slots fired on time since an earlier gap are not in this one.
    const lane: Lane = {
      backfill_id: null,
      after: due.firstRecent - 1,
      until: due.latest,
      remaining: due.total - due.old,
      missed: due.old + cur.pending_missed,
    };
    cur = { ...cur, pending_missed: 0, catchups: [...cur.catchups, lane] };
  } else cur = { ...cur, pending_missed: cur.pending_missed + due.total };
  return { state: { ...cur, ...computeStatus(cur, now, true) }, effects };
}

/** One slot fires: started, queued or skipped per the overlap policy (SPEC §6). */
function fireSlot(state: JobState, slot: number, missed: number, ctx: CoreCtx): Step {
  const { now } = ctx;
  let cur = state;
  const effects: Effect[] = [];
  const run_id = ctx.newRunId();
  const fire_at = fireAt(cur, slot);
  const slotRun = {
    run_id,
    trigger: "schedule" as const,
    scheduled_for: slot,
    fire_at,
    missed_slots: missed,
  };
  const decision = slotDecision(cur, ctx.capacityFull);
  if (decision === "replace") {
    const reason = `cancelled: replaced by run ${run_id} (overlap_policy replace)`;
    const cancelled = cancelRuns(
      cur,
      cur.active.filter((r) => r.lane === null).map((r) => r.run_id),
      reason,
      ctx,
    );
    cur = cancelled.state;
    effects.push(...cancelled.effects);
  }
  if (decision === "start" || decision === "replace") {
    cur = { ...cur, run_count: cur.run_count + 1, capacity_backoff: null };
    // A pre-armed slot's request leaves at its fire time, never before.
    const step = startRun(cur, ctx, slotRun, Math.max(now, fire_at));
    cur = step.state;
    effects.push(...step.effects);
  } else if (decision === "queue") {
    cur = {
      ...cur,
      run_count: cur.run_count + 1,
      queue: [
        ...cur.queue,
        { run_id, scheduled_for: slot, fire_at, missed_slots: missed, queued_at: now },
      ],
    };
    effects.push({ type: "write_run", row: rowOf(cur, slotRun, "queued", now, false) });
  } else {
    const message = skipMessage(cur, decision);
    effects.push({ type: "write_run", row: skippedRow(cur, slotRun, decision, now, message) });
    if (decision === "capacity") cur = { ...cur, capacity_backoff: capacityBackoff(cur, now) };
  }
  return { state: cur, effects };
}

/**
 * How early before its slot the job fires (pre-armed firing): `leadMs`, unless runs in
 * progress could change what the slot does — any run under a policy other than `allow`,
 * max_concurrency of them under `allow`. Then the slot is decided at its own instant:
 * the overlap policy sees the runs still in flight at the slot, not those that finish
 * within the lead (a target answering in 700 ms does not overlap an every-second job's
 * next slot under `skip`).
 */
export function leadFor(state: JobState, leadMs: number): number {
  // In progress: running or waiting for a retry (both count towards max_concurrency).
  const inProgress = state.active.length;
  if (leadMs === 0 || inProgress === 0) return leadMs;
  const { overlap_policy, max_concurrency } = state.config;
  return overlap_policy === "allow" && inProgress < max_concurrency ? leadMs : 0;
}

/**
 * The earliest time this job needs to be woken (a slot `leadMs` early, see leadFor), or null. A job
 * whose slots would only be skipped wakes for them at most every LAZY_SKIP_MAX_MS; one
 * held back by capacity, when its wait ends.
 */
export function wakeAt(state: JobState, leadMs = 0): number | null {
  let t =
    state.status === "active" && state.next_run_at !== null
      ? state.next_run_at - leadFor(state, leadMs)
      : null;
  const held = capacityHeldUntil(state);
  if (t !== null && lazySkipReason(state) !== null) t = state.next_run_at! + LAZY_SKIP_MAX_MS;
  else if (t !== null && held !== null && state.next_run_at! < held) t = held;
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
