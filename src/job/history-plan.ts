// Which D1 writes a job object sends, and when (pure: the object supplies the clock
// and the timer). D1 holds the run history and the per-tenant index row of each job;
// the object's own storage stays the source of truth. A job that fires every second
// would otherwise write three statements a run (its row as running, as finished, and
// the index row); this keeps what the history needs and drops what a later write of
// the same row would overwrite anyway:
//   - a scheduled run's "running" row waits RUNNING_ROW_DELAY_MS after its request
//     leaves (`started_at`: a pre-armed or chained run is committed before that): a run
//     that finishes sooner is written once, finished;
//   - the index row's run progress (next/last run, counters) is rewritten at most every
//     INDEX_REFRESH_MS, and never sooner than RUNNING_ROW_DELAY_MS after the change (a run
//     finishing by then carries it in the same write); its last change always lands;
//   - a finished run's row (succeeded, failed, skipped, cancelled) of a job whose next
//     run comes within FINISHED_ROW_DELAY_MS waits that long, and whatever finished
//     meanwhile goes in the same message: a job firing every second sends one message per
//     two or three runs instead of one a run (each queue message costs the object about
//     0.6 ms of CPU locally, BENCHMARKS.md "CPU per delivery"). The rows stay readable
//     from the object meanwhile (runs.get, runs.list), and sit in its durable outbox;
//   - everything else — finished runs of jobs firing less often, retrying and queued
//     runs, status and configuration changes, and whatever an API call waits for
//     (`urgent`) — is due at once, and any finished row that waits goes with it.
import { FINISHED_STATES, type JobState, type RunRow } from "./types";

export const INDEX_REFRESH_MS = 10_000;
export const RUNNING_ROW_DELAY_MS = 1_000;
export const FINISHED_ROW_DELAY_MS = 2_000;

const FINISHED = new Set<string>(FINISHED_STATES);

/** State fields of the index record that change with every run. */
const PROGRESS_FIELDS = [
  "next_run_at",
  "last_run_at",
  "last_run_state",
  "run_count",
  "consecutive_failures",
] as const satisfies readonly (keyof JobState)[];
/** The rest of the record changes only with these (the core keeps `config`'s identity). */
const SHAPE_FIELDS = [
  "config",
  "status",
  "signing_secret",
  "updated_at",
] as const satisfies readonly (keyof JobState)[];

const same = (a: JobState, b: JobState, fields: readonly (keyof JobState)[]) =>
  fields.every((f) => a[f] === b[f]);

/** What the plan needs of a row: its run and its state (the writer adds a version). */
type PlannedRow = Pick<RunRow, "run_id" | "state" | "started_at">;

export interface DueWrites<R extends PlannedRow = RunRow> {
  rows: R[];
  /** The state to write the index row from, when it is due. */
  index: JobState | null;
}

export class HistoryWrites<R extends PlannedRow = RunRow> {
  private readonly rows = new Map<string, { row: R; due: number }>();
  private index: { state: JobState; due: number } | null = null;
  /** The state the index row was last written from (null: unknown, write it), and when. */
  private indexed: JobState | null = null;
  private indexedAt = Number.NEGATIVE_INFINITY;

  /** Records what a commit changed: the new state and the run rows it wrote. */
  add(state: JobState, rows: readonly R[], now: number, urgent = false): void {
    // A job whose next run comes soon: its finished rows wait for company.
    const soon = state.next_run_at !== null && state.next_run_at <= now + FINISHED_ROW_DELAY_MS;
    for (const row of rows) {
      const prev = this.rows.get(row.run_id);
      const leaves = row.started_at === null ? now : Math.max(now, row.started_at);
      const due = urgent
        ? now
        : row.state === "running"
          ? leaves + RUNNING_ROW_DELAY_MS
          : soon && FINISHED.has(row.state)
            ? now + FINISHED_ROW_DELAY_MS
            : now;
      // A row never waits longer than planned, except a finished one that replaces its
      // run's "running" row (planned for a run that might not finish: it has now).
      const planned = prev && !(prev.row.state === "running" && row.state !== "running");
      this.rows.set(row.run_id, { row, due: planned ? Math.min(due, prev.due) : due });
    }
    const last = this.indexed;
    if (!last || !same(state, last, SHAPE_FIELDS)) {
      this.index = { state, due: now };
    } else if (!same(state, last, PROGRESS_FIELDS)) {
      // Not before RUNNING_ROW_DELAY_MS: a run that finishes by then takes it along.
      const due = urgent
        ? now
        : Math.max(now + RUNNING_ROW_DELAY_MS, this.indexedAt + INDEX_REFRESH_MS);
      this.index = { state, due: Math.min(due, this.index?.due ?? due) };
    } else {
      this.index = null; // back to what the index already says
    }
  }

