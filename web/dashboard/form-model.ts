// The job form's model: values as typed, client-side checks (the API re-checks
// everything), the request body they make, and the partial PATCH of an edit.

import type { CronRecord, PreviewRequest } from "../../src/client";
import {
  headerNameProblem,
  headerValueProblems,
  MAX_HEADER_VALUE,
  MAX_HEADERS,
} from "../../src/lib/http-headers";
import { browserZone, isoToWall, isValidZone, wallToIso } from "./format";

export interface Values {
  mode: "schedule" | "once";
  name: string;
  schedule: string;
  run_at: string;
  url: string;
  method: string;
  timezone: string;
  payload: string;
  headers: string;
  retries: string;
  retry_backoff_seconds: string;
  timeout_seconds: string;
  overlap_policy: string;
  max_concurrency: string;
  max_runs: string;
  on_failure_webhook: string;
  retention_days: string;
  start_at: string;
  end_at: string;
  jitter_seconds: string;
  exclude_dates: string;
  misfire_policy: string;
  catchup_window_seconds: string;
  enabled: boolean;
}
export type FieldName = Exclude<keyof Values, "mode">;

export function initialValues(job?: CronRecord): Values {
  const pretty = (v: unknown) => JSON.stringify(v, null, 2);
  return {
    mode: job && job.schedule === null ? "once" : "schedule",
    name: job?.name ?? "",
    schedule: job?.schedule ?? "",
    run_at: job ? isoToWall(job.run_at, job.timezone) : "",
    url: job?.url ?? "",
    method: job?.method ?? "POST",
    timezone: job?.timezone ?? browserZone(),
    payload: job && job.payload !== null ? pretty(job.payload) : "",
    headers: job && Object.keys(job.headers).length ? pretty(job.headers) : "",
    retries: String(job?.retries ?? 3),
    retry_backoff_seconds: String(job?.retry_backoff_seconds ?? 10),
    timeout_seconds: String(job?.timeout_seconds ?? 30),
    overlap_policy: job?.overlap_policy ?? "allow",
    max_concurrency: String(job?.max_concurrency ?? 10),
    max_runs: job?.max_runs == null ? "" : String(job.max_runs),
    on_failure_webhook: job?.on_failure_webhook ?? "",
    retention_days: String(job?.retention_days ?? 30),
    start_at: job ? isoToWall(job.start_at, job.timezone) : "",
    end_at: job ? isoToWall(job.end_at, job.timezone) : "",
    jitter_seconds: String(job?.jitter_seconds ?? 0),
    exclude_dates: job?.exclude_dates.join(", ") ?? "",
    misfire_policy: job?.misfire_policy ?? "run_once",
    catchup_window_seconds: String(job?.catchup_window_seconds ?? 3600),
    enabled: job?.enabled ?? true,
  };
}

/** The dates typed into the exclude_dates field: separated by commas, spaces or lines. */
export const datesOf = (text: string): string[] => text.split(/[\s,]+/).filter(Boolean);

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
function isDate(text: string): boolean {
  const m = DATE_RE.exec(text);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.toISOString().slice(0, 10) === text;
}

function datesError(text: string): string | null {
  const dates = datesOf(text);
  if (dates.length > 366) return "At most 366 dates.";
  const seen = new Set<string>();
  for (const d of dates) {
    if (!isDate(d)) return `“${d}” is not a date like 2026-12-25.`;
    if (seen.has(d)) return `${d} is given twice.`;
    seen.add(d);
  }
  return null;
}

/** A window bound typed as a wall time in the job's zone, as an ISO instant (or null). */
const boundOf = (v: Values, field: "start_at" | "end_at") =>
  v[field].trim() ? wallToIso(v[field].trim(), v.timezone.trim() || "UTC") : null;

function integer(text: string, min: number, max: number): string | null {
  if (!/^\s*-?\d+\s*$/.test(text)) return `Enter a whole number from ${min} to ${max}.`;
  const n = Number(text);
  return n < min || n > max ? `Must be from ${min} to ${max}.` : null;
}

function httpUrl(text: string): string | null {
  if (text.length > 2048) return "At most 2048 characters.";
  try {
    const u = new URL(text);
    if (u.protocol !== "http:" && u.protocol !== "https:")
      return "Must start with http:// or https://.";
    if (u.username || u.password) return "Must not contain a user name or password.";
    return null;
  } catch {
    return "Enter an absolute URL, e.g. https://example.com/hook.";
  }
}

