// API keys you can trust (SPEC §8, issue 20): scopes enforced on every registered route
// from the route's own declaration, expiry, revocation that does not wait for KV, and
// the last-use stamp written off the request's path at most once a minute.
import { createExecutionContext, env, SELF, waitOnExecutionContext } from "cloudflare:test";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { newApp } from "../../src/api/app";
import { routeScope } from "../../src/api/route";
import { routes } from "../../src/api/routes";
import { sha256Hex } from "../../src/lib/crypto";
import { keyStorageName } from "../../src/lib/key-names.mjs";
import { touchKey } from "../../src/store/api-keys";
import { TOUCH_KEY } from "../../src/store/api-keys-sql.mjs";
import { api, createKey, ROUTE_CALLS, receiverUrl, revokeKey, waitForRun } from "./helpers";

const TENANT = "keys";
let writer: string;
let cronId: string;
let runId: string;

beforeAll(async () => {
  writer = await createKey(TENANT);
  const job = await api("POST", "/v1/cron/create", writer, {
    schedule: "0 0 1 1 *",
    url: `${receiverUrl()}/ok/keys`,
  });
  expect(job.status).toBe(201);
  cronId = job.body.data.cron_id;
  const run = await api("POST", `/v1/cron/trigger/${cronId}`, writer);
  expect(run.status).toBe(200);
  runId = run.body.data.run_id;
  // Settled, so that the record only changes when a call changes it.
  await waitForRun(writer, cronId, runId);
});

afterEach(() => {
  vi.restoreAllMocks();
});

const rowOf = async (key: string) =>
  env.DB.prepare("SELECT * FROM api_keys WHERE key_hash = ?")
    .bind(await sha256Hex(key))
    .first<{ revoked_at: number | null; expires_at: number | null; last_used_at: number | null }>();

/** The job as its owner sees it: what a refused call must not have changed. */
const jobNow = async () => (await api("GET", `/v1/cron/get/${cronId}`, writer)).body.data;
/** The tenant's jobs and the job's runs: a refused create or trigger must add none. */
const tenantNow = async () => ({
  job: await jobNow(),
  jobs: (await api("GET", "/v1/cron/list?limit=100", writer)).body.data.items.length,
  runs: (await api("GET", `/v1/cron/runs/list/${cronId}?limit=100`, writer)).body.data.items.length,
});

describe("scopes come from each route's declaration", () => {
  it("a GET route needs read, every other method write, unless the route declares otherwise", () => {
    for (const r of routes)
      expect(routeScope(r), r.operation).toBe(r.method === "GET" ? "read" : "write");
    // A future GET /v1/cron/metrics is read-scoped by being a GET, or by saying so.
    expect(routeScope({ method: "GET" })).toBe("read");
    expect(routeScope({ method: "POST", scope: "read" })).toBe("read");
    expect(routeScope({ method: "GET", scope: "write" })).toBe("write");
  });
});

describe("a read-only key on every registered route", () => {
  let reader: string;
  beforeAll(async () => {
    reader = await createKey(TENANT, { scopes: ["read"] });
  });

  for (const call of ROUTE_CALLS) {
    const label = `${call.method} ${call.path(":id", ":run_id")}`;
    if (call.method === "GET") {
      it(`${label} → 200`, async () => {
        if (call.route.doc.contentType) {
          // Answered as text (GET /metrics: the Prometheus format), not as an envelope.
          const res = await SELF.fetch(`https://crondo.test${call.path(cronId, runId)}`, {
            headers: { authorization: `Bearer ${reader}` },
          });
          expect(res.status, await res.clone().text()).toBe(200);
          expect(res.headers.get("content-type")).toBe(call.route.doc.contentType);
          return;
        }
        const res = await api(call.method, call.path(cronId, runId), reader, call.body);
        expect(res.status, JSON.stringify(res.body)).toBe(200);
        expect(res.body.ok).toBe(true);
      });
    } else {
      it(`${label} → 403 FORBIDDEN, and nothing changes`, async () => {
        const before = await tenantNow();
        const res = await api(call.method, call.path(cronId, runId), reader, call.body);
        expect(res.status).toBe(403);
        expect(res.body).toEqual({
          ok: false,
          error: {
            code: "FORBIDDEN",
            message: expect.stringContaining('needs "write"'),
            details: [],
          },
        });
        expect(res.headers.get("x-request-id")).toMatch(/^req_/);
        expect(await tenantNow()).toEqual(before);
        // The same call with the read-write key of the same tenant is not refused.
        if (call.route.operation !== "cron.delete") {
          const allowed = await api(call.method, call.path(cronId, runId), writer, call.body);
          // The run of these tests has finished: cancelling it is refused for that, not the key.
          if (call.route.operation === "cron.runs.cancel")
            expect(allowed.body.error?.code, JSON.stringify(allowed.body)).toBe("RUN_FINISHED");
          else expect(allowed.status, JSON.stringify(allowed.body)).toBeLessThan(300);
          const started = allowed.body.data?.run_id;
          if (started) await waitForRun(writer, cronId, started);
        }
      });
    }
  }

  it("GET /v1/cron/key says what the key may do", async () => {
    const me = await api("GET", "/v1/cron/key", reader);
    expect(me.body.data).toMatchObject({ tenant_id: TENANT, scopes: ["read"], expires_at: null });
    expect(me.body.data.key_id).toBe((await sha256Hex(reader)).slice(0, 12));
    expect((await api("GET", "/v1/cron/key", writer)).body.data.scopes).toEqual(["read", "write"]);
  });
});

