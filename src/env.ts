// The Worker's bindings and variables (wrangler.toml), and the configuration parsed
// from them once, at the boundary: a malformed variable or a missing binding is a
// clear error naming it, never a silent default.
import { z } from "zod";
import type { HistoryMessage } from "./job/history-batch";
import { faultyD1, faultyQueue } from "./lib/faults";
import type { Shard } from "./store/shards";

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
  /**
   * The D1 bindings new jobs' run history is spread over (comma-separated binding
   * names, SPEC §14); default "DB". A job keeps the shard it was given.
   */
  HISTORY_SHARDS?: string;
  /** Shards that take no new jobs but still hold history (read, purged, deleted from). */
  HISTORY_SHARDS_CLOSED?: string;
  /** The queue(s) run history travels through to its shard; default "HISTORY_QUEUE". */
  HISTORY_QUEUES?: string;
  HISTORY_QUEUE: Queue<HistoryMessage>;
  /**
   * The dead-letter queue's producer: its consumer sends a message that is still failing
   * at its last retry there again rather than let it be dropped (src/history/consumer.ts).
   */
  HISTORY_DLQ?: Queue<HistoryMessage>;
  /** The dead-letter consumer's max_retries of wrangler.toml; default 100. */
  HISTORY_DLQ_MAX_RETRIES?: string;
  /** Which attempts get a `run.attempt` log line: "all" or "failures" (default). */
  LOG_ATTEMPTS?: string;
  /** Which requests get an `http.request` log line: "all" or "writes" (default). */
  LOG_REQUESTS?: string;
  /** Chained firing (README "Chained firing"): "on" (default) or "off". */
  CHAINED_FIRING?: string;
  /** Test builds only (vitest.config.ts): fault injection flags, see src/lib/faults.ts. */
  TEST_FAULTS?: KVNamespace;
}

/** What the code below the boundary reads, already checked. */
export interface Config {
  allowPrivateTargets: boolean;
  jobQuota: number;
  maxRequestsInFlight: number;
  /** Shards new jobs are spread over. */
  openShards: string[];
  /** Every shard that holds history: the primary (DB, the jobs from before sharding) first. */
  allShards: string[];
  /** Queue bindings the history is sent through. */
  queues: string[];
  /** The dead-letter consumer's retries before a message would be dropped. */
  dlqMaxRetries: number;
  /** Every attempt gets a `run.attempt` log line (LOG_ATTEMPTS=all), or only failed ones. */
  logEveryAttempt: boolean;
  /**
   * Every request gets an `http.request` log line (LOG_REQUESTS=all), or only writes,
   * failures and slow ones (src/api/access-log.ts).
   */
  logEveryRequest: boolean;
  /** An attempt's result may take the job's next slot in the same commit (CHAINED_FIRING). */
  chainedFiring: boolean;
}

/** The primary database: jobs index, keys, idempotency — and the history of pre-shard jobs. */
export const PRIMARY_SHARD = "DB";

export const DEFAULT_JOB_QUOTA = 10_000;
/** Requests in flight from one isolate at most (src/delivery/capacity.ts). */
export const DEFAULT_MAX_REQUESTS_IN_FLIGHT = 2_000;
/** wrangler.toml's max_retries of the dead-letter queue's consumer. */
export const DEFAULT_DLQ_MAX_RETRIES = 100;
/** Which attempts are logged when LOG_ATTEMPTS is not set (README "Logs"). */
export const DEFAULT_LOG_ATTEMPTS: "all" | "failures" = "failures";
/** Which requests are logged when LOG_REQUESTS is not set (README "Logs"). */
export const DEFAULT_LOG_REQUESTS: "all" | "writes" = "writes";

const binding = (name: string, kind: string, method: string) =>
  z.custom<unknown>(
    (v) => typeof v === "object" && v !== null && typeof Reflect.get(v, method) === "function",
    `binding ${name} (${kind}) is missing; see wrangler.toml`,
  );

const bindingList = (name: string) =>
  z
    .string()
    .regex(
      /^\s*[A-Z][A-Z0-9_]*(\s*,\s*[A-Z][A-Z0-9_]*)*\s*$/,
      `${name} must be a comma-separated list of binding names (e.g. "HISTORY_1,HISTORY_2")`,
    );
const names = (v: string | undefined, fallback: string[]) =>
  v === undefined ? fallback : v.split(",").map((n) => n.trim());
