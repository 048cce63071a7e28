// The defaults of a job's configuration (SPEC §3, §6, §10), spelled once: create applies
// them, and a configuration or state stored before a field existed is read with them.
import type { ActiveRun, JobConfig, JobState, NotifyEvent, QueuedRun } from "./types";

/** The time window and catch-up fields (SPEC §10): no window, no jitter, run_once. */
export const WINDOW_DEFAULTS = {
  start_at: null,
  end_at: null,
  jitter_seconds: 0,
  exclude_dates: [] as string[],
  misfire_policy: "run_once",
  catchup_window_seconds: 3600,
} as const satisfies Partial<JobConfig>;

/** SPEC §11–§12: no automatic pause, no notify_url, and run.failed when one is set. */
export const NOTIFY_DEFAULTS = {
  pause_after_failures: null,
  notify_url: null,
  notify_events: ["run.failed"] as NotifyEvent[],
} as const satisfies Partial<JobConfig>;

export const CONFIG_DEFAULTS = {
  method: "POST",
  retries: 3,
  retry_backoff_seconds: 10,
  timeout_seconds: 30,
  overlap_policy: "allow",
  max_concurrency: 10,
  retention_days: 30,
  ...WINDOW_DEFAULTS,
  ...NOTIFY_DEFAULTS,
} as const satisfies Partial<JobConfig>;

/** Fields added to JobConfig after the first release, with the value an older job gets. */
const ADDED_LATER = {
  max_concurrency: CONFIG_DEFAULTS.max_concurrency,
  ...WINDOW_DEFAULTS,
  ...NOTIFY_DEFAULTS,
} as const satisfies Partial<JobConfig>;

/** A configuration as stored by any earlier version, completed to the current shape. */
export function upgradeConfig(stored: Partial<JobConfig>): JobConfig {
  const missing = Object.entries(ADDED_LATER).filter(([k]) => !(k in stored));
  return (
    missing.length === 0 ? stored : { ...Object.fromEntries(missing), ...stored }
  ) as JobConfig;
}

type StoredRun<T> = Omit<T, "fire_at" | "lane" | "backfill_id" | "replay_of"> & Partial<T>;

/** State fields added after the first release (their values for an older job below). */
type AddedState =
  | "next_slot"
  | "pending_missed"
  | "catchups"
  | "backfills"
  | "replays"
  | "paused_reason"
  | "failures_at_resume"
  | "previous_secret"
  | "previous_secret_expires_at";

/**
 * A job's state as stored by any earlier version, completed to the current shape. Before
 * jitter, a slot fired at its own instant (fire_at = slot); there were no lanes.
 */
export function upgradeState(
  stored: Omit<JobState, AddedState | "active" | "queue"> &
    Partial<Pick<JobState, AddedState>> & {
      active: StoredRun<ActiveRun>[];
      queue: StoredRun<QueuedRun>[];
    },
): Omit<JobState, "config"> {
  const { config: _config, ...rest } = stored as typeof stored & { config?: unknown };
  return {
    ...rest,
    next_slot: stored.next_slot ?? stored.next_run_at,
    pending_missed: stored.pending_missed ?? 0,
    catchups: stored.catchups ?? [],
    backfills: stored.backfills ?? [],
    capacity_backoff: stored.capacity_backoff ?? null,
    replays: stored.replays ?? [],
    // A job paused before paused_reason existed was paused by a call (or created paused).
    paused_reason: stored.paused_reason ?? (stored.status === "paused" ? "manual" : null),
    failures_at_resume: stored.failures_at_resume ?? 0,
    previous_secret: stored.previous_secret ?? null,
    previous_secret_expires_at: stored.previous_secret_expires_at ?? null,
    active: stored.active.map((r) => ({
      ...r,
      fire_at: r.fire_at ?? r.scheduled_for,
      lane: r.lane ?? null,
      backfill_id: r.backfill_id ?? null,
      replay_of: r.replay_of ?? null,
    })),
    queue: stored.queue.map((q) => ({ ...q, fire_at: q.fire_at ?? q.scheduled_for })),
  };
}
