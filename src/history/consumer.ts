// The history queue's consumer (SPEC §14): turns a batch of job objects' messages into
// one write per database — per shard one multi-row upsert of the batch's runs, and on
// the primary one statement for the jobs' index rows plus the check that each job still
// exists (a deleted job's late rows are dropped, never brought back). A message is
// acknowledged once everything it carries has landed; otherwise it is retried with a
// growing delay, and after max_retries (wrangler.toml) goes to the dead-letter queue,
// whose consumer is this same code with longer delays. A dead-lettered message that is
// still failing at its consumer's last retry is sent to the dead-letter queue again (a
// new message, its retries counted afresh) instead of being dropped: a run that reached
// its target is never lost to a long outage. Writes are idempotent: a row carries the
// version of the commit that produced it and the database keeps the newer.

import { instants } from "../delivery/capacity";
import { configOf, type Env, PRIMARY_SHARD, shardDb } from "../env";
import { type HistoryMessage, isHistoryMessage, planHistoryBatch } from "../job/history-batch";
import { log } from "../lib/log";
import { existingJobsStatement, updateIndexRowsStatement } from "../store/jobs";
import { upsertRunsStatements } from "../store/runs";

/**
 * Retry delay of a message that failed `attempts` times (seconds): 1, 2, 4 … 60 on the
 * history queue; 5, 10, 20 … 300 on the dead-letter queue.
 */
export function retryDelaySeconds(attempts: number, deadLetter: boolean): number {
  const n = Math.max(0, attempts - 1);
  return deadLetter ? Math.min(300, 5 * 2 ** n) : Math.min(60, 2 ** n);
}

export interface ConsumeResult {
  written: number;
  dropped: number;
  retried: number;
  /** Dead-lettered messages sent to the dead-letter queue again (their last retry failed). */
  recycled: number;
  /** Database round trips (db.batch calls) and statements this batch cost. */
  batches: number;
  statements: number;
}

/** Writes one batch of history messages; acks what landed, retries the rest. */
export async function consumeHistory(
  batch: MessageBatch<unknown>,
  env: Env,
): Promise<ConsumeResult> {
  const deadLetter = batch.queue.endsWith("-dlq");
  // Each body is read once: `Message.body` deserializes it again on every access.
  const messages: { m: Message<unknown>; body: HistoryMessage }[] = [];
  for (const m of batch.messages) {
    const body = m.body;
    if (isHistoryMessage(body)) messages.push({ m, body });
    else {
      log("history.bad_message", { queue: batch.queue, id: m.id });
      m.ack(); // not ours: retrying cannot help
    }
  }
  const result: ConsumeResult = {
    written: 0,
    dropped: 0,
    retried: 0,
    recycled: 0,
    batches: 0,
    statements: 0,
  };
  if (messages.length === 0) return result;
  // Where the consumer shares its isolate with job objects (locally, one workerd), a
  // batch arrives one batch timeout after the first run of a second finished: at the
  // next second's sends. Those go first (on Cloudflare the consumer's isolate has none).
  // Not their answers: under overload some request is always out, and a consumer that
  // waited for them would fall behind the queue.
  await instants.afterSends({ answers: false });
  const plan = planHistoryBatch(messages.map((x) => x.body));
  const failedShards = new Set<string>();

  // Primary: the index rows' progress, and which jobs still exist (one round trip).
  let existing: Set<string> | null = null;
  try {
    const primary = shardDb(env, PRIMARY_SHARD);
    const statements = [existingJobsStatement(primary, plan.cronIds)];
    if (plan.index.length > 0) statements.push(updateIndexRowsStatement(primary, plan.index));
    result.batches++;
    result.statements += statements.length;
    const [found] = await primary.batch<{ cron_id: string }>(statements);
    existing = new Set((found?.results ?? []).map((r) => r.cron_id));
  } catch (e) {
    log("history.write_failed", { db: PRIMARY_SHARD, error: String(e) });
  }

  const live = existing;
  if (live) {
    // Each shard: its runs of jobs that still exist, in as few statements as fit.
    await Promise.all(
      [...plan.shards].map(async ([shard, runs]) => {
        const rows = runs.filter((r) => live.has(r.row.cron_id));
        result.dropped += runs.length - rows.length;
        if (rows.length === 0) return;
        try {
          const db = shardDb(env, shard);
          const statements = upsertRunsStatements(db, rows);
          result.batches++;
          result.statements += statements.length;
          await db.batch(statements);
          result.written += rows.length;
        } catch (e) {
          failedShards.add(shard);
          log("history.write_failed", { db: shard, rows: rows.length, error: String(e) });
        }
      }),
    );
  }

  const lastTry = configOf(env).dlqMaxRetries;
  // The common case, everything landed: one call instead of one per message.
  if (live && failedShards.size === 0) batch.ackAll();
  else {
    for (const { m, body } of messages) {
      if (live && !failedShards.has(body.shard)) m.ack();
      else if (
        deadLetter &&
        m.attempts >= lastTry &&
        env.HISTORY_DLQ &&
        (await recycle(env.HISTORY_DLQ, m, body))
      ) {
        result.recycled++;
      } else {
        result.retried++;
        m.retry({ delaySeconds: retryDelaySeconds(m.attempts, deadLetter) });
      }
    }
  }
  // Every dead-letter batch is logged (an operator watches those), others when not clean.
  if (deadLetter || result.retried > 0 || result.dropped > 0 || result.recycled > 0)
    log("history.batch", { queue: batch.queue, messages: messages.length, ...result });
  return result;
}

/**
 * A dead-lettered message at its last retry goes to the dead-letter queue again, then is
 * acknowledged (a copy, should the ack be lost too, changes nothing: versions). False
 * when the send failed: the message is retried as it is.
 */
async function recycle(
  dlq: Queue<HistoryMessage>,
  m: Message<unknown>,
  body: HistoryMessage,
): Promise<boolean> {
  try {
    await dlq.send(body, { contentType: "json", delaySeconds: retryDelaySeconds(1, true) });
  } catch (e) {
    log("history.recycle_failed", { id: m.id, error: String(e) });
    return false;
  }
  m.ack();
  return true;
}
