/** Bindings and variables of the crondo Worker (see wrangler.toml). */
export interface Env {
  JOB: DurableObjectNamespace;
  DB: D1Database;
  KEYS: KVNamespace;
  RATE_LIMITER?: RateLimit;
  /** Workers Static Assets: the dashboard and the API reference (built from web/). */
  ASSETS?: Fetcher;
  /** "true" turns the URL guard off; set only by local development (`npm start`). */
  ALLOW_PRIVATE_TARGETS?: string;
  /** Per-tenant job quota; default 10,000. */
  JOB_QUOTA?: string;
}

export const allowPrivateTargets = (env: Pick<Env, "ALLOW_PRIVATE_TARGETS">): boolean =>
  env.ALLOW_PRIVATE_TARGETS === "true";

export const VERSION = "0.1.0";