describe("an expired key", () => {
  it("is 401 on every route", async () => {
    const expired = await createKey(TENANT, { expiresAt: Date.now() - 1000 });
    for (const call of ROUTE_CALLS) {
      const res = await api(call.method, call.path(cronId, runId), expired, call.body);
      expect(res.status, `${call.method} ${call.route.path}`).toBe(401);
      expect(res.body.error).toMatchObject({
        code: "UNAUTHORIZED",
        message: "this API key has expired",
      });
    }
  });

  it("is refused by its D1 row even when the cached KV record says nothing of expiry", async () => {
    const key = await createKey(TENANT, { expiresAt: Date.now() + 60_000 });
    expect((await api("GET", "/v1/cron/list", key)).status).toBe(200);
    await env.DB.prepare("UPDATE api_keys SET expires_at = ? WHERE key_hash = ?")
      .bind(Date.now() - 1, await sha256Hex(key))
      .run();
    const legacyRecord = JSON.stringify({ tenant_id: TENANT, name: "test", created_at: "x" });
    vi.spyOn(env.KEYS, "get").mockResolvedValue(legacyRecord as never);
    expect((await api("GET", "/v1/cron/list", key)).status).toBe(401);
  });

  it("is refused by its KV record alone when it has no D1 row", async () => {
    const key = await createKey(TENANT, { expiresAt: Date.now() - 1000 });
    await env.DB.prepare("DELETE FROM api_keys WHERE key_hash = ?")
      .bind(await sha256Hex(key))
      .run();
    expect((await api("GET", "/v1/cron/list", key)).status).toBe(401);
  });

  it("works until then", async () => {
    const key = await createKey(TENANT, { expiresAt: Date.now() + 3_600_000 });
    expect((await api("GET", "/v1/cron/list", key)).status).toBe(200);
  });
});

describe("a revoked key, while KV (or an isolate's copy) still serves its old record", () => {
  /** KV as a stale cache would answer: the record as it was before the revocation. */
  async function staleKv(key: string) {
    const old = await env.KEYS.get(keyStorageName(await sha256Hex(key)));
    expect(old).not.toBeNull();
    return vi.spyOn(env.KEYS, "get").mockResolvedValue(old as never);
  }

  it("is refused on the very next request, and on every route", async () => {
    const key = await createKey(TENANT);
    expect((await api("GET", `/v1/cron/get/${cronId}`, key)).status).toBe(200);
    const kv = await staleKv(key);
    await revokeKey(key);
    expect(await env.KEYS.get(keyStorageName(await sha256Hex(key)))).not.toBeNull(); // stale
    const before = await jobNow();
    for (const call of ROUTE_CALLS) {
      const res = await api(call.method, call.path(cronId, runId), key, call.body);
      expect(res.status, `${call.method} ${call.route.path}`).toBe(401);
      expect(res.body).toMatchObject({
        ok: false,
        error: { code: "UNAUTHORIZED", message: "this API key has been revoked" },
      });
    }
    // Who the key is came from a stale layer — KV's cache (the spy) or this isolate's
    // copy of the record (src/api/auth.ts, read by the first request): D1 refused it.
    kv.mockRestore();
    expect(await jobNow()).toEqual(before);
    expect((await rowOf(key))?.revoked_at).toBeGreaterThan(0);
  });

  it("a key from before scopes and api_keys works read-write until revoked, then is refused", async () => {
    const legacy = await createKey(TENANT, { legacy: true });
    expect(await rowOf(legacy)).toBeNull();
    const created = await api("POST", "/v1/cron/create", legacy, {
      schedule: "0 0 1 1 *",
      url: `${receiverUrl()}/ok/legacy`,
    });
    expect(created.status).toBe(201);
    expect((await api("GET", "/v1/cron/key", legacy)).body.data.scopes).toEqual(["read", "write"]);
    await staleKv(legacy);
    await revokeKey(legacy, { keepKv: true });
    expect((await api("GET", "/v1/cron/list", legacy)).status).toBe(401);
    expect(
      (await api("DELETE", `/v1/cron/delete/${created.body.data.cron_id}`, legacy)).status,
    ).toBe(401);
  });

  it("a D1 failure is a 500 (retryable), never a pass or a 401", async () => {
    const key = await createKey(TENANT);
    const prepare = env.DB.prepare.bind(env.DB);
    vi.spyOn(env.DB, "prepare").mockImplementation((sql: string) => {
      if (sql.startsWith("SELECT revoked_at")) throw new Error("D1 unavailable");
      return prepare(sql);
    });
    const res = await api("GET", "/v1/cron/list", key);
    expect(res.status).toBe(500);
    expect(res.body.error.code).toBe("INTERNAL");
  });
});

