// Which D1 writes a job object sends, and when (pure: the object supplies the clock
// and the timer). D1 holds the run history and the per-tenant index row of each job;
// the object's own storage stays the source of truth. A job that fires every second
// would otherwise write three statements a run (its row as running, as finished, and
// the index row); this keeps what the history needs and drops what a later write of
// the same row would overwrite anyway:
//   - a scheduled run's "running" row waits RUNNING_ROW_DELAY_MS: a run that finishes
//     sooner is written once, finished;
//   - the index row's run progress (next/last run, counters) is rewritten at most every
//     INDEX_REFRESH_MS, and its last change always lands (that much later at most);
//   - everything else — finished, retrying, queued and skipped runs, status and
//     configuration changes, and whatever an API call waits for (`urgent`) — is due at once.
import type { JobState, RunRow } from "./types";

export const INDEX_REFRESH_MS = 10_000;
export const RUNNING_ROW_DELAY_MS = 1_000;

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

export interface DueWrites {
  rows: RunRow[];
  /** The state to write the index row from, when it is due. */
  index: JobState | null;
}

export class HistoryWrites {
  private readonly rows = new Map<string, { row: RunRow; due: number }>();
  private index: { state: JobState; due: number } | null = null;
  /** The state the index row was last written from (null: unknown, write it), and when. */
  private indexed: JobState | null = null;
  private indexedAt = Number.NEGATIVE_INFINITY;

  /** Records what a commit changed: the new state and the run rows it wrote. */
  add(state: JobState, rows: readonly RunRow[], now: number, urgent = false): void {
    for (const row of rows) {
      const prev = this.rows.get(row.run_id);
      const due = urgent || row.state !== "running" ? now : now + RUNNING_ROW_DELAY_MS;
      this.rows.set(row.run_id, { row, due: Math.min(due, prev?.due ?? due) });
    }
    const last = this.indexed;
    if (!last || !same(state, last, SHAPE_FIELDS)) {
      this.index = { state, due: now };
    } else if (!same(state, last, PROGRESS_FIELDS)) {
      const due = urgent ? now : Math.max(now, this.indexedAt + INDEX_REFRESH_MS);
      this.index = { state, due: Math.min(due, this.index?.due ?? due) };
    } else {
      this.index = null; // back to what the index already says
    }
  }

  /** Takes every write due by `now` (every pending one with `all`), in the order to send them. */
  take(now: number, all = false): DueWrites {
    const rows: RunRow[] = [];
    for (const [runId, pending] of this.rows) {
      if (!all && pending.due > now) continue;
      this.rows.delete(runId);
      rows.push(pending.row);
    }
    let index: JobState | null = null;
    if (this.index && (all || this.index.due <= now)) {
      index = this.index.state;
      this.indexed = index;
      this.indexedAt = now;
      this.index = null;
    }
    return { rows, index };
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

  /** A write failed: whatever the index holds is unknown, so the next change rewrites it. */
  indexUnknown(): void {
    this.indexed = null;
  }

  clear(): void {
    this.rows.clear();
    this.index = null;
  }
}
