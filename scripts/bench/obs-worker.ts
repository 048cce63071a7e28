// Bench-only Worker for scripts/bench/observability.mjs: the real crondo app (auth, rate
// limit, routes, store, D1 triggers) on Miniflare, plus endpoints to seed a tenant fast:
// its jobs' index rows copied in SQL from one job created through the API, and its runs
// inserted by recursive CTEs (through the counting triggers of migrations/0007, as
// crondo's own writes go). Nothing of the measured path is replaced.
import { newApp } from "../../src/api/app";
import type { Env } from "../../src/env";
import { sha256Hex } from "../../src/lib/crypto";
import { keyStorageName } from "../../src/lib/key-names.mjs";
import { DAY, HOUR } from "../../src/lib/time";
import { INSERT_KEY } from "../../src/store/api-keys-sql.mjs";
import { cronIdFor, sqlEnc } from "./d1-worker";

export { JobObject } from "../../src/object/job-object";

const app = newApp();

/** Copies of the template job's index row: jobs number j in [from, to) (its own id, name, status). */
const JOBS_SQL = `WITH RECURSIVE s(j) AS (SELECT ?3 UNION ALL SELECT j + 1 FROM s WHERE j + 1 < ?4)
INSERT INTO jobs (cron_id, tenant_id, status, next_run_at, retention_days, record, created_at, updated_at)
SELECT id, t.tenant_id, st, CASE WHEN st = 'active' THEN ?5 + (j % 300) * 1000 ELSE NULL END,
  t.retention_days,
  json_set(t.record, '$.cron_id', id, '$.name', 'bench job ' || j, '$.status', st,
    '$.enabled', json(CASE WHEN st = 'active' THEN 'true' ELSE 'false' END),
    '$.next_run_at', CASE WHEN st = 'active' THEN strftime('%Y-%m-%dT%H:%M:%fZ', (?5 + (j % 300) * 1000) / 1000.0, 'unixepoch') ELSE NULL END),
  t.created_at, t.updated_at
FROM (SELECT j, json_extract(?2, '$[' || CAST(j - ?3 AS INTEGER) || ']') AS id,
        CASE WHEN j % 50 = 0 THEN 'completed' WHEN j % 10 = 1 THEN 'paused' ELSE 'active' END AS st FROM s)
JOIN jobs t ON t.cron_id = ?1`;

/**
 * `?3` runs of one job, finished over the 48 h before `?4` (spread evenly across the
 * tenant's runs by the job's number ?5 of ?6); states, lag and duration vary by run.
 */
const RUNS_SQL = `WITH RECURSIVE s(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM s WHERE k + 1 < ?3),
r(k, c) AS (SELECT k, ?4 - 2 * ${DAY} + ((k * ?6 + ?5) * (2 * ${DAY})) / (?3 * ?6) FROM s)
INSERT INTO runs (run_id, cron_id, tenant_id, trigger, state, scheduled_for, fire_at, started_at,
  finished_at, fire_lag_ms, attempts, attempt_log, response_status, duration_ms, error,
  response_body, missed_slots, skip_reason, created_at)
SELECT 'run_' || ${sqlEnc("c", 10)} || ${sqlEnc("?5", 4)} || ${sqlEnc("k", 4)} || ${sqlEnc("(k * 2654435761 + ?5 * 40503) & 1099511627775", 8)},
  ?1, ?2,
  CASE WHEN k % 40 = 39 THEN 'manual' ELSE 'schedule' END,
  CASE WHEN k % 50 = 7 THEN 'skipped' WHEN k % 14 = 3 THEN 'failed' ELSE 'succeeded' END,
  c - 900, c - 900, c - 900 + (k * 37) % 2000, c,
  CASE WHEN k % 50 = 7 THEN NULL ELSE (k * 37) % 2000 END,
  CASE WHEN k % 50 = 7 THEN 0 ELSE 1 END,
  CASE WHEN k % 50 = 7 THEN '[]' ELSE '[{"attempt":1,"started_at":' || c || ',"duration_ms":' || ((k * 53) % 3000)
    || ',"response_status":' || (CASE WHEN k % 14 = 3 THEN 500 ELSE 200 END) || ',"error":null}]' END,
  CASE WHEN k % 50 = 7 THEN NULL WHEN k % 14 = 3 THEN 500 ELSE 200 END,
  CASE WHEN k % 50 = 7 THEN NULL ELSE (k * 53) % 3000 END,
  CASE WHEN k % 14 = 3 AND k % 50 != 7 THEN 'HTTP 500' ELSE NULL END,
  NULL, 0, CASE WHEN k % 50 = 7 THEN 'overlap' ELSE NULL END, c - 900
FROM r`;

type Req = Record<string, any>;

const ops: Record<string, (env: Env, req: Req) => Promise<unknown>> = {
  async exec(env, req) {
    for (const sql of req.statements as string[]) await env.DB.prepare(sql).run();
    return { ok: true };
  },
  async key(env, req) {
    const hash = await sha256Hex(req.key);
    const now = Date.now();
    await env.DB.prepare(INSERT_KEY)
      .bind(hash, req.tenant, "bench", JSON.stringify(["read", "write"]), now, null)
      .run();
    await env.KEYS.put(
      keyStorageName(hash),
      JSON.stringify({
        tenant_id: req.tenant,
        name: "bench",
        created_at: new Date(now).toISOString(),
        scopes: ["read", "write"],
        expires_at: null,
      }),
    );
    return { ok: true };
  },
  /** Jobs [from, to) as copies of the template job; returns their ids. */
  async jobs(env, req) {
    const now = req.now as number;
    const ids: string[] = [];
    for (let j = req.from; j < req.to; j++) ids.push(cronIdFor(j, now - 10 * DAY + j));
    for (let i = 0; i < ids.length; i += 500) {
      const part = ids.slice(i, i + 500);
      await env.DB.prepare(JOBS_SQL)
        .bind(
          req.template,
          JSON.stringify(part),
          req.from + i,
          req.from + i + part.length,
          now + HOUR,
        )
        .run();
    }
    return { ids };
  },
  /** Runs of the given jobs (their numbers in the tenant: req.first + index). */
  async runs(env, req) {
    const t0 = Date.now();
    const stmts = (req.ids as string[]).map((id, i) =>
      env.DB.prepare(RUNS_SQL).bind(id, req.tenant, req.perJob, req.now, req.first + i, req.jobs),
    );
    let rows = 0;
    for (const r of await env.DB.batch(stmts)) rows += r.meta.changes ?? 0;
    return { rows, ms: Date.now() - t0 };
  },
};

export default {
  async fetch(request: Request, env: Env, ctx: ExecutionContext): Promise<Response> {
    const url = new URL(request.url);
    const op = url.pathname.startsWith("/__") ? ops[url.pathname.slice(3)] : undefined;
    if (!op) return app.fetch(request, env, ctx);
    try {
      return Response.json(await op(env, (await request.json()) as Req));
    } catch (e) {
      return Response.json({ error: String(e), stack: (e as Error).stack }, { status: 500 });
    }
  },
};
