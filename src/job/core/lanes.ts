// Lanes (SPEC §10): slots delivered one after another beside the job's scheduled runs —
// the missed slots of misfire_policy run_all (the catch-up lane), and backfills. A lane
// has at most one run in flight; its next slot starts when that run has finished and
// the job is under max_concurrency. Lane runs are not overlapped by new slots (their
// overlap_policy sees only scheduled and manual runs) but count towards max_concurrency.
import { fireAt, windowSlotAfter } from "../slots";
import type { JobState, Lane, LaneKind } from "../types";
import { settleSkippedSlots } from "./decision";
import { type ConfigPatch, update } from "./job";
import { attemptFinished as finished, recover as recovered, startRun } from "./runs";
import type { CoreCtx, Effect, Step } from "./step";

/** Backfills that may wait per job (each holds at most MAX_BACKFILL_SLOTS slots). */
export const MAX_BACKFILLS = 10;
export const MAX_BACKFILL_SLOTS = 1000;

/** Where the lanes of each kind wait; the first of each delivers. */
const FIELD = { catchup: "catchups", backfill: "backfills" } as const;
type SlotLane = Exclude<LaneKind, "replay">;

const laneOf = (state: JobState, kind: SlotLane): Lane | null => state[FIELD[kind]][0] ?? null;

/** The job without the lane `kind` is delivering (it is done, or may not go on). */
const dropLane = (state: JobState, kind: SlotLane): JobState => ({
  ...state,
  [FIELD[kind]]: state[FIELD[kind]].slice(1),
});

const withLane = (state: JobState, kind: SlotLane, lane: Lane): JobState => ({
  ...state,
  [FIELD[kind]]: [lane, ...state[FIELD[kind]].slice(1)],
});

/** Catch-up runs are scheduled runs: never while paused, never past max_runs. */
function catchupStopped(state: JobState): boolean {
  const { max_runs } = state.config;
  return state.status === "paused" || (max_runs !== null && state.run_count >= max_runs);
}

/** Starts the next slot of each lane that has nothing in flight, while there is room. */
export function startLanes(state: JobState, ctx: CoreCtx): Step {
  let cur = state;
  const effects: Effect[] = [];
  for (const kind of ["catchup", "backfill"] as const) {
    for (;;) {
      const lane = laneOf(cur, kind);
      if (lane === null || cur.active.some((r) => r.lane === kind)) break;
      if (kind === "catchup" && catchupStopped(cur)) {
        cur = { ...cur, catchups: [] };
        break;
      }
      const slot = windowSlotAfter(cur.config, lane.after);
      if (slot === null || slot > lane.until || lane.remaining <= 0) {
        cur = dropLane(cur, kind); // done: the next backfill, if any, takes its turn
        continue;
      }
      if (cur.active.length >= cur.config.max_concurrency) break;
      const rest: Lane = { ...lane, after: slot, remaining: lane.remaining - 1, missed: 0 };
      cur = rest.remaining > 0 ? withLane(cur, kind, rest) : dropLane(cur, kind);
      if (kind === "catchup") cur = { ...cur, run_count: cur.run_count + 1 };
      const step = startRun(cur, ctx, {
        run_id: ctx.newRunId(),
        trigger: kind === "catchup" ? "schedule" : "backfill",
        scheduled_for: slot,
        // A missed slot was due at its own fire time; a backfill slot when its turn came.
        fire_at: kind === "catchup" ? fireAt(cur, slot) : ctx.now,
        missed_slots: lane.missed,
        lane: kind,
        backfill_id: lane.backfill_id,
      });
      cur = step.state;
      effects.push(...step.effects);
      break;
    }
  }
  // The replay lane (SPEC §11): bulk replays, oldest first, one at a time, also while
  // paused (a replay works on a paused job). Each run keeps the id it was queued under.
  const [item, ...rest] = cur.replays;
  if (
    item &&
    !cur.active.some((r) => r.lane === "replay") &&
    cur.active.length < cur.config.max_concurrency
  ) {
    const step = startRun({ ...cur, replays: rest }, ctx, {
      run_id: item.run_id,
      trigger: "replay",
      scheduled_for: item.scheduled_for,
      fire_at: ctx.now,
      missed_slots: 0,
      lane: "replay",
      replay_of: item.replay_of,
    });
    cur = step.state;
    effects.push(...step.effects);
  }
  return { state: cur, effects };
}

const thenLanes = (step: Step, ctx: CoreCtx): Step => {
  const lanes = startLanes(step.state, ctx);
  return { state: lanes.state, effects: [...step.effects, ...lanes.effects] };
};

/**
 * An attempt reported its result; a run that ended lets a lane go on. The report of an
 * attempt no longer in flight (declared lost, cancelled, superseded) changes nothing.
 */
export function attemptFinished(
  state: JobState,
  run_id: string,
  attempt: number,
  result: Parameters<typeof finished>[3],
  ctx: CoreCtx,
): Step {
  const settled = settleSkippedSlots(state, ctx);
  const done = finished(settled.state, run_id, attempt, result, ctx);
  if (done.state === settled.state) return settled;
  const step = thenLanes(done, ctx);
  return { state: step.state, effects: [...settled.effects, ...step.effects] };
}

/**
 * A configuration update (job.ts); a lane or replay waiting for room it made (a higher
 * max_concurrency) starts at once, not at the job's next event.
 */
export function updated(state: JobState, patch: ConfigPatch, ctx: CoreCtx): Step {
  return thenLanes(update(state, patch, ctx.now), ctx);
}

/** After a restart: interrupted attempts fail (and are retried); lanes go on. */
export function recover(state: JobState, ctx: CoreCtx): Step {
  const settled = settleSkippedSlots(state, ctx);
  const step = thenLanes(recovered(settled.state, ctx), ctx);
  return { state: step.state, effects: [...settled.effects, ...step.effects] };
}

/** The slots of a backfill of `[from, to)`: how many (up to `limit` + 1), the first and last. */
export function backfillSlots(
  state: JobState,
  from: number,
  to: number,
  limit = MAX_BACKFILL_SLOTS,
): { count: number; first: number | null; last: number | null } {
  let count = 0;
  let first: number | null = null;
  let last: number | null = null;
  for (let s = windowSlotAfter(state.config, from - 1); s !== null && s < to; ) {
    count++;
    first ??= s;
    last = s;
    if (count > limit) break;
    s = windowSlotAfter(state.config, s);
  }
  return { count, first, last };
}

/** cron.backfill: a lane of the job's slots in [from, to), after bounds and exclusions. */
export function backfill(
  state: JobState,
  backfill_id: string,
  slots: { count: number; first: number; last: number },
  ctx: CoreCtx,
): Step {
  const lane: Lane = {
    backfill_id,
    after: slots.first - 1,
    until: slots.last,
    remaining: slots.count,
    missed: 0,
  };
  return startLanes({ ...state, backfills: [...state.backfills, lane] }, ctx);
}