  /**
   * Takes every write due by `now` (every pending one with `all`), in the order to send
   * them; with `withRows`, a pending index row comes along with any row taken.
   */
  take(now: number, all = false, withRows = false): DueWrites<R> {
    const rows: R[] = [];
    for (const [runId, pending] of this.rows) {
      if (!all && pending.due > now) continue;
      this.rows.delete(runId);
      rows.push(pending.row);
    }
    // Finished rows waiting for company go with any write that goes now (a "running"
    // row still waits: its finished version would overwrite it).
    if (!all && (rows.length > 0 || (this.index !== null && this.index.due <= now))) {
      for (const [runId, pending] of this.rows) {
        if (!FINISHED.has(pending.row.state)) continue;
        this.rows.delete(runId);
        rows.push(pending.row);
      }
    }
    let index: JobState | null = null;
    // A pending index refresh rides along with rows that go now — it costs nothing extra
    // in the same write, and would otherwise go alone — when it is due within
    // RUNNING_ROW_DELAY_MS, or when no run of the job comes before it is due (a job
    // firing less often than INDEX_REFRESH_MS: its next run would come too late to carry it).
    const rideAlong =
      withRows && rows.length > 0 && this.index !== null && this.carriesIndex(this.index, now);
    if (this.index && (all || this.index.due <= now || rideAlong)) {
      index = this.index.state;
      this.indexed = index;
      this.indexedAt = now;
      this.index = null;
    }
    return { rows, index };
  }

  private carriesIndex(index: { state: JobState; due: number }, now: number): boolean {
    if (index.due <= now + RUNNING_ROW_DELAY_MS) return true;
    const next = index.state.next_run_at;
    return next === null || next + RUNNING_ROW_DELAY_MS > index.due;
  }

  /** Rows whose write failed go back, due at `due`, unless a later version is pending. */
  restore(rows: readonly R[], due: number): void {
    for (const row of rows) if (!this.rows.has(row.run_id)) this.rows.set(row.run_id, { row, due });
  }

  /** The rows waiting for their due time. */
  pending(): R[] {
    return [...this.rows.values()].map((p) => p.row);
  }

  /** When the next pending write is due (Infinity: none). */
  nextDue(): number {
    let next = this.index?.due ?? Number.POSITIVE_INFINITY;
    for (const { due } of this.rows.values()) next = Math.min(next, due);
    return next;
  }

  /** The index row was just written from `state` by someone else (the create's quota claim). */
  indexedAs(state: JobState, now: number): void {
    this.indexed = state;
    this.indexedAt = now;
    this.index = null;
  }

  /**
   * A new instance of the object: what the index holds is unknown (most likely what the
   * last run carried), so it is rewritten from `state` within INDEX_REFRESH_MS — with the
   * next run's row if one goes by then (an object evicted between two runs sends no
   * message of its own for it).
   */
  indexStale(state: JobState, now: number): void {
    this.indexed = state;
    this.indexedAt = Number.NEGATIVE_INFINITY;
    this.index = { state, due: now + INDEX_REFRESH_MS };
  }

  /** A write failed: whatever the index holds is unknown, so the next change rewrites it. */
  indexUnknown(): void {
    this.indexed = null;
  }

  clear(): void {
    this.rows.clear();
    this.index = null;
  }
}
