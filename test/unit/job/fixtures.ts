// What the pure-core tests share: a job of a given configuration, a context, an
// attempt result, and the effects of a step picked apart.
import * as core from "../../../src/job/core";
import { NOTIFY_DEFAULTS, WINDOW_DEFAULTS } from "../../../src/job/defaults";
import type { AttemptResult, JobConfig, JobState, RunRow } from "../../../src/job/types";

export const SEC = 1000;

let seq = 0;
/** A context at `now` (run ids in creation order, retry jitter fixed at its middle). */
export const ctx = (now: number, leadMs = 0): core.CoreCtx => ({
  now,
  newRunId: () => `run_${String(++seq).padStart(26, "0")}`,
  random: () => 0.5,
  leadMs,
});

/** An every-second job's configuration, with `over` on top. */
export function jobConfig(over: Partial<JobConfig> = {}): JobConfig {
  return {
    name: "job",
    schedule: "* * * * * *",
    run_at: null,
    url: "https://example.com/",
    method: "POST",
    payload: null,
    headers: {},
    timezone: "UTC",
    retries: 1,
    retry_backoff_seconds: 10,
    timeout_seconds: 900, // runs stay in progress through every slot unless finished
    overlap_policy: "allow",
    max_concurrency: 10,
    max_runs: null,
    on_failure_webhook: null,
    retention_days: 30,
    ...WINDOW_DEFAULTS,
    ...NOTIFY_DEFAULTS,
    ...over,
  };
}

/** A job of `jobConfig(over)` created at `now`. */
export function newJob(
  now: number,
  over: Partial<JobConfig> = {},
  cron_id = "cron_X",
  enabled = true,
): JobState {
  return core.createJob(
    { cron_id, tenant_id: "t", signing_secret: "s", enabled, config: jobConfig(over) },
    now,
  ).state;
}

/** What an attempt answered with `status`, at `at`. */
export const result = (status: number, at: number): AttemptResult => ({
  started_at: at,
  duration_ms: 5,
  ok: status < 300,
  response_status: status,
  error: status < 300 ? null : `HTTP ${status}`,
  response_body: "",
  retry_after_seconds: null,
});

export const starts = (s: core.Step) => s.effects.filter((e) => e.type === "start_attempt");
export const aborts = (s: core.Step) => s.effects.filter((e) => e.type === "abort_attempt");
export const rows = (s: core.Step): RunRow[] =>
  s.effects.flatMap((e) => (e.type === "write_run" ? [e.row] : []));
