// Run operations (SPEC §11) and secret rotation (SPEC §12): replay a finished run, replay
// many one after another, cancel a run in progress, rotate the signing secret.
//
// Decisions taken here:
// - A replay is a new run of the job's *current* configuration, like a manual trigger:
//   it starts now beside whatever is in progress (the overlap policy governs slots, and
//   the user asked for this run), counts towards max_concurrency (at the limit it is
//   recorded skipped, nothing sent), does not count towards max_runs, and works on a
//   paused or completed job.
// - A bulk replay is a lane (like a backfill): its runs are recorded queued at once under
//   their own run ids, then delivered oldest first, one at a time, beside the slots.
// - Cancel ends a queued, running or retrying run: an attempt in flight is aborted, no
//   further attempt is made (a report of the aborted attempt is stale and changes
//   nothing). Cancelling is neither a failure nor a success: consecutive_failures and
//   pause_after_failures do not move. A queued slot or a lane's next run may start in
//   the room it leaves.
import { HOUR } from "../../lib/time";
import type { JobState, ReplayItem, RunRow } from "../types";
import { startLanes } from "./lanes";
import { cancelRuns, startNow, startQueued } from "./runs";
import { type CoreCtx, type Effect, rowOf, type Step, unchanged } from "./step";

/** How many bulk-replay runs may wait per job (SPEC §11: one request replays ≤ 1,000). */
export const MAX_REPLAYS_WAITING = 1000;
/** How long the previous signing secret keeps signing after a rotation (SPEC §12). */
export const SECRET_OVERLAP_MS = 24 * HOUR;

/** Whether a run is in progress in this job: running, retrying, queued or waiting to replay. */
export function inProgress(state: JobState, run_id: string): boolean {
  return (
    state.active.some((r) => r.run_id === run_id) ||
    state.queue.some((q) => q.run_id === run_id) ||
    state.replays.some((r) => r.run_id === run_id)
  );
}

/** The finished run a replay repeats: its id and slot. */
export type ReplaySource = Pick<RunRow, "run_id" | "scheduled_for">;

/** cron.runs.replay (one run): a new run now, trigger "replay", the original's slot. */
export function replay(
  state: JobState,
  original: ReplaySource,
  ctx: CoreCtx,
): Step & { row: RunRow } {
  return startNow(state, ctx, {
    run_id: ctx.newRunId(),
    trigger: "replay",
    scheduled_for: original.scheduled_for ?? ctx.now,
    fire_at: ctx.now,
    missed_slots: 0,
    replay_of: original.run_id,
  });
}

/** cron.runs.replay (many): each original becomes a queued run of the replay lane. */
export function replayMany(
  state: JobState,
  originals: readonly ReplaySource[],
  ctx: CoreCtx,
): Step & { run_ids: string[] } {
  const items: ReplayItem[] = originals.map((o) => ({
    run_id: ctx.newRunId(),
    replay_of: o.run_id,
    scheduled_for: o.scheduled_for ?? ctx.now,
    queued_at: ctx.now,
  }));
  const next: JobState = { ...state, replays: [...state.replays, ...items] };
  const effects: Effect[] = items.map((item) => ({
    type: "write_run",
    row: rowOf(next, replayRun(item), "queued", ctx.now, false),
  }));
  const lanes = startLanes(next, ctx);
  return {
    state: lanes.state,
    effects: [...effects, ...lanes.effects],
    run_ids: items.map((i) => i.run_id),
  };
}

/** The run a waiting replay item stands for. */
export const replayRun = (item: ReplayItem) => ({
  run_id: item.run_id,
  trigger: "replay" as const,
  scheduled_for: item.scheduled_for,
  fire_at: item.queued_at,
  missed_slots: 0,
  replay_of: item.replay_of,
});

/**
 * cron.runs.cancel: the run ends `cancelled` with `reason` as its error. `found` is false
 * when the run is not in progress in this job (finished, or unknown): nothing changes.
 */
export function cancel(
  state: JobState,
  run_id: string,
  reason: string,
  ctx: CoreCtx,
): Step & { found: boolean; row: RunRow | null } {
  if (state.active.some((r) => r.run_id === run_id)) {
    const cancelled = cancelRuns(state, [run_id], reason, ctx);
    // The room it leaves: a queued slot, then the lanes.
    const queued = startQueued(cancelled.state, ctx);
    const lanes = startLanes(queued.state, ctx);
    const effects = [...cancelled.effects, ...queued.effects, ...lanes.effects];
    return { state: lanes.state, effects, found: true, row: rowWritten(effects, run_id) };
  }
  const queued = state.queue.find((q) => q.run_id === run_id);
  if (queued) {
    const row = {
      ...rowOf(state, { ...queued, trigger: "schedule" }, "cancelled", ctx.now, true),
      error: reason,
    };
    const next = { ...state, queue: state.queue.filter((q) => q.run_id !== run_id) };
    return { state: next, effects: [{ type: "write_run", row }], found: true, row };
  }
  const waiting = state.replays.find((r) => r.run_id === run_id);
  if (waiting) {
    const row = { ...rowOf(state, replayRun(waiting), "cancelled", ctx.now, true), error: reason };
    const next = { ...state, replays: state.replays.filter((r) => r.run_id !== run_id) };
    return { state: next, effects: [{ type: "write_run", row }], found: true, row };
  }
  return { ...unchanged(state), found: false, row: null };
}

const rowWritten = (effects: Effect[], run_id: string): RunRow | null => {
  for (const e of effects) if (e.type === "write_run" && e.row.run_id === run_id) return e.row;
  return null;
};

/**
 * cron.rotate-secret: `secret` signs from now on; the previous one keeps signing beside
 * it for SECRET_OVERLAP_MS. A second rotation inside the overlap retires the oldest.
 */
export function rotateSecret(state: JobState, secret: string, now: number): Step {
  return unchanged({
    ...state,
    signing_secret: secret,
    previous_secret: state.signing_secret,
    previous_secret_expires_at: now + SECRET_OVERLAP_MS,
    updated_at: now,
  });
}

/** The secrets a request or event is signed with at `now`: the current one first. */
export function signingSecrets(
  state: Pick<JobState, "signing_secret" | "previous_secret" | "previous_secret_expires_at">,
  now: number,
): string[] {
  const { previous_secret: prev, previous_secret_expires_at: until } = state;
  return prev !== null && until !== null && now < until
    ? [state.signing_secret, prev]
    : [state.signing_secret];
}
