// What an audit entry of a job holds (SPEC §11), decided once and purely: the action,
// who did it, the request, and each changed field of the job's record as {from, to}.
// Secrets never appear: the signing secret is left out (a rotation shows only when
// the previous secret expires), and header values — where tokens live — read
// "[redacted]", so that an entry shows which headers changed, not what they hold.
// Fields that move with every run (next_run_at, counters, last run) are not changes
// anybody made, and are left out too.
import { type CronRecord, toCronRecord } from "./record";
import type { JobState, Json } from "./types";

export const AUDIT_ACTIONS = [
  "create",
  "update",
  "pause",
  "resume",
  "trigger",
  "replay",
  "backfill",
  "cancel",
  "rotate-secret",
  "retention.set",
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/** Who made a change: an API key (by the first 12 hex of its SHA-256) or crondo itself. */
export type Actor = `key:${string}` | "system";
export const SYSTEM: Actor = "system";
export const keyActor = (keySha256Hex: string): Actor => `key:${keySha256Hex.slice(0, 12)}`;

/** What the caller of an operation tells the job about itself, for its audit entry. */
export interface ChangeBy {
  actor: Actor;
  request_id: string | null;
}

export type Changes = Record<string, { from: Json; to: Json }>;

export interface AuditEntry {
  at: number;
  action: AuditAction;
  actor: Actor;
  request_id: string | null;
  /** The run or backfill the action was about, or null. */
  subject: string | null;
  changes: Changes;
}

export const REDACTED = "[redacted]";

/** Record fields that are not part of an entry's changes (see above). */
const NOT_CHANGES = new Set<keyof CronRecord>([
  "signing_secret",
  "next_run_at",
  "last_run_at",
  "last_run_state",
  "run_count",
  "consecutive_failures",
  "created_at",
  "updated_at",
  // Second spellings of one field: the first spelling carries the change.
  "cron_expr",
  "task",
  "retry",
]);

function view(state: JobState | null): Record<string, Json> {
  if (state === null) return {};
  const record = toCronRecord(state) as unknown as Record<string, Json>;
  const out: Record<string, Json> = {};
  for (const [k, v] of Object.entries(record)) {
    if (NOT_CHANGES.has(k as keyof CronRecord)) continue;
    out[k] =
      k === "headers" && v !== null && typeof v === "object" && !Array.isArray(v)
        ? Object.fromEntries(Object.keys(v).map((h) => [h, REDACTED]))
        : v;
  }
  return out;
}

const same = (a: Json | undefined, b: Json | undefined) => JSON.stringify(a) === JSON.stringify(b);

/** Each field of the job's record that differs between `before` and `after`. */
export function changesOf(before: JobState | null, after: JobState | null): Changes {
  const a = view(before);
  const b = view(after);
  const changes: Changes = {};
  for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
    if (!same(a[k], b[k])) changes[k] = { from: a[k] ?? null, to: b[k] ?? null };
  }
  // A new value of a header is a change even though both sides read "[redacted]".
  if (before && after && !same(before.config.headers, after.config.headers) && !changes.headers) {
    changes.headers = { from: a.headers ?? null, to: b.headers ?? null };
  }
  return changes;
}

/** The entry of `action` by `by`, from the job before and after it. */
export function auditEntry(
  action: AuditAction,
  before: JobState | null,
  after: JobState | null,
  by: ChangeBy,
  at: number,
  subject: string | null = null,
): AuditEntry {
  return {
    at,
    action,
    actor: by.actor,
    request_id: by.request_id,
    subject,
    changes: changesOf(before, after),
  };
}

/**
 * The entry of a change crondo made by itself during an event, or null: a job that paused
 * itself after pause_after_failures (action "pause", actor "system").
 */
export function systemEntry(before: JobState, after: JobState, at: number): AuditEntry | null {
  if (before.status === "paused" || after.status !== "paused") return null;
  if (after.paused_reason !== "consecutive_failures") return null;
  return auditEntry("pause", before, after, { actor: SYSTEM, request_id: null }, at);
}
