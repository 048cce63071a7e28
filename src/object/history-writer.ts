// Hands a job's run history to its shard, off the delivery path (SPEC §14). Every run
// row a commit changes is numbered with the commit's version; a finished run's row is
// kept in the object's outbox, written in the same transaction as the state (storage.ts),
// until HOLD_MS after the queue took it (a queue that loses what it accepted — the local
// one, when the process is killed — is covered: a restarted object sends its outbox
// again, and the versions make the second copy harmless); the plan
// (src/job/history-plan.ts) says when it is due; due rows go to the history queue as one
// message, and leave the outbox with the first commit HOLD_MS after the queue had them. The queue's consumer
// (src/history/consumer.ts) writes many jobs' rows per statement, keeps retrying, and
// never lets an older version overwrite a newer one. A failed send keeps the rows in the
// outbox and retries, on a timer and on an alarm (an evicted object comes back for it);
// a new instance sends whatever its outbox still holds.
//
// Rows sent recently stay readable here (RECENT_MS) so runs.get and runs.list show a
// finished run at once, before the consumer's write lands.

import * as core from "../job/core";
import type { HistoryMessage, VersionedIndex, VersionedRun } from "../job/history-batch";
import { chunkBySize } from "../job/history-batch";
import { HistoryWrites } from "../job/history-plan";
import { FINISHED_STATES, type JobState, type RunRow } from "../job/types";
import { log } from "../lib/log";
import { DAY } from "../lib/time";
import { indexRowOf, upsertJobStatement } from "../store/jobs";
import { OUTBOX_INLINE_MAX, type StagedHistory, type StoredHistory } from "./storage";

/**
 * How long a row handed to the queue stays readable from the object: well past the
 * consumer's write (about 2 s), short enough that a run purged just after it finished
 * (retention_days 0) is not shown from here for long.
 */
export const RECENT_MS = 10_000;
/** At most this many recent rows are kept (the newest). */
export const RECENT_MAX = 200;
/** A queue message stays under this size (Cloudflare Queues: 128 KB a message). */
export const MESSAGE_BYTES = 100_000;
/** Outbox rows a new instance found go with the next message, or alone after this. */
export const STALE_RESEND_MS = 30_000;
/**
 * How long a row stays in the outbox after the queue took it: longer than the consumer
 * takes to write it (max_batch_timeout, 1 s, plus the write), so that a restart after a
 * crash that lost the queue's copy still finds the row and sends it again.
 */
export const HOLD_MS = 10_000;
/** Retries of a failed send: 1 s, 2 s, 4 s … at most this. */
export const MAX_RETRY_MS = 60_000;

type OutboxRow = RunRow & { version: number };
const FINISHED = new Set<string>(FINISHED_STATES);

export interface HistoryDeps {
  /** The queue this job's history travels through. */
  queue: () => Queue<HistoryMessage>;
  /** The primary database (the jobs index). */
  primary: D1Database;
  /** Arms (or, with null, clears) the alarm that retries a failed send. */
  retryAt: (at: number | null) => Promise<void>;
  cronId: () => string | undefined;
}

export class HistoryWriter {
  private readonly plan = new HistoryWrites<OutboxRow>();
  /** The commit counter (persisted with each commit). */
  private seq = 0;
  /** The job's history shard. */
  shard: string;
  /**
   * The outbox: finished runs' rows not yet taken by the queue, or taken less than HOLD_MS
   * ago (`sentAt`); spilled: under a key of its own.
   */
  private readonly unconfirmed = new Map<
    string,
    { run: VersionedRun; spilled: boolean; sentAt?: number }
  >();
  /** Rows handed to the queue lately, for reads (run id → row, when sent). */
  private readonly recent = new Map<string, { run: VersionedRun; at: number }>();
  /** Writes, chained so they go out in order. */
  private chain: Promise<void> = Promise.resolve();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private timerAt = Number.POSITIVE_INFINITY;
  private failures = 0;
  /** Outbox rows a new instance found (most likely already taken): see restore(). */
  private stale: OutboxRow[] = [];
  /** Spilled outbox rows a new instance found past their retention: deleted with the next commit. */
  private expiredSpill: string[] = [];
  private staleDue = Number.POSITIVE_INFINITY;
  /** Once dropped (the job was deleted), nothing more is written back. */
  private dropped = false;

  constructor(
    private readonly deps: HistoryDeps,
    defaultShard: string,
  ) {
    this.shard = defaultShard;
  }