function jsonError(text: string): string | null {
  try {
    JSON.parse(text);
    return null;
  } catch (e) {
    return `Not valid JSON: ${e instanceof Error ? e.message : "parse error"}`;
  }
}

function headersError(text: string): string | null {
  const bad = jsonError(text);
  if (bad) return bad;
  const value: unknown = JSON.parse(text);
  if (value === null || typeof value !== "object" || Array.isArray(value))
    return 'Must be a JSON object, e.g. {"X-Team": "ops"}.';
  const entries = Object.entries(value);
  if (entries.length > MAX_HEADERS) return `At most ${MAX_HEADERS} headers.`;
  for (const [name, v] of entries) {
    const nameProblem = headerNameProblem(name);
    if (nameProblem === "invalid") return `“${name}” is not a valid header name.`;
    if (nameProblem === "reserved") return `${name} is set by crondo and cannot be given.`;
    if (typeof v !== "string") return `The value of ${name} must be a string.`;
    const [valueProblem] = headerValueProblems(v);
    if (valueProblem === "too-long")
      return `The value of ${name} is longer than ${MAX_HEADER_VALUE} characters.`;
    if (valueProblem === "control") return `The value of ${name} must not contain CR, LF or NUL.`;
  }
  return null;
}

/** The problem with one field, or null; `edited`: the values of the job being edited. */
export function check(field: FieldName, v: Values, edited?: Values): string | null {
  const editing = edited !== undefined;
  const t = (v[field] as string | boolean).toString().trim();
  switch (field) {
    case "name":
      if (!t) return editing ? "A name is required." : null;
      return t.length > 200 ? "At most 200 characters." : null;
    case "schedule":
      return v.mode === "schedule" && !t ? "Enter a cron expression." : null;
    case "run_at": {
      if (v.mode !== "once") return null;
      if (!t) return "Choose a date and time.";
      const at = wallToIso(t, v.timezone.trim() || "UTC");
      if (!at) return "Enter a date and time (and a valid timezone).";
      // An edit that keeps the time it had (e.g. of a completed one-shot) may leave it past.
      const kept = edited?.mode === "once" && t === edited.run_at && v.timezone === edited.timezone;
      return !kept && Date.parse(at) <= Date.now() ? "Must be in the future." : null;
    }
    case "url":
      return t ? httpUrl(t) : "Enter the URL to call.";
    case "timezone":
      return !t || isValidZone(t)
        ? null
        : "Unknown time zone; use an IANA name like Europe/Berlin.";
    case "payload":
      if (!t) return null;
      if (new TextEncoder().encode(t).byteLength > 256 * 1024) return "At most 256 KiB.";
      return jsonError(t);
    case "headers":
      return t ? headersError(t) : null;
    case "retries":
      return integer(t, 0, 10);
    case "retry_backoff_seconds":
      return integer(t, 1, 3600);
    case "timeout_seconds":
      return integer(t, 1, 900);
    case "max_concurrency":
      return integer(t, 1, 100);
    case "retention_days":
      return integer(t, 0, 365);
    case "max_runs":
      if (!t || (/^\d+$/.test(t) && Number(t) >= 1 && Number.isSafeInteger(Number(t)))) return null;
      return "Enter a whole number of 1 or more, or leave empty for no limit.";
    case "on_failure_webhook":
      return t ? httpUrl(t) : null;
    case "start_at":
      return t && !boundOf(v, "start_at") ? "Enter a date and time (and a valid timezone)." : null;
    case "end_at": {
      if (!t) return null;
      const end = boundOf(v, "end_at");
      if (!end) return "Enter a date and time (and a valid timezone).";
      const start = boundOf(v, "start_at");
      if (start && Date.parse(end) <= Date.parse(start)) return "Must be after the start.";
      const kept = t === edited?.end_at && v.timezone === edited.timezone;
      return !kept && Date.parse(end) <= Date.now() ? "Must be in the future." : null;
    }
    case "jitter_seconds":
      return integer(t, 0, 3600);
    case "exclude_dates":
      return datesError(t);
    case "catchup_window_seconds":
      return integer(t, 1, 31_536_000);
    default:
      return null;
  }
}

