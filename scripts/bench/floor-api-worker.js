// The "bindings floor" of the API latency benchmark (scripts/bench/api-latency.mjs):
// the binding calls crondo's get and list cannot do without, with none of crondo's own
// code around them — where the bare Worker (bare-worker.js) does nothing at all. Per
// request: the key's SHA-256 and its D1 row (what refuses a revoked key, SPEC §8: read
// on every request), the rate limiter (SPEC §8), then for get the job's Durable Object
// (one RPC, the record held in memory) and for list one page of the jobs index plus one
// statement per history shard for the page's run summaries (crondo's own statements:
// src/store/api-keys-sql.mjs, src/store/stats.ts). No KV read: crondo keeps the key's
// KV record in the isolate (src/api/auth.ts).
//   GET …?part=d1|rl|do|log: that one call alone (onePart below).
//   POST /seed with a JSON array of { cron_id, tenant_id, record }: rows for the index,
//   so that a list returns pages as large as crondo's.
import { DurableObject } from "cloudflare:workers";
import { KEY_STATE } from "../../src/store/api-keys-sql.mjs";
import { RECENT_RUNS } from "../../src/store/stats";

export class FloorJob extends DurableObject {
  record = null;
  get(id) {
    this.record ??= { cron_id: id, name: "floor", status: "active", next_run_at: null };
    return this.record;
  }
}

/**
 * `?part=`: one of the calls alone (after the key's SHA-256), so that the floor's cost
 * can be split: `d1` the key's row, `rl` the rate limiter, `do` the object RPC of a
 * get, `log` one console.log line the size of crondo's `http.request` line.
 */
async function onePart(part, env, hash, url) {
  const id = url.pathname.slice(url.pathname.lastIndexOf("/") + 1);
  if (part === "d1") return env.DB.prepare(KEY_STATE).bind(hash).first();
  if (part === "rl") return env.RATE_LIMITER.limit({ key: hash });
  if (part === "do") return env.JOB.get(env.JOB.idFromName(id)).get(id);
  if (part === "log") {
    const line = {
      event: "http.request",
      at: new Date().toISOString(),
      request_id: `req_${hash.slice(0, 26)}`,
      tenant_id: env.FLOOR_TENANT,
      method: "GET",
      path: url.pathname,
      cron_id: id,
      run_id: null,
      status: 200,
      duration_ms: 3,
    };
    console.log(JSON.stringify(line));
    return null;
  }
  throw new Error(`unknown part "${part}" (d1, rl, do, log)`);
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));
const json = (body, status = 200) => Response.json(body, { status });

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (request.method === "POST" && url.pathname === "/seed") {
      const rows = await request.json();
      await env.DB.batch(
        rows.map((r) =>
          env.DB.prepare(
            "INSERT OR REPLACE INTO jobs (cron_id, tenant_id, status, next_run_at, retention_days, created_at, updated_at, record) VALUES (?, ?, 'active', NULL, 30, 0, 0, ?)",
          ).bind(r.cron_id, r.tenant_id, r.record),
        ),
      );
      return json({ ok: true, data: { seeded: rows.length } });
    }
    const m = /^Bearer[ \t]+(\S{1,512})$/i.exec(request.headers.get("authorization") ?? "");
    if (!m) return json({ ok: false }, 401);
    const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(m[1]));
    let hash = "";
    for (const b of new Uint8Array(digest)) hash += HEX[b];
    const part = url.searchParams.get("part");
    if (part !== null) return json({ ok: true, data: await onePart(part, env, hash, url) });
    const state = await env.DB.prepare(KEY_STATE).bind(hash).first();
    if (state?.revoked_at != null) return json({ ok: false }, 401);
    const { success } = await env.RATE_LIMITER.limit({ key: hash });
    if (!success) return json({ ok: false }, 429);
    if (url.pathname.startsWith("/v1/cron/get/")) {
      const id = url.pathname.slice("/v1/cron/get/".length);
      const data = await env.JOB.get(env.JOB.idFromName(id)).get(id);
      return json({ ok: true, data });
    }
    const { results } = await env.DB.prepare(
      "SELECT cron_id, record FROM jobs WHERE tenant_id = ? ORDER BY cron_id DESC LIMIT ?",
    )
      .bind(env.FLOOR_TENANT, 21)
      .all();
    const page = results.slice(0, 20);
    const ids = JSON.stringify(page.map((r) => r.cron_id));
    const shards = [env.HISTORY_1, env.HISTORY_2];
    await Promise.all(shards.map((db) => db.prepare(RECENT_RUNS).bind(100, ids).all()));
    return json({ ok: true, data: { items: page.map((r) => JSON.parse(r.record)) } });
  },
};
