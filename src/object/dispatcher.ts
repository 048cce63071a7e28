// The attempts of one job that are in flight: sending each over the network,
// reporting its result back, and aborting them all when the job is deleted.
import { instants, outbound } from "../delivery/capacity";
import { type SendOptions, sendAttempt } from "../delivery/send";
import type { Config } from "../env";
import type { AttemptResult, JobState } from "../job/types";
import { log } from "../lib/log";

interface InFlight {
  done: Promise<void>;
  abort: AbortController;
}

export class Dispatcher {
  private readonly inflight = new Map<string, InFlight>();

  constructor(private readonly config: () => Config) {}

  /** The isolate has MAX_REQUESTS_IN_FLIGHT requests out: a run started now would be refused. */
  capacityFull(): boolean {
    return outbound.inFlight >= this.config().maxRequestsInFlight;
  }

  /** Options of every request: the URL guard, and a place among the isolate's in flight. */
  sendOptions(): SendOptions {
    const { allowPrivateTargets, maxRequestsInFlight } = this.config();
    return {
      allowPrivate: allowPrivateTargets,
      acquire: () => outbound.take(maxRequestsInFlight),
      instants,
    };
  }

  /** Every attempt in flight now. */
  inFlight(): Promise<void>[] {
    return [...this.inflight.values()].map((f) => f.done);
  }

  /**
   * Sends attempt `attempt` of `run_id` at `at` (built and signed at once, sent at that
   * instant); `report` gets its result (never throws).
   */
  start(
    job: JobState,
    run_id: string,
    attempt: number,
    at: number,
    report: (result: AttemptResult) => Promise<void>,
  ): void {
    const run = job.active.find((r) => r.run_id === run_id)!;
    const abort = new AbortController();
    const key = `${run_id}#${attempt}`;
    const done = sendAttempt(
      job,
      { run_id, attempt, scheduled_for: run.scheduled_for },
      { ...this.sendOptions(), signal: abort.signal, sendAt: at },
    )
      .then(async (result) => {
        // Other jobs' sends due now go first; this run's commit and history after them.
        await instants.afterSends();
        if (!result.ok || this.config().logEveryAttempt)
          log("run.attempt", {
            tenant_id: job.tenant_id,
            cron_id: job.cron_id,
            run_id,
            trigger: run.trigger,
            scheduled_for: new Date(run.scheduled_for).toISOString(),
            attempt,
            status: result.response_status,
            ok: result.ok,
            duration_ms: result.duration_ms,
            error: result.error,
          });
        await report(result);
      })
      .catch((e) => log("run.attempt_error", { cron_id: job.cron_id, run_id, error: String(e) }))
      .finally(() => this.inflight.delete(key));
    this.inflight.set(key, { done, abort });
  }

  /** Aborts the attempt of `run_id` in flight (waiting or sent), if there is one. */
  abort(run_id: string, reason: string): void {
    for (const [key, { abort }] of this.inflight) {
      if (key.startsWith(`${run_id}#`)) abort.abort(reason);
    }
  }

  abortAll(): void {
    for (const { abort } of this.inflight.values()) abort.abort();
  }
}
