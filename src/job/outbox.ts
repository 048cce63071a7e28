// The notification outbox of a job (SPEC §12), pure: which event goes out next, when a
// failed send is tried again, and what each event's body is. The object keeps the outbox
// in its own storage, committed with the state that produced the events, and sends them
// one at a time, in order, off the delivery path (src/object/notifier.ts): a slow or
// failing notify URL holds up later events of the same job, never the job's runs.
import { iso } from "../lib/time";
import type { Effect } from "./core";
import { toCronRun } from "./record";
import type { JobState, NotifyEvent, RunRow } from "./types";

/** Sends after the first one, at most (SPEC §12: retried up to 3 times). */
export const NOTIFY_RETRIES = 3;
/** Delay before retry 1, 2 and 3. */
export const NOTIFY_BACKOFF_MS = [1_000, 5_000, 25_000] as const;
/** One send's deadline; while it is in flight the event is leased a little longer. */
export const NOTIFY_TIMEOUT_MS = 10_000;
export const NOTIFY_LEASE_MS = NOTIFY_TIMEOUT_MS + 5_000;
/** Events waiting per job at most: beyond it the oldest is given up (and logged). */
export const MAX_OUTBOX = 1000;

export interface Notification {
  /** "evt_" + ULID: the event's id, and the Idempotency-Key of every send of it. */
  id: string;
  type: NotifyEvent;
  /** The run of a run event (for logs), or null. */
  run_id: string | null;
  created_at: number;
  target: string;
  /** The body, built when the event happened (the job may change before it is sent). */
  body: string;
  /** Sends started so far. */
  attempts: number;
  /** When the next send is due; while one is in flight, when its lease runs out. */
  next_at: number;
}

/** The body a notify_url receives: `{type, id, created_at, data}` (SPEC §12). */
export function eventBody(
  state: JobState,
  type: NotifyEvent,
  row: RunRow | null,
  id: string,
  now: number,
) {
  const data: Record<string, unknown> = { cron_id: state.cron_id, name: state.config.name };
  if (row) data.run = toCronRun(row);
  else {
    data.status = state.status;
    data.paused_reason = state.status === "paused" ? state.paused_reason : null;
  }
  return { type, id, created_at: iso(now)!, data };
}

/**
 * The body the legacy on_failure_webhook receives: exactly SPEC §4's. The event's id
 * travels in its headers (Idempotency-Key, X-Cron-Event-Id), the same on every retry.
 */
export function failureBody(state: JobState, row: RunRow) {
  return {
    type: "cron.run.failed",
    cron_id: state.cron_id,
    run_id: row.run_id,
    name: state.config.name,
    url: state.config.url,
    scheduled_for: iso(row.scheduled_for),
    attempts: row.attempts,
    response_status: row.response_status,
    error: row.error,
    finished_at: iso(row.finished_at),
  };
}

/** The outbox with `added` at its end, the oldest given up beyond MAX_OUTBOX. */
export function enqueue(
  outbox: readonly Notification[],
  added: readonly Notification[],
): { outbox: Notification[]; dropped: Notification[] } {
  const all = [...outbox, ...added];
  const over = Math.max(0, all.length - MAX_OUTBOX);
  return { outbox: all.slice(over), dropped: all.slice(0, over) };
}

/** The event to send now, if the head of the outbox is due; it comes back leased. */
export function takeDue(
  outbox: readonly Notification[],
  now: number,
): { outbox: Notification[]; send: Notification | null } {
  const [head, ...rest] = outbox;
  if (!head || head.next_at > now) return { outbox: [...outbox], send: null };
  const leased = { ...head, attempts: head.attempts + 1, next_at: now + NOTIFY_LEASE_MS };
  return { outbox: [leased, ...rest], send: leased };
}

/**
 * A send of event `id` answered: delivered (or refused for good) it leaves the outbox;
 * failed, it is tried again after its backoff, until NOTIFY_RETRIES retries are spent.
 */
export function sendFinished(
  outbox: readonly Notification[],
  id: string,
  outcome: "delivered" | "failed" | "refused",
  now: number,
): { outbox: Notification[]; gaveUp: boolean } {
  const head = outbox[0];
  if (!head || head.id !== id) return { outbox: [...outbox], gaveUp: false };
  const rest = outbox.slice(1);
  if (outcome === "delivered") return { outbox: rest, gaveUp: false };
  if (outcome === "refused" || head.attempts > NOTIFY_RETRIES)
    return { outbox: rest, gaveUp: true };
  const delay = NOTIFY_BACKOFF_MS[Math.min(head.attempts, NOTIFY_BACKOFF_MS.length) - 1] ?? 0;
  return { outbox: [{ ...head, next_at: now + delay }, ...rest], gaveUp: false };
}

/** When the outbox needs the object awake next (its head's due time), or null. */
export const outboxWakeAt = (outbox: readonly Notification[]): number | null =>
  outbox[0]?.next_at ?? null;

/**
 * The outbox entries of a step's notify effects, one per target: notify_url gets the
 * SPEC §12 body, the legacy on_failure_webhook the SPEC §4 one. Bodies are built now,
 * from the job as the step left it.
 */
export function notificationsOf(
  state: JobState,
  effects: readonly Effect[],
  now: number,
  newId: (now: number) => string,
): Notification[] {
  const out: Notification[] = [];
  const { notify_url, on_failure_webhook } = state.config;
  const push = (
    e: Extract<Effect, { type: "notify" }>,
    target: string,
    body: (id: string) => unknown,
  ) => {
    const id = newId(now);
    out.push({
      id,
      type: e.event,
      run_id: e.row?.run_id ?? null,
      created_at: now,
      target,
      body: JSON.stringify(body(id)),
      attempts: 0,
      next_at: now,
    });
  };
  for (const e of effects) {
    if (e.type !== "notify") continue;
    if (e.to_notify_url && notify_url)
      push(e, notify_url, (id) => eventBody(state, e.event, e.row, id, now));
    const row = e.row;
    if (e.legacy && row && on_failure_webhook)
      push(e, on_failure_webhook, () => failureBody(state, row));
  }
  return out;
}
