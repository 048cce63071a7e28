// Turns validated request bodies into a JobConfig (create) or a patch (update):
// folds the seed's alias spellings, checks cron, zone, URLs and run_at.

import { checkTargetUrl } from "../delivery/url-guard";
import { type ConfigPatch, windowProblem } from "../job/core";
import { CONFIG_DEFAULTS } from "../job/defaults";
import type { JobConfig, Json } from "../job/types";
import { compileSchedule, hasZonePrefix, ScheduleError } from "../schedule";
import type { FireWindow } from "../schedule/window";
import { ApiError, type ErrorDetail } from "./errors";
import type { CreateJobInput, PreviewInput, UpdateJobInput } from "./schemas";

/** The seed's spellings of one field (SPEC §3); also what the API document lists. */
export const ALIASES = {
  schedule: ["schedule", "cron_expr"],
  url: ["url", "task", "task_url"],
  retries: ["retries", "retry"],
} as const;

function folded<K extends keyof typeof ALIASES>(input: Record<string, unknown>, field: K): unknown {
  const present = ALIASES[field].filter((name) => input[name] !== undefined);
  const values = present.map((name) => input[name]);
  if (values.some((v) => v !== values[0])) {
    throw new ApiError(
      "VALIDATION_ERROR",
      `${present.join(" and ")} are the same field and were given different values`,
      present.map((name) => ({
        path: name,
        message: `conflicts with ${present.filter((p) => p !== name).join(", ")}`,
      })),
    );
  }
  return values[0];
}

/** The spelling the client used, for error paths. */
function spelling(input: Record<string, unknown>, field: keyof typeof ALIASES): string {
  return ALIASES[field].find((name) => input[name] !== undefined) ?? field;
}

const ISO_INSTANT =
  /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})$/i;

/** run_at of a one-shot job: an instant still in the future. */
function futureRunAt(value: string, now: number): number {
  const at = parseInstant(value, "run_at");
  if (at <= now) {
    throw new ApiError("VALIDATION_ERROR", "run_at must be in the future", [
      { path: "run_at", message: "must be in the future" },
    ]);
  }
  return at;
}

/** Create and update take a schedule or a run_at, never both. */
function bothGiven(schedule: unknown, runAt: unknown): ErrorDetail | null {
  return schedule !== undefined && runAt !== undefined
    ? { path: "run_at", message: "give either schedule (cron_expr) or run_at, not both" }
    : null;
}

export function parseInstant(value: string, path: string): number {
  const ms = ISO_INSTANT.test(value) ? Date.parse(value) : Number.NaN;
  if (!Number.isFinite(ms)) {
    throw new ApiError(
      "VALIDATION_ERROR",
      `${path} must be an ISO-8601 instant with an offset or Z`,
      [{ path, message: "expected e.g. 2026-12-01T09:00:00Z" }],
    );
  }
  return ms;
}

const instantOrNull = (value: string | null | undefined, path: string) =>
  value == null ? null : parseInstant(value, path);

/** end_at: SPEC §10 — in the future (a window already over would never fire). */
function checkEndAt(endAt: number | null, now: number): void {
  if (endAt !== null && endAt <= now) {
    throw new ApiError("VALIDATION_ERROR", "end_at must be in the future", [
      { path: "end_at", message: "must be in the future" },
    ]);
  }
}

function checkWindow(config: Pick<JobConfig, "start_at" | "end_at">): void {
  const problem = windowProblem(config);
  if (problem)
    throw new ApiError("VALIDATION_ERROR", `${problem.path} ${problem.message}`, [problem]);
}

function checkUrl(value: string, path: string, allowPrivate: boolean): string {
  const res = checkTargetUrl(value, { allowPrivate });
  if (!res.ok)
    throw new ApiError("INVALID_URL", `${path}: ${res.reason}`, [{ path, message: res.reason }]);
  return res.url.href;
}

/** Compiles to check; returns the zone in effect (a CRON_TZ= prefix wins). */
export function checkSchedule(
  expr: string,
  timezone: string | undefined,
  path = "schedule",
): string {
  try {
    return compileSchedule(expr, timezone ?? "UTC").timezone;
  } catch (e) {
    if (e instanceof ScheduleError) {
      const where = e.code === "INVALID_TIMEZONE" && !hasZonePrefix(expr) ? "timezone" : path;
      throw new ApiError(e.code, e.message, [{ path: where, message: e.message }]);
    }
    throw e;
  }
}

