// The run history on its way to D1 (SPEC §14), pure: what a job object puts on the
// history queue, and how the consumer turns a batch of such messages into one write per
// database. A message carries the rows of one job (so of one shard) with the version of
// the commit that produced them; the consumer may see a message twice or out of order,
// so it keeps the newest version of each row and the database keeps whichever is newer.
import type { CronRecord } from "./record";
import type { JobStatus, RunRow } from "./types";

/** The per-tenant index row of a job (primary database); the job object keeps it in step. */
export interface JobIndexRow {
  cron_id: string;
  tenant_id: string;
  status: JobStatus;
  next_run_at: number | null;
  retention_days: number;
  record: CronRecord;
  created_at: number;
  updated_at: number;
}

/** A run row as of one commit of its job (`version` grows with every commit). */
export interface VersionedRun {
  row: RunRow;
  version: number;
}

/** The index row's run progress as of one commit. */
export interface VersionedIndex {
  row: JobIndexRow;
  version: number;
}

/** One message on the history queue: rows of one job, bound for its shard. */
export interface HistoryMessage {
  v: 1;
  shard: string;
  cron_id: string;
  runs: VersionedRun[];
  /** The job's index row, when its run progress changed (written only if the row exists). */
  index?: VersionedIndex;
}

/** What one consumer batch writes: per shard the newest version of each run, and the index rows. */
export interface HistoryBatchPlan {
  /** Shard name → the runs to write there, newest version of each. */
  shards: Map<string, VersionedRun[]>;
  /** Newest version of each job's index row (primary database). */
  index: VersionedIndex[];
  /** Every job the batch names (the consumer checks each still exists). */
  cronIds: string[];
}

export function isHistoryMessage(body: unknown): body is HistoryMessage {
  if (typeof body !== "object" || body === null) return false;
  const m = body as Partial<HistoryMessage>;
  return (
    m.v === 1 &&
    typeof m.shard === "string" &&
    typeof m.cron_id === "string" &&
    Array.isArray(m.runs)
  );
}

/** Merges messages: per run and per job the highest version wins. */
export function planHistoryBatch(messages: readonly HistoryMessage[]): HistoryBatchPlan {
  const runs = new Map<string, { shard: string; run: VersionedRun }>();
  const index = new Map<string, VersionedIndex>();
  const cronIds = new Set<string>();
  for (const m of messages) {
    cronIds.add(m.cron_id);
    for (const run of m.runs) {
      const prev = runs.get(run.row.run_id);
      if (!prev || prev.run.version < run.version)
        runs.set(run.row.run_id, { shard: m.shard, run });
    }
    if (m.index) {
      const prev = index.get(m.cron_id);
      if (!prev || prev.version < m.index.version) index.set(m.cron_id, m.index);
    }
  }
  const shards = new Map<string, VersionedRun[]>();
  for (const { shard, run } of runs.values()) {
    const list = shards.get(shard) ?? [];
    list.push(run);
    shards.set(shard, list);
  }
  return { shards, index: [...index.values()], cronIds: [...cronIds] };
}

/**
 * Splits `items` into chunks whose JSON stays under `maxBytes` (D1 binds one JSON
 * parameter per statement; a bound value may be at most 2 MB).
 */
export function chunkBySize<T>(items: readonly T[], maxBytes: number): T[][] {
  const chunks: T[][] = [];
  let cur: T[] = [];
  let size = 2;
  for (const item of items) {
    const n = JSON.stringify(item).length + 1;
    if (cur.length > 0 && size + n > maxBytes) {
      chunks.push(cur);
      cur = [];
      size = 2;
    }
    cur.push(item);
    size += n;
  }
  if (cur.length > 0) chunks.push(cur);
  return chunks;
}

/** Newest-first merge of pages from several sources (run ids sort by creation). */
export function mergeNewestFirst<T>(lists: readonly T[][], idOf: (t: T) => string): T[] {
  return lists.flat().sort((a, b) => (idOf(a) < idOf(b) ? 1 : idOf(a) > idOf(b) ? -1 : 0));
}