const hasMethod = (env: Env, name: string, method: string) => {
  const v = Reflect.get(env, name);
  return typeof v === "object" && v !== null && typeof Reflect.get(v, method) === "function";
};

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
  HISTORY_SHARDS: bindingList("HISTORY_SHARDS").optional(),
  HISTORY_SHARDS_CLOSED: bindingList("HISTORY_SHARDS_CLOSED").optional(),
  HISTORY_QUEUES: bindingList("HISTORY_QUEUES").optional(),
  HISTORY_DLQ_MAX_RETRIES: z
    .string()
    .regex(/^[1-9][0-9]{0,2}$/, "HISTORY_DLQ_MAX_RETRIES must be a whole number from 1 to 999")
    .optional(),
  LOG_ATTEMPTS: z
    .enum(["all", "failures"], 'LOG_ATTEMPTS must be "all" or "failures" when set')
    .optional(),
  LOG_REQUESTS: z
    .enum(["all", "writes"], 'LOG_REQUESTS must be "all" or "writes" when set')
    .optional(),
  CHAINED_FIRING: z.enum(["on", "off"], 'CHAINED_FIRING must be "on" or "off" when set').optional(),
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
  const openShards = names(res.data.HISTORY_SHARDS, [PRIMARY_SHARD]);
  const closed = names(res.data.HISTORY_SHARDS_CLOSED, []);
  const allShards = [...new Set([PRIMARY_SHARD, ...openShards, ...closed])];
  const queues = names(res.data.HISTORY_QUEUES, ["HISTORY_QUEUE"]);
  const problems = [
    ...allShards
      .filter((n) => !hasMethod(env, n, "prepare"))
      .map((n) => `history shard ${n} is not a D1 binding; see wrangler.toml`),
    ...queues
      .filter((n) => !hasMethod(env, n, "send"))
      .map((n) => `history queue ${n} is not a Queue producer binding; see wrangler.toml`),
  ];
  if (problems.length > 0) throw new ConfigError(`crondo is misconfigured: ${problems.join("; ")}`);
  const config: Config = {
    allowPrivateTargets: res.data.ALLOW_PRIVATE_TARGETS === "true",
    jobQuota: res.data.JOB_QUOTA === undefined ? DEFAULT_JOB_QUOTA : Number(res.data.JOB_QUOTA),
    maxRequestsInFlight:
      res.data.MAX_REQUESTS_IN_FLIGHT === undefined
        ? DEFAULT_MAX_REQUESTS_IN_FLIGHT
        : Number(res.data.MAX_REQUESTS_IN_FLIGHT),
    openShards,
    allShards,
    queues,
    dlqMaxRetries:
      res.data.HISTORY_DLQ_MAX_RETRIES === undefined
        ? DEFAULT_DLQ_MAX_RETRIES
        : Number(res.data.HISTORY_DLQ_MAX_RETRIES),
    logEveryAttempt: (res.data.LOG_ATTEMPTS ?? DEFAULT_LOG_ATTEMPTS) === "all",
    logEveryRequest: (res.data.LOG_REQUESTS ?? DEFAULT_LOG_REQUESTS) === "all",
    chainedFiring: res.data.CHAINED_FIRING !== "off",
  };
  parsed.set(env, config);
  return config;
}

/** The history database called `name` (a binding listed in the configuration). */
export function shardDb(env: Env, name: string): D1Database {
  if (!configOf(env).allShards.includes(name))
    throw new ConfigError(
      `crondo is misconfigured: history shard ${name} holds a job's runs but is not listed in HISTORY_SHARDS or HISTORY_SHARDS_CLOSED`,
    );
  const db = Reflect.get(env, name) as D1Database;
  return env.TEST_FAULTS ? faultyD1(db, name, env.TEST_FAULTS) : db;
}

/** Every history shard, the primary first. */
export function historyShards(env: Env): Shard[] {
  return configOf(env).allShards.map((name) => ({ name, db: shardDb(env, name) }));
}

/** The shard a new job's history goes to: spread by its id over the open shards. */
export function newJobShard(env: Env, cronId: string): string {
  const open = configOf(env).openShards;
  return open[hashOf(cronId) % open.length]!;
}

/**
 * The queue a shard's history travels through: the shards are dealt over HISTORY_QUEUES
 * in their configured order, so that with one queue per shard every consumer batch is
 * one statement on one shard (docs/capacity.md).
 */
export function historyQueue(env: Env, shard: string): Queue<HistoryMessage> {
  const { queues, allShards } = configOf(env);
  const name = queues[Math.max(0, allShards.indexOf(shard)) % queues.length]!;
  const queue = Reflect.get(env, name) as Queue<HistoryMessage>;
  return env.TEST_FAULTS ? faultyQueue(queue, name, env.TEST_FAULTS) : queue;
}

/** FNV-1a over the id's characters: stable across releases (a new job's shard). */
function hashOf(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}