export const FIELDS: FieldName[] = [
  "name",
  "url",
  "method",
  "schedule",
  "run_at",
  "timezone",
  "payload",
  "headers",
  "retries",
  "retry_backoff_seconds",
  "timeout_seconds",
  "overlap_policy",
  "max_concurrency",
  "max_runs",
  "on_failure_webhook",
  "start_at",
  "end_at",
  "exclude_dates",
  "jitter_seconds",
  "misfire_policy",
  "catchup_window_seconds",
  "retention_days",
  "enabled",
];

/** The full create body of valid values (run_at read in the job's timezone). */
export function toBody(v: Values): Record<string, unknown> {
  const timezone = v.timezone.trim() || "UTC";
  const body: Record<string, unknown> = {};
  if (v.name.trim()) body.name = v.name.trim();
  if (v.mode === "schedule") body.schedule = v.schedule.trim();
  else body.run_at = wallToIso(v.run_at, timezone);
  Object.assign(body, {
    url: v.url.trim(),
    method: v.method,
    timezone,
    payload: v.payload.trim() ? JSON.parse(v.payload) : null,
    headers: v.headers.trim() ? JSON.parse(v.headers) : {},
    retries: Number(v.retries),
    retry_backoff_seconds: Number(v.retry_backoff_seconds),
    timeout_seconds: Number(v.timeout_seconds),
    overlap_policy: v.overlap_policy,
    max_concurrency: Number(v.max_concurrency),
    max_runs: v.max_runs.trim() ? Number(v.max_runs) : null,
    on_failure_webhook: v.on_failure_webhook.trim() || null,
    retention_days: Number(v.retention_days),
    start_at: boundOf(v, "start_at"),
    end_at: boundOf(v, "end_at"),
    jitter_seconds: Number(v.jitter_seconds),
    exclude_dates: [...datesOf(v.exclude_dates)].sort(),
    misfire_policy: v.misfire_policy,
    catchup_window_seconds: Number(v.catchup_window_seconds),
    enabled: v.enabled,
  });
  return body;
}

/**
 * What the schedule preview applies of the window fields (those that are valid now), so
 * that it shows the fire times the job will have; the job's id seeds its jitter.
 */
export function previewWindow(v: Values, cronId?: string): Partial<PreviewRequest> {
  const out: Partial<PreviewRequest> = {};
  const ok = (f: FieldName) => check(f, v) === null;
  if (ok("start_at") && boundOf(v, "start_at")) out.start_at = boundOf(v, "start_at");
  if (ok("end_at") && boundOf(v, "end_at") && ok("start_at")) out.end_at = boundOf(v, "end_at");
  if (ok("exclude_dates") && datesOf(v.exclude_dates).length)
    out.exclude_dates = datesOf(v.exclude_dates);
  if (ok("jitter_seconds") && Number(v.jitter_seconds) > 0) {
    out.jitter_seconds = Number(v.jitter_seconds);
    if (cronId) out.cron_id = cronId;
  }
  return out;
}

/** The fields of `body` that differ from `job`: the partial PATCH of an edit. */
export function changes(
  job: CronRecord,
  body: Record<string, unknown>,
  v: Values,
  initial: Values,
) {
  const out: Record<string, unknown> = {};
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  for (const [k, value] of Object.entries(body)) {
    if (k === "schedule" || k === "run_at") continue;
    if (!same(value, job[k as keyof CronRecord])) out[k] = value;
  }
  if (v.mode === "schedule" && body.schedule !== job.schedule) out.schedule = body.schedule;
  if (
    v.mode === "once" &&
    (job.run_at === null || v.run_at !== initial.run_at || "timezone" in out)
  )
    out.run_at = body.run_at;
  return out;
}

const ALIASES: Record<string, FieldName> = {
  cron_expr: "schedule",
  task: "url",
  task_url: "url",
  retry: "retries",
};

/** The form field an API error detail names (`headers.X-Foo` → headers), if any. */
export function fieldForPath(path: string): FieldName | null {
  const head = path.split(".")[0] ?? "";
  const f = (ALIASES[head] ?? head) as FieldName;
  return FIELDS.includes(f) ? f : null;
}
