// The defaults of a job's configuration (SPEC §3, §6), spelled once: create applies
// them, and a configuration stored before a field existed is read with them.
import type { JobConfig } from "./types";

export const CONFIG_DEFAULTS = {
  method: "POST",
  retries: 3,
  retry_backoff_seconds: 10,
  timeout_seconds: 30,
  overlap_policy: "allow",
  max_concurrency: 10,
  retention_days: 30,
} as const satisfies Partial<JobConfig>;

/** Fields added to JobConfig after the first release, with the value an older job gets. */
const ADDED_LATER = {
  max_concurrency: CONFIG_DEFAULTS.max_concurrency,
} as const satisfies Partial<JobConfig>;

/** A configuration as stored by any earlier version, completed to the current shape. */
export function upgradeConfig(stored: Partial<JobConfig>): JobConfig {
  const missing = Object.entries(ADDED_LATER).filter(([k]) => !(k in stored));
  return (
    missing.length === 0 ? stored : { ...Object.fromEntries(missing), ...stored }
  ) as JobConfig;
}
