import { env, SELF } from "cloudflare:test";
import { inject } from "vitest";
import type { Route } from "../../src/api/route";
import { routes } from "../../src/api/routes";
import { configOf } from "../../src/env";
import { FINISHED_STATES } from "../../src/job/types";
import { sha256Hex } from "../../src/lib/crypto";
import { keyStorageName } from "../../src/lib/key-names.mjs";
import { DEFAULT_SCOPES, type KeyScope } from "../../src/lib/key-record.mjs";
import { INSERT_KEY, REVOKE_KEY } from "../../src/store/api-keys-sql.mjs";
import { waitFor } from "../helpers/wait";

export const receiverUrl = () => inject("receiverUrl");

export interface KeyOptions {
  scopes?: KeyScope[];
  /** Epoch ms; written as the CLI writes it (it refuses a past one; a test may not). */
  expiresAt?: number;
  /** A key made before scopes, expiry and the api_keys table: its KV record alone. */
  legacy?: boolean;
}

let counter = 0;
/**
 * A fresh API key for `tenant`, stored the way `npm run keys -- create` stores it: its
 * api_keys row in D1 (the same statement), then its record in KV.
 */
export async function createKey(tenant: string, opts: KeyOptions = {}): Promise<string> {
  const key = `crondo_test_${tenant.replace(/[^\w-]/g, "_")}_${++counter}_${crypto.randomUUID()}`;
  const hash = await sha256Hex(key);
  const now = Date.now();
  const scopes = opts.scopes ?? [...DEFAULT_SCOPES];
  const expires = opts.expiresAt ?? null;
  const record = opts.legacy
    ? { tenant_id: tenant, name: "test", created_at: new Date(now).toISOString() }
    : {
        tenant_id: tenant,
        name: "test",
        created_at: new Date(now).toISOString(),
        scopes,
        expires_at: expires === null ? null : new Date(expires).toISOString(),
      };
  if (!opts.legacy) {
    await env.DB.prepare(INSERT_KEY)
      .bind(hash, tenant, "test", JSON.stringify(scopes), now, expires)
      .run();
  }
  await env.KEYS.put(keyStorageName(hash), JSON.stringify(record));
  return key;
}

/** What `npm run keys -- revoke` does: the D1 row first (the same statement), then KV. */
export async function revokeKey(key: string, { keepKv = false } = {}): Promise<void> {
  const hash = await sha256Hex(key);
  const raw = await env.KEYS.get(keyStorageName(hash));
  const record = JSON.parse(raw ?? "{}") as { tenant_id?: string; scopes?: string[] };
  await env.DB.prepare(REVOKE_KEY)
    .bind(
      hash,
      record.tenant_id ?? "?",
      "test",
      JSON.stringify(record.scopes ?? DEFAULT_SCOPES),
      Date.now(),
      Date.now(),
    )
    .run();
  if (!keepKv) await env.KEYS.delete(keyStorageName(hash));
}

/** Bodies that would succeed, by operation (the seed's spellings where it has them). */
export const BODIES: Record<string, unknown> = {
  "cron.create": { cron_expr: "0 9 * * 1", task_url: "https://api.acme.com/weekly" },
  "cron.update": { name: "x" },
  "cron.pause": { cron_id: "ignored" },
  "cron.resume": {},
  "cron.trigger": { job_id: "ignored" },
  "cron.retention.set": { retention_days: 3 },
  "cron.preview": { schedule: "* * * * *" },
  "cron.backfill": { from: "2026-01-01T00:00:00Z", to: "2026-01-01T00:10:00Z" },
  "cron.runs.replay": {},
  "cron.runs.replay_many": { state: "failed" },
  "cron.runs.cancel": {},
  "cron.rotate_secret": {},
};

export interface RouteCall {
  route: Route;
  method: string;
  /** The route's path with these ids in its parameters. */
  path: (id: string, run: string) => string;
  body: unknown;
}

const fill = (path: string, id: string, run: string) =>
  path.replace(/:(\w+)/g, (_m, name: string) => {
    if (name === "id") return id;
    if (name === "run_id") return run;
    throw new Error(`${path}: no test value for path parameter :${name}`);
  });

/** Every registered route (src/api/routes), so that a new one cannot escape a test over them. */
export const ROUTE_CALLS: RouteCall[] = routes.map((route) => ({
  route,
  method: route.method,
  path: (id, run) => fill(route.path, id, run),
  body: BODIES[route.operation],
}));

export interface ApiResponse<T = any> {
  status: number;
  headers: Headers;
  body: { ok: boolean; data: T; error: { code: string; message: string; details: any[] } };
}

export async function api<T = any>(
  method: string,
  path: string,
  key: string | null,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<ApiResponse<T>> {
  const init: RequestInit = { method, headers: { ...headers } };
  if (key !== null) (init.headers as Record<string, string>).authorization = `Bearer ${key}`;
  if (body !== undefined) {
    (init.headers as Record<string, string>)["content-type"] ??= "application/json";
    init.body = typeof body === "string" ? body : JSON.stringify(body);
  }
  const res = await SELF.fetch(`https://crondo.test${path}`, init);
  const text = await res.text();
  let parsed: any;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error(`non-JSON response ${res.status}: ${text.slice(0, 200)}`);
  }
  return { status: res.status, headers: res.headers, body: parsed };
}

export async function receiverLog(prefix: string) {
  const res = await fetch(`${receiverUrl()}/__log?prefix=${encodeURIComponent(prefix)}`);
  return (await res.json()) as Array<{
    path: string;
    method: string;
    headers: Record<string, string>;
    body: string;
    received_at: number;
    concurrent: number;
  }>;
}

export const uniquePath = (kind = "ok") => `/${kind}/${crypto.randomUUID()}`;

const FINISHED = new Set<string>(FINISHED_STATES);

/** Polls runs.get until the run has finished (succeeded, failed or skipped); returns it. */
export async function waitForRun(key: string, cronId: string, runId: string, timeoutMs = 10_000) {
  return waitFor(
    async () => {
      const r = await api("GET", `/v1/cron/runs/get/${cronId}/${runId}`, key);
      return r.status === 200 && FINISHED.has(r.body.data.state) ? r.body.data : null;
    },
    { what: `run ${runId} of ${cronId} to finish`, timeoutMs },
  );
}

export async function script(name: string, statuses: number[], retryAfter?: number) {
  await fetch(`${receiverUrl()}/__script/${name}`, {
    method: "POST",
    body: JSON.stringify({ statuses, retry_after: retryAfter }),
  });
}

/** Where each run id is stored, over every database (the primary included). */
export async function whereIs(runIds: string[]) {
  const found = new Map<string, string[]>();
  for (const name of configOf(env).allShards) {
    const { results } = await (Reflect.get(env, name) as D1Database)
      .prepare(
        "SELECT run_id, state, version FROM runs WHERE run_id IN (SELECT value FROM json_each(?))",
      )
      .bind(JSON.stringify(runIds))
      .all<{ run_id: string; state: string }>();
    for (const r of results)
      found.set(r.run_id, [...(found.get(r.run_id) ?? []), `${name}:${r.state}`]);
  }
  return found;
}

/** Waits until each run is stored, finished, in exactly one database; returns where. */
export async function landed(runIds: string[], timeoutMs = 20_000) {
  return waitFor(
    async () => {
      const found = await whereIs(runIds);
      const done = runIds.every((id) => {
        const at = found.get(id);
        return at?.length === 1 && /:(succeeded|failed)$/.test(at[0]!);
      });
      return done ? found : undefined;
    },
    { what: `${runIds.length} runs to land in their shards`, timeoutMs, stepMs: 200 },
  );
}