function defaultName(url: string): string {
  const u = new URL(url);
  return `${u.host}${u.pathname === "/" ? "" : u.pathname}`.slice(0, 200);
}

export interface NormalizeOptions {
  allowPrivate: boolean;
  now: number;
}

export function normalizeCreate(
  input: CreateJobInput,
  opts: NormalizeOptions,
): JobConfig & { enabled: boolean } {
  const raw = input as Record<string, unknown>;
  const schedule = folded(raw, "schedule") as string | undefined;
  const urlIn = folded(raw, "url") as string | undefined;
  const retries = folded(raw, "retries") as number | undefined;
  const missing: ErrorDetail[] = [];
  if (schedule === undefined && input.run_at === undefined) {
    missing.push({
      path: "schedule",
      message: "one of schedule (cron_expr) or run_at is required",
    });
  }
  const both = bothGiven(schedule, input.run_at);
  if (both) missing.push(both);
  if (urlIn === undefined)
    missing.push({ path: "url", message: "url (task, task_url) is required" });
  if (missing.length) {
    throw new ApiError(
      "VALIDATION_ERROR",
      `invalid request: ${missing.map((m) => m.message).join("; ")}`,
      missing,
    );
  }
  let timezone = input.timezone ?? "UTC";
  let run_at: number | null = null;
  if (schedule !== undefined)
    timezone = checkSchedule(schedule, input.timezone, spelling(raw, "schedule"));
  else {
    timezone = checkSchedule("0 0 * * *", timezone, "timezone");
    run_at = futureRunAt(input.run_at!, opts.now);
  }
  const url = checkUrl(urlIn!, spelling(raw, "url"), opts.allowPrivate);
  const start_at = instantOrNull(input.start_at, "start_at");
  const end_at = instantOrNull(input.end_at, "end_at");
  checkEndAt(end_at, opts.now);
  checkWindow({ start_at, end_at });
  return {
    name: input.name ?? defaultName(url),
    schedule: schedule ?? null,
    run_at,
    url,
    method: input.method ?? CONFIG_DEFAULTS.method,
    payload: (input.payload ?? null) as Json | null,
    headers: input.headers ?? {},
    timezone,
    retries: retries ?? CONFIG_DEFAULTS.retries,
    retry_backoff_seconds: input.retry_backoff_seconds ?? CONFIG_DEFAULTS.retry_backoff_seconds,
    timeout_seconds: input.timeout_seconds ?? CONFIG_DEFAULTS.timeout_seconds,
    overlap_policy: input.overlap_policy ?? CONFIG_DEFAULTS.overlap_policy,
    max_concurrency: input.max_concurrency ?? CONFIG_DEFAULTS.max_concurrency,
    max_runs: input.max_runs ?? null,
    on_failure_webhook:
      input.on_failure_webhook == null
        ? null
        : checkUrl(input.on_failure_webhook, "on_failure_webhook", opts.allowPrivate),
    retention_days: input.retention_days ?? CONFIG_DEFAULTS.retention_days,
    start_at,
    end_at,
    jitter_seconds: input.jitter_seconds ?? CONFIG_DEFAULTS.jitter_seconds,
    exclude_dates: input.exclude_dates ? [...input.exclude_dates].sort() : [],
    misfire_policy: input.misfire_policy ?? CONFIG_DEFAULTS.misfire_policy,
    catchup_window_seconds: input.catchup_window_seconds ?? CONFIG_DEFAULTS.catchup_window_seconds,
    pause_after_failures: input.pause_after_failures ?? CONFIG_DEFAULTS.pause_after_failures,
    notify_url:
      input.notify_url == null ? null : checkUrl(input.notify_url, "notify_url", opts.allowPrivate),
    notify_events: input.notify_events ?? [...CONFIG_DEFAULTS.notify_events],
    enabled: input.enabled ?? true,
  };
}