describe("last_used_at", () => {
  const worker = newApp();
  /** One request straight to the app with an execution context the test can wait on. */
  async function call(key: string) {
    const ctx = createExecutionContext();
    const waitUntil = vi.spyOn(ctx, "waitUntil");
    const res = await worker.fetch(
      new Request("https://crondo.test/v1/cron/list", {
        headers: { authorization: `Bearer ${key}` },
      }),
      env,
      ctx,
    );
    expect(res.status).toBe(200);
    return { ctx, waitUntil };
  }

  it("is written off the request's path: the answer does not wait for the write", async () => {
    const key = await createKey(TENANT);
    expect((await rowOf(key))?.last_used_at).toBeNull();
    // Hold the write until the answer is in hand.
    let release!: () => void;
    const held = new Promise<void>((r) => {
      release = r;
    });
    const prepare = env.DB.prepare.bind(env.DB);
    vi.spyOn(env.DB, "prepare").mockImplementation((sql: string) => {
      const stmt = prepare(sql);
      if (sql !== TOUCH_KEY) return stmt;
      return {
        bind: (...args: unknown[]) => {
          const bound = stmt.bind(...args);
          return {
            run: async () => {
              await held;
              return bound.run();
            },
          };
        },
      } as unknown as D1PreparedStatement;
    });
    const started = Date.now();
    const { ctx, waitUntil } = await call(key);
    expect(waitUntil).toHaveBeenCalledTimes(1);
    expect((await rowOf(key))?.last_used_at).toBeNull(); // answered, not yet written
    release();
    await waitOnExecutionContext(ctx);
    const used = (await rowOf(key))?.last_used_at ?? 0;
    expect(used).toBeGreaterThanOrEqual(started);
    expect(used).toBeLessThanOrEqual(Date.now());
  });

  it("is written at most once a minute per key", async () => {
    const key = await createKey(TENANT);
    const first = await call(key);
    await waitOnExecutionContext(first.ctx);
    const stamped = (await rowOf(key))?.last_used_at;
    expect(stamped).toBeGreaterThan(0);
    // The next uses within the minute hand no write to waitUntil at all…
    for (let i = 0; i < 3; i++) {
      const next = await call(key);
      expect(next.waitUntil).not.toHaveBeenCalled();
      await waitOnExecutionContext(next.ctx);
    }
    expect((await rowOf(key))?.last_used_at).toBe(stamped);
    // …and the store refuses a write within the minute from any other isolate.
    const record = {
      key_hash: await sha256Hex(key),
      tenant_id: TENANT,
      name: "test",
      scopes: ["read"],
      created_at: "",
    };
    await touchKey(env.DB, record, stamped! + 59_000);
    expect((await rowOf(key))?.last_used_at).toBe(stamped);
    await touchKey(env.DB, record, stamped! + 60_000);
    expect((await rowOf(key))?.last_used_at).toBe(stamped! + 60_000);
  });

  it("gives a key from before api_keys its row, with its record's scopes", async () => {
    const legacy = await createKey(TENANT, { legacy: true });
    const { ctx } = await call(legacy);
    await waitOnExecutionContext(ctx);
    const row = await env.DB.prepare("SELECT * FROM api_keys WHERE key_hash = ?")
      .bind(await sha256Hex(legacy))
      .first<{ tenant_id: string; scopes: string; last_used_at: number; revoked_at: null }>();
    expect(row).toMatchObject({ tenant_id: TENANT, scopes: '["read","write"]', revoked_at: null });
    expect(row?.last_used_at).toBeGreaterThan(0);
  });
});

describe("the OpenAPI document", () => {
  it("documents FORBIDDEN exactly on the routes a read-only key cannot call", async () => {
    const doc = (await (await newApp().request("/v1/openapi.json")).json()) as any;
    for (const r of routes) {
      const op = doc.paths[r.path.replace(/:([a-z_]+)/g, "{$1}")][r.method.toLowerCase()];
      const forbidden = (op.responses["403"]?.description ?? "").includes("FORBIDDEN");
      expect(forbidden, r.operation).toBe(routeScope(r) === "write");
      expect(op["x-crondo-scope"], r.operation).toBe(routeScope(r));
    }
  });
});
