// The Worker's bindings and variables (wrangler.toml), and the configuration parsed
// from them once, at the boundary: a malformed variable or a missing binding is a
// clear error naming it, never a silent default.
import { z } from "zod";

/** Bindings and variables of the crondo Worker (see wrangler.toml). */
export interface Env {
  JOB: DurableObjectNamespace;
  DB: D1Database;
  KEYS: KVNamespace;
  RATE_LIMITER: RateLimit;
  /** Workers Static Assets: the dashboard and the API reference (built from web/). */
  ASSETS?: Fetcher;
  /** "true" turns the URL guard off; set only by local development (`npm start`). */
  ALLOW_PRIVATE_TARGETS?: string;
  /** Per-tenant job quota; default 10,000. */
  JOB_QUOTA?: string;
  /** Requests in flight at most from one isolate, across its jobs; default 2,000. */
  MAX_REQUESTS_IN_FLIGHT?: string;
}

/** What the code below the boundary reads, already checked. */
export interface Config {
  allowPrivateTargets: boolean;
  jobQuota: number;
  maxRequestsInFlight: number;
}

export const DEFAULT_JOB_QUOTA = 10_000;
/** Requests in flight from one isolate at most (src/delivery/capacity.ts). */
export const DEFAULT_MAX_REQUESTS_IN_FLIGHT = 2_000;

const binding = (name: string, kind: string, method: string) =>
  z.custom<unknown>(
    (v) => typeof v === "object" && v !== null && typeof Reflect.get(v, method) === "function",
    `binding ${name} (${kind}) is missing; see wrangler.toml`,
  );

const envSchema = z.object({
  JOB: binding("JOB", "Durable Object namespace", "idFromName"),
  DB: binding("DB", "D1 database", "prepare"),
  KEYS: binding("KEYS", "KV namespace", "get"),
  RATE_LIMITER: binding("RATE_LIMITER", "Rate Limiting", "limit"),
  ALLOW_PRIVATE_TARGETS: z
    .enum(["true", "false"], 'ALLOW_PRIVATE_TARGETS must be "true" or "false" when set')
    .optional(),
  JOB_QUOTA: z
    .string()
    .regex(/^[1-9][0-9]{0,8}$/, "JOB_QUOTA must be a whole number of jobs from 1 to 999999999")
    .optional(),
  MAX_REQUESTS_IN_FLIGHT: z
    .string()
    .regex(
      /^[1-9][0-9]{0,5}$/,
      "MAX_REQUESTS_IN_FLIGHT must be a whole number of requests from 1 to 999999",
    )
    .optional(),
});

export class ConfigError extends Error {
  override name = "ConfigError";
}

const parsed = new WeakMap<object, Config>();

/** The configuration of this environment; throws ConfigError naming every problem. */
export function configOf(env: Env): Config {
  const known = parsed.get(env);
  if (known) return known;
  const res = envSchema.safeParse(env);
  if (!res.success) {
    throw new ConfigError(
      `crondo is misconfigured: ${res.error.issues.map((i) => i.message).join("; ")}`,
    );
  }
  const config: Config = {
    allowPrivateTargets: res.data.ALLOW_PRIVATE_TARGETS === "true",
    jobQuota: res.data.JOB_QUOTA === undefined ? DEFAULT_JOB_QUOTA : Number(res.data.JOB_QUOTA),
    maxRequestsInFlight:
      res.data.MAX_REQUESTS_IN_FLIGHT === undefined
        ? DEFAULT_MAX_REQUESTS_IN_FLIGHT
        : Number(res.data.MAX_REQUESTS_IN_FLIGHT),
  };
  parsed.set(env, config);
  return config;
}