export function normalizeUpdate(
  input: UpdateJobInput,
  cronId: string,
  opts: NormalizeOptions,
): ConfigPatch {
  const raw = input as Record<string, unknown>;
  for (const idField of ["cron_id", "job_id"] as const) {
    if (input[idField] !== undefined && input[idField] !== cronId) {
      throw new ApiError(
        "VALIDATION_ERROR",
        `${idField} in the body does not match the job in the path`,
        [{ path: idField, message: "must equal the id in the path" }],
      );
    }
  }
  const schedule = folded(raw, "schedule") as string | undefined;
  const urlIn = folded(raw, "url") as string | undefined;
  const retries = folded(raw, "retries") as number | undefined;
  const both = bothGiven(schedule, input.run_at);
  if (both) throw new ApiError("VALIDATION_ERROR", both.message, [both]);
  const patch: ConfigPatch = {};
  if (input.name !== undefined) patch.name = input.name;
  if (input.timezone !== undefined)
    patch.timezone = checkSchedule("0 0 * * *", input.timezone, "timezone");
  if (schedule !== undefined) {
    patch.schedule = schedule;
    const zone = checkSchedule(schedule, input.timezone, spelling(raw, "schedule"));
    if (hasZonePrefix(schedule) || input.timezone !== undefined) patch.timezone = zone;
  }
  if (input.run_at !== undefined) {
    patch.run_at = futureRunAt(input.run_at, opts.now);
  }
  if (urlIn !== undefined) {
    patch.url = checkUrl(urlIn, spelling(raw, "url"), opts.allowPrivate);
  }
  if (input.method !== undefined) patch.method = input.method;
  if (input.payload !== undefined) patch.payload = input.payload as Json;
  if (input.headers !== undefined) patch.headers = input.headers;
  if (retries !== undefined) patch.retries = retries;
  if (input.retry_backoff_seconds !== undefined)
    patch.retry_backoff_seconds = input.retry_backoff_seconds;
  if (input.timeout_seconds !== undefined) patch.timeout_seconds = input.timeout_seconds;
  if (input.overlap_policy !== undefined) patch.overlap_policy = input.overlap_policy;
  if (input.max_concurrency !== undefined) patch.max_concurrency = input.max_concurrency;
  if (input.max_runs !== undefined) patch.max_runs = input.max_runs;
  if (input.on_failure_webhook !== undefined) {
    patch.on_failure_webhook =
      input.on_failure_webhook === null
        ? null
        : checkUrl(input.on_failure_webhook, "on_failure_webhook", opts.allowPrivate);
  }
  if (input.retention_days !== undefined) patch.retention_days = input.retention_days;
  // SPEC §10; whether end_at still follows the stored start_at is the job's own check.
  if (input.start_at !== undefined) patch.start_at = instantOrNull(input.start_at, "start_at");
  if (input.end_at !== undefined) {
    patch.end_at = instantOrNull(input.end_at, "end_at");
    checkEndAt(patch.end_at, opts.now);
  }
  if (patch.start_at !== undefined && patch.end_at !== undefined)
    checkWindow({ start_at: patch.start_at, end_at: patch.end_at });
  if (input.jitter_seconds !== undefined) patch.jitter_seconds = input.jitter_seconds;
  if (input.exclude_dates !== undefined) patch.exclude_dates = [...input.exclude_dates].sort();
  if (input.misfire_policy !== undefined) patch.misfire_policy = input.misfire_policy;
  if (input.catchup_window_seconds !== undefined)
    patch.catchup_window_seconds = input.catchup_window_seconds;
  if (input.pause_after_failures !== undefined)
    patch.pause_after_failures = input.pause_after_failures;
  if (input.notify_url !== undefined) {
    patch.notify_url =
      input.notify_url === null
        ? null
        : checkUrl(input.notify_url, "notify_url", opts.allowPrivate);
  }
  if (input.notify_events !== undefined) patch.notify_events = [...input.notify_events];
  if (input.enabled !== undefined) patch.enabled = input.enabled;
  return patch;
}

/** The window a preview applies (SPEC §10): the same rules as a job's. */
export function previewWindow(input: PreviewInput): FireWindow {
  const start_at = instantOrNull(input.start_at, "start_at");
  const end_at = instantOrNull(input.end_at, "end_at");
  checkWindow({ start_at, end_at });
  return {
    start_at,
    end_at,
    exclude_dates: input.exclude_dates ?? [],
    jitter_seconds: input.jitter_seconds ?? 0,
  };
}
