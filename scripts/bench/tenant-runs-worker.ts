// Bench-only Worker for scripts/bench/tenant-runs.mjs: crondo's real tenant-wide runs
// list (src/store/run-queries.ts listTenantRuns, with src/store/cursor.ts cursors) and
// its real run writes (src/store/runs.ts upsertRunStatement) against a local D1 with the
// project's migrations. POST /<op> with JSON; timing happens inside the Worker.

import type { RunRow } from "../../src/job/types";
import { RUN_ID_RE, ulid } from "../../src/lib/ulid";
import { decodeCursor } from "../../src/store/cursor";
import { listTenantRuns } from "../../src/store/run-queries";
import { upsertRunStatement } from "../../src/store/runs";

interface BenchEnv {
  DB: D1Database;
}

const STATES = ["succeeded", "succeeded", "succeeded", "failed", "skipped"] as const;

function runRow(tenant: string, cronId: string, at: number, k: number): RunRow {
  const state = STATES[k % STATES.length]!;
  return {
    run_id: `run_${ulid(at)}`,
    cron_id: cronId,
    tenant_id: tenant,
    trigger: k % 20 === 0 ? "manual" : "schedule",
    state,
    scheduled_for: at,
    fire_at: at,
    started_at: at,
    finished_at: at + 120,
    fire_lag_ms: 3,
    attempts: 1,
    attempt_log: [
      { attempt: 1, started_at: at, duration_ms: 120, response_status: 200, error: null },
    ],
    response_status: state === "failed" ? 500 : 200,
    duration_ms: 120,
    error: state === "failed" ? "HTTP 500" : null,
    response_body: "ok",
    missed_slots: 0,
    skip_reason: state === "skipped" ? "overlap" : null,
    backfill_id: null,
    replay_of: null,
    created_at: at,
  };
}

/** `runs` runs spread round-robin over `jobs` jobs of `tenant`, one a second back from `end`. */
async function seed(
  db: D1Database,
  req: { tenant: string; jobs: number; runs: number; end: number; batch?: number },
) {
  const t0 = Date.now();
  const rows: RunRow[] = [];
  for (let k = 0; k < req.runs; k++) {
    const cronId = `cron_${String(k % req.jobs).padStart(26, "0")}`;
    rows.push(runRow(req.tenant, cronId, req.end - (req.runs - k) * 1000, k));
  }
  const size = req.batch ?? 100;
  for (let i = 0; i < rows.length; i += size) {
    await db.batch(rows.slice(i, i + size).map((r) => upsertRunStatement(db, r)));
  }
  return { rows: rows.length, ms: Date.now() - t0 };
}

/** The cursor that starts the page at `depth` (the run id just before it), by walking. */
async function cursorAt(db: D1Database, tenant: string, depth: number, state?: RunRow["state"]) {
  let after: string | undefined;
  let seen = 0;
  while (seen < depth) {
    const page = await listTenantRuns(db, tenant, {
      limit: Math.min(100, depth - seen),
      after,
      state,
    });
    if (page.items.length === 0) break;
    seen += page.items.length;
    after = page.items[page.items.length - 1]!.run_id;
  }
  return after;
}

/** p50/p95 of the page at each depth, `reps` samples of `group` calls each. */
async function pages(
  db: D1Database,
  req: {
    tenant: string;
    depths: number[];
    limit: number;
    reps: number;
    group: number;
    state?: RunRow["state"];
  },
) {
  const targets = [];
  for (const depth of req.depths)
    targets.push({
      depth,
      after: await cursorAt(db, req.tenant, depth, req.state),
      samples: [] as number[],
      ok: false,
    });
  const call = (after?: string) =>
    listTenantRuns(db, req.tenant, { limit: req.limit, after, state: req.state });
  for (const t of targets) {
    for (let i = 0; i < 5; i++) await call(t.after);
    const page = await call(t.after);
    t.ok =
      page.items.length === req.limit &&
      page.items.every((r, i, a) => i === 0 || a[i - 1]!.run_id > r.run_id) &&
      (t.after === undefined || page.items[0]!.run_id < t.after);
  }
  for (let s = 0; s < req.reps; s++) {
    for (const t of targets) {
      const t0 = performance.now();
      for (let g = 0; g < req.group; g++) await call(t.after);
      t.samples.push((performance.now() - t0) / req.group);
    }
  }
  return targets.map(({ depth, samples, ok }) => ({ depth, samples, ok }));
}

/**
 * Walks every page newest first while new runs keep arriving at the top (one each page):
 * a stable cursor returns each run that existed at the start exactly once, in order.
 */
async function walk(db: D1Database, req: { tenant: string; limit: number; end: number }) {
  const t0 = Date.now();
  const ids: string[] = [];
  let cursor: string | null = null;
  let pages = 0;
  for (;;) {
    const after = cursor === null ? undefined : (decodeCursor(cursor, RUN_ID_RE) ?? undefined);
    const page = await listTenantRuns(db, req.tenant, { limit: req.limit, after });
    pages++;
    ids.push(...page.items.map((r) => r.run_id));
    // A run of a new slot lands at the top meanwhile.
    await upsertRunStatement(
      db,
      runRow(req.tenant, "cron_new", req.end + pages * 1000, pages),
    ).run();
    if (!page.next_cursor) break;
    cursor = page.next_cursor;
  }
  const ordered = ids.every((id, i) => i === 0 || ids[i - 1]! > id);
  return { pages, rows: ids.length, unique: new Set(ids).size, ordered, ms: Date.now() - t0 };
}

/** EXPLAIN QUERY PLAN of the statement listTenantRuns issues (captured from it). */
async function plan(
  db: D1Database,
  req: { tenant: string; state?: RunRow["state"]; after?: string },
) {
  let sql = "";
  let params: unknown[] = [];
  const recording = new Proxy(db, {
    get(target, prop) {
      if (prop !== "prepare") return Reflect.get(target, prop);
      return (text: string) => {
        sql = text;
        const stmt = target.prepare(text);
        return new Proxy(stmt, {
          get(s, p) {
            if (p !== "bind") return Reflect.get(s, p);
            return (...values: unknown[]) => {
              params = values;
              return s.bind(...values);
            };
          },
        });
      };
    },
  });
  await listTenantRuns(recording, req.tenant, { limit: 20, state: req.state, after: req.after });
  const { results } = await db
    .prepare(`EXPLAIN QUERY PLAN ${sql}`)
    .bind(...params)
    .all<{ detail: string }>();
  return { sql, plan: results.map((r) => r.detail) };
}

async function exec(db: D1Database, req: { statements: string[] }) {
  const res = await db.batch(req.statements.map((s) => db.prepare(s)));
  return { statements: res.length };
}

const OPS: Record<string, (db: D1Database, req: any) => Promise<unknown>> = {
  exec,
  seed,
  pages,
  walk,
  plan,
};

export default {
  async fetch(request: Request, env: BenchEnv): Promise<Response> {
    const op = new URL(request.url).pathname.slice(1);
    const handler = OPS[op];
    if (!handler) return Response.json({ error: `unknown op ${op}` }, { status: 404 });
    try {
      return Response.json(await handler(env.DB, await request.json()));
    } catch (e) {
      return Response.json({ error: String(e), stack: (e as Error).stack }, { status: 500 });
    }
  },
};