  /** A new instance: the counter, the shard and the rows its outbox still holds (sent soon). */
  restore(stored: StoredHistory, state: JobState | null, legacyShard: string): void {
    const outbox = [
      ...stored.inline.map((run) => ({ run, spilled: false })),
      ...stored.spilled.map((run) => ({ run, spilled: true })),
    ];
    this.seq = Math.max(stored.seq, ...outbox.map((r) => r.run.version));
    this.shard = stored.shard ?? legacyShard;
    // What the index holds is not known to a new instance: it is rewritten within
    // INDEX_REFRESH_MS, with the next run's row if one goes by then (history-plan.ts).
    if (state) this.plan.indexStale(state, Date.now());
    if (!state || outbox.length === 0) return;
    // A row past its job's retention is not sent again: the daily purge may have deleted
    // its landed copy, and a second copy would bring the run back (and count it twice).
    const keepFrom = Date.now() - state.config.retention_days * DAY;
    for (const o of outbox) {
      const finished = o.run.row.finished_at;
      if (finished !== null && finished <= keepFrom) {
        if (o.spilled) this.expiredSpill.push(o.run.row.run_id);
        continue;
      }
      const prev = this.unconfirmed.get(o.run.row.run_id);
      if (!prev || prev.run.version < o.run.version) this.unconfirmed.set(o.run.row.run_id, o);
    }
    const rows = [...this.unconfirmed.values()].map(({ run }) => ({
      ...run.row,
      version: run.version,
    }));
    // They were most likely taken already (the outbox in the state's row is cleared only
    // by the next commit, and an object is often reloaded between two runs): they ride
    // with the next message, or go alone after STALE_RESEND_MS; a second copy in the
    // queue changes nothing (versions). A job with no wake-up left gets an alarm for them.
    if (rows.length === 0) return;
    this.stale = rows;
    this.staleDue = Date.now() + STALE_RESEND_MS;
    this.armTimer(this.plan.nextDue());
    if (core.wakeAt(state, 0) === null) void this.deps.retryAt(this.staleDue).catch(() => {});
  }

  /**
   * Numbers a commit and returns what its storage write must carry: the rows it changed
   * (the last row of a run within one commit wins) and the outbox after it.
   */
  stage(rows: readonly RunRow[], firstCommit = false): StagedHistory {
    this.seq++;
    const released = this.release(Date.now());
    const byRun = new Map<string, VersionedRun>();
    for (const row of rows) byRun.set(row.run_id, { row, version: this.seq });
    const runs = [...byRun.values()];
    const spill: VersionedRun[] = [];
    for (const run of runs) {
      if (!FINISHED.has(run.row.state)) continue;
      const prev = this.unconfirmed.get(run.row.run_id);
      const spilled = prev?.spilled ?? this.inlineCount() >= OUTBOX_INLINE_MAX;
      this.unconfirmed.set(run.row.run_id, { run, spilled });
      if (spilled) spill.push(run);
    }
    return {
      seq: this.seq,
      runs,
      inline: [...this.unconfirmed.values()].filter((o) => !o.spilled).map((o) => o.run),
      spill,
      released,
      ...(firstCommit ? { shard: this.shard } : {}),
    };
  }

  /** Rows the queue took at least HOLD_MS ago leave the outbox; returns the spilled ones' ids. */
  private release(now: number): string[] {
    const released = this.expiredSpill.splice(0);
    for (const [id, o] of this.unconfirmed) {
      if (o.sentAt === undefined || now - o.sentAt < HOLD_MS) continue;
      this.unconfirmed.delete(id);
      if (o.spilled) released.push(id);
    }
    return released;
  }

  private inlineCount(): number {
    let n = 0;
    for (const o of this.unconfirmed.values()) if (!o.spilled) n++;
    return n;
  }

  /** Nothing changed (no new commit): for rewriting the index row as it stands. */
  unchanged(): StagedHistory {
    return { seq: this.seq, runs: [], inline: [], spill: [], released: [] };
  }

  /** What a commit changed; `urgent` writes go at once (an API call answers after them). */
  record(state: JobState, staged: StagedHistory, urgent = false): void {
    const rows = staged.runs.map((r) => ({ ...r.row, version: r.version }));
    this.plan.add(state, rows, Date.now(), urgent);
    this.flush(false, urgent);
  }

  /** The index row was written from `state` by the create's quota claim. */
  indexedAs(state: JobState): void {
    this.plan.indexedAs(state, Date.now());
  }

  /** Whatever the index holds is unknown: the next record rewrites it. */
  indexUnknown(): void {
    this.plan.indexUnknown();
  }

  /** Resolves once every write started so far has been handed over (or failed). */
  settled(): Promise<void> {
    return this.chain;
  }

  /**
   * The alarm fired (or the sweep came by): send what waits for a retry now — a failed
   * send, and rows a new instance found; the pending rows and index of a healthy writer
   * keep their coalescing timer. With `slotDue` (the alarm is a slot's, whose run is
   * about to send a message) the rows a new instance found ride with that message.
   */
  retryNow(slotDue = false): Promise<void> {
    if (this.failures > 0) this.flush(true);
    else if (this.stale.length > 0 && (!slotDue || Date.now() >= this.staleDue)) this.flush();
    return this.chain;
  }

