// The "bindings floor" of the API latency benchmark (scripts/bench/api-latency.mjs):
// the binding calls crondo's get and list cannot do without, with none of crondo's own
// code around them — where the bare Worker (bare-worker.js) does nothing at all. Per
// request: the key's SHA-256 and its D1 row (what refuses a revoked key, SPEC §8: read
// on every request), the rate limiter (SPEC §8), then for get the job's Durable Object
// (one RPC, the record held in memory) and for list one page of the jobs index plus one
// statement per history shard for the page's run summaries (crondo's own statements:
// src/store/api-keys-sql.mjs, src/store/stats.ts). No KV read: crondo keeps the key's
// KV record in the isolate (src/api/auth.ts).
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
