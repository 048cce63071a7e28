// Writes a job's run history and index row to D1, off the delivery path: the plan
// (src/job/history-plan.ts) says what is due when; this sends it, in order, one
// batch at a time, and keeps the timer for what is due later.
import { HistoryWrites } from "../job/history-plan";
import type { JobState, RunRow } from "../job/types";
import { log } from "../lib/log";
import { indexRowOf, upsertJobStatement } from "../store/jobs";
import { upsertRunStatement } from "../store/runs";

export class HistoryWriter {
  private readonly plan = new HistoryWrites();
  /** D1 writes, chained so they land in order. */
  private chain: Promise<void> = Promise.resolve();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private timerAt = Number.POSITIVE_INFINITY;
  /** Once dropped (the job was deleted), nothing more is written back. */
  private dropped = false;

  constructor(
    private readonly db: D1Database,
    private readonly cronId: () => string | undefined,
  ) {}

  /** What a commit changed; `urgent` writes are sent at once (an API call answers after them). */
  record(state: JobState, rows: RunRow[], urgent = false): void {
    this.plan.add(state, rows, Date.now(), urgent);
    this.flush();
  }

  /** The index row was written from `state` by the create's quota claim. */
  indexedAs(state: JobState): void {
    this.plan.indexedAs(state, Date.now());
  }

  /** Whatever the index holds is unknown: the next record rewrites it. */
  indexUnknown(): void {
    this.plan.indexUnknown();
  }

  /** Resolves once every write sent so far has landed (or failed). */
  settled(): Promise<void> {
    return this.chain;
  }

  /** Forgets every pending write: the job is being deleted. */
  drop(): void {
    this.dropped = true;
    this.plan.clear();
    this.armTimer(Number.POSITIVE_INFINITY);
  }

  /** Sends the pending writes that are due (all with `all`) as one batch; re-arms the timer. */
  private flush(all = false): void {
    const due = this.plan.take(Date.now(), all);
    this.armTimer(this.plan.nextDue());
    const statements = due.rows.map((r) => upsertRunStatement(this.db, r));
    if (due.index) statements.push(upsertJobStatement(this.db, indexRowOf(due.index)));
    if (statements.length === 0) return;
    this.chain = this.chain.then(async () => {
      if (this.dropped) return; // deleted meanwhile: write nothing back
      try {
        await this.db.batch(statements);
      } catch (e) {
        this.plan.indexUnknown();
        log("d1.write_failed", { cron_id: this.cronId(), error: String(e) });
      }
    });
  }

  private armTimer(at: number): void {
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