  /** Forgets every pending write: the job is being deleted (its storage goes with it). */
  drop(): void {
    this.dropped = true;
    this.plan.clear();
    this.recent.clear();
    this.unconfirmed.clear();
    this.stale = [];
    this.staleDue = Number.POSITIVE_INFINITY;
    this.armTimer(Number.POSITIVE_INFINITY);
  }

  /** The rows this object holds that its shard may not have yet, newest version of each. */
  held(): VersionedRun[] {
    const now = Date.now();
    const out = new Map<string, VersionedRun>();
    for (const [id, r] of this.recent) {
      if (now - r.at > RECENT_MS) this.recent.delete(id);
      else out.set(id, r.run);
    }
    for (const { version, ...row } of [...this.stale, ...this.plan.pending()]) {
      const prev = out.get(row.run_id);
      if (!prev || prev.version < version) out.set(row.run_id, { row, version });
    }
    return [...out.values()];
  }

  /**
   * Sends the due writes (all with `all`): run rows (and the index row's run progress)
   * as queue messages; with `direct`, the index row straight to the primary database
   * (a status change an API call waits for). Re-arms the timer.
   */
  private flush(all = false, direct = false): void {
    const now = Date.now();
    const due = this.plan.take(now, all, true);
    // Stale outbox rows ride with anything that goes (or go alone once due).
    if (
      this.stale.length > 0 &&
      (due.rows.length > 0 || due.index || all || now >= this.staleDue)
    ) {
      const taken = new Set(due.rows.map((r) => r.run_id));
      due.rows.push(...this.stale.filter((r) => !taken.has(r.run_id)));
      this.stale = [];
      this.staleDue = Number.POSITIVE_INFINITY;
    }
    this.armTimer(this.plan.nextDue());
    const cron_id = this.deps.cronId();
    if (!cron_id || (due.rows.length === 0 && !due.index)) return;
    const version = this.seq;
    const index: VersionedIndex | undefined = due.index
      ? { row: indexRowOf(due.index), version }
      : undefined;
    const runs: VersionedRun[] = due.rows.map(({ version, ...row }) => ({ row, version }));
    const shard = this.shard;
    this.chain = this.chain.then(async () => {
      if (this.dropped) return; // deleted meanwhile: write nothing back
      if (index && direct) {
        try {
          await upsertJobStatement(this.deps.primary, index.row, shard, version).run();
        } catch (e) {
          this.plan.indexUnknown();
          log("d1.write_failed", { cron_id, error: String(e) });
        }
      }
      if (runs.length === 0 && (!index || direct)) return;
      try {
        await this.send(cron_id, shard, runs, direct ? undefined : index);
      } catch (e) {
        if (this.dropped) return;
        this.failures++;
        const at = Date.now() + Math.min(MAX_RETRY_MS, 1000 * 2 ** (this.failures - 1));
        this.plan.restore(due.rows, at);
        if (index && !direct) this.plan.indexUnknown();
        log("history.send_failed", { cron_id, rows: runs.length, retry_at: at, error: String(e) });
        this.armTimer(this.plan.nextDue());
        await this.deps.retryAt(at).catch(() => {});
        return;
      }
      if (this.failures > 0) {
        this.failures = 0;
        await this.deps.retryAt(null).catch(() => {});
      }
      const now = Date.now();
      for (const run of runs) {
        this.recent.delete(run.row.run_id);
        this.recent.set(run.row.run_id, { run, at: now });
      }
      while (this.recent.size > RECENT_MAX) this.recent.delete(this.recent.keys().next().value!);
      // Taken rows are held HOLD_MS more, then leave the outbox with a later commit.
      for (const run of runs) {
        const o = this.unconfirmed.get(run.row.run_id);
        if (!o || o.run.version > run.version) continue; // a later version is still to go
        o.sentAt ??= now;
      }
    });
  }

  /** One message per ~100 KB of rows; the index progress rides with the first. */
  private async send(
    cron_id: string,
    shard: string,
    runs: VersionedRun[],
    index: VersionedIndex | undefined,
  ): Promise<void> {
    const chunks = runs.length > 0 ? chunkBySize(runs, MESSAGE_BYTES) : [[]];
    const messages: HistoryMessage[] = chunks.map((chunk, i) => ({
      v: 1,
      shard,
      cron_id,
      runs: chunk,
      ...(i === 0 && index ? { index } : {}),
    }));
    // One send each (sendBatch takes at most 256 KB in all): a retry after a partial
    // failure resends rows the queue already has, which the versions make harmless.
    const queue = this.deps.queue();
    for (const body of messages) await queue.send(body, { contentType: "json" });
  }

  private armTimer(planned: number): void {
    const at = Math.min(planned, this.staleDue);
    if (at === this.timerAt) return;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = at;
    if (at === Number.POSITIVE_INFINITY) return;
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        this.timerAt = Number.POSITIVE_INFINITY;
        this.flush();
      },
      Math.max(0, at - Date.now()),
    );
  }
}
