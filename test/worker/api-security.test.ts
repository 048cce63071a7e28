// The shared security cases for every route: no key, a wrong key, a malformed
// header, and another tenant's ids — which must look exactly like missing ones.
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { routes } from "../../src/api/routes";
import { api, createKey, receiverUrl } from "./helpers";

const FAKE_ID = "cron_01M85C67QJY8V9G5E3MR1PNZDM";
const FAKE_RUN = "run_01M85C67QJY8V9G5E3MR1PNZDM";

type Call = [method: string, path: (id: string, run: string) => string, body?: unknown];
/** Bodies that would succeed, by operation (the seed's spellings where it has them). */
const BODIES: Record<string, unknown> = {
  "cron.create": { cron_expr: "0 9 * * 1", task_url: "https://api.acme.com/weekly" },
  "cron.update": { name: "x" },
  "cron.pause": { cron_id: "ignored" },
  "cron.resume": {},
  "cron.trigger": { job_id: "ignored" },
  "cron.retention.set": { retention_days: 3 },
  "cron.preview": { schedule: "* * * * *" },
  "cron.backfill": { from: "2026-01-01T00:00:00Z", to: "2026-01-01T00:10:00Z" },
};
const fill = (path: string, id: string, run: string) =>
  path.replace(/:(\w+)/g, (_m, name: string) => {
    if (name === "id") return id;
    if (name === "run_id") return run;
    throw new Error(`${path}: no test value for path parameter :${name}`);
  });
/** Every registered route (src/api/routes), so that a new one cannot escape these cases. */
const ROUTES: Call[] = routes.map((r) => [
  r.method,
  (id, run) => fill(r.path, id, run),
  BODIES[r.operation],
]);

describe("the routes under test", () => {
  it("are the registered ones, each with a body where it takes one", () => {
    expect(ROUTES.map(([m, path]) => `${m} ${path(":id", ":run_id")}`).sort()).toEqual(
      routes.map((r) => `${r.method} ${r.path}`).sort(),
    );
    expect(
      routes
        .filter((r) => ["POST", "PUT", "PATCH"].includes(r.method) && !(r.operation in BODIES))
        .map((r) => r.operation),
      "operations without a body in BODIES",
    ).toEqual([]);
  });
});

describe("authentication on every route", () => {
  const badHeaders: Array<[string, Record<string, string>]> = [
    ["no header", {}],
    ["wrong key", { authorization: "Bearer crondo_not_a_real_key" }],
    ["basic scheme", { authorization: "Basic dXNlcjpwYXNz" }],
    ["bearer without key", { authorization: "Bearer " }],
    ["key with spaces", { authorization: "Bearer a b c" }],
    ["huge key", { authorization: `Bearer ${"k".repeat(5000)}` }],
  ];
  for (const [method, path, body] of ROUTES) {
    for (const [label, headers] of badHeaders) {
      it(`${method} ${path(":id", ":run")} — ${label} → 401`, async () => {
        const res = await api(method, path(FAKE_ID, FAKE_RUN), null, body, headers);
        expect(res.status).toBe(401);
        expect(res.body).toMatchObject({ ok: false, error: { code: "UNAUTHORIZED" } });
        expect(res.headers.get("x-request-id")).toMatch(/^req_/);
      });
    }
  }

  it("a revoked key stops working at once", async () => {
    const key = await createKey("revoked");
    expect((await api("GET", "/v1/cron/list", key)).status).toBe(200);
    const { sha256Hex } = await import("../../src/lib/crypto");
    await env.KEYS.delete(`apikey:${await sha256Hex(key)}`);
    expect((await api("GET", "/v1/cron/list", key)).status).toBe(401);
  });
});

describe("tenant isolation on every route", () => {
  let owner: string;
  let intruder: string;
  let id: string;
  let runId: string;

  beforeAll(async () => {
    owner = await createKey("owner");
    intruder = await createKey("intruder");
    const job = await api("POST", "/v1/cron/create", owner, {
      schedule: "0 0 1 1 *",
      url: `${receiverUrl()}/ok/isolation`,
    });
    id = job.body.data.cron_id;
    runId = (await api("POST", `/v1/cron/trigger/${id}`, owner)).body.data.run_id;
  });

  for (const [method, path, body] of ROUTES) {
    const p = path(":id", ":run");
    if (!p.includes(":id")) continue;
    it(`${method} ${p} with another tenant's id → 404, and with a missing id → the same 404`, async () => {
      const theirs = await api(method, path(id, runId), intruder, body);
      const missing = await api(method, path(FAKE_ID, FAKE_RUN), intruder, body);
      expect(theirs.status).toBe(404);
      expect(theirs.body.error.code).toBe("NOT_FOUND");
      expect(missing.status).toBe(404);
      expect(theirs.body.error.message).toBe(missing.body.error.message);
    });
  }

  it("the owner's job is untouched by the intruder's attempts", async () => {
    const res = await api("GET", `/v1/cron/get/${id}`, owner);
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({ status: "active", retention_days: 30 });
    expect(res.body.data.name).toMatch(/^127\.0\.0\.1:\d+\/ok\/isolation$/);
    expect((await api("GET", `/v1/cron/runs/get/${id}/${runId}`, owner)).status).toBe(200);
    const list = await api("GET", "/v1/cron/list", intruder);
    expect(list.body.data.items).toEqual([]);
  });

  it("malformed ids are 404 too", async () => {
    for (const bad of ["nope", "cron_", "cron_lowercase0000000000000000", "..%2F..%2Fetc"]) {
      const res = await api("GET", `/v1/cron/get/${bad}`, owner);
      expect(res.status, bad).toBe(404);
    }
    const res = await api("GET", `/v1/cron/runs/get/${id}/run_bad`, owner);
    expect(res.status).toBe(404);
  });
});

describe("routing", () => {
  it("answers 405 with Allow for a known path and the wrong method, 404 for unknown paths", async () => {
    const key = await createKey("routing");
    const res = await api("GET", "/v1/cron/create", key);
    expect(res.status).toBe(405);
    expect(res.body.error.code).toBe("METHOD_NOT_ALLOWED");
    expect(res.headers.get("allow")).toBe("POST");
    const del = await api("POST", `/v1/cron/delete/${FAKE_ID}`, key);
    expect(del.status).toBe(405);
    const unknown = await api("GET", "/v1/cron/nothing-here", key);
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe("NOT_FOUND");
    const root = await api("GET", "/nothing", null);
    expect(root.status).toBe(404);
    expect(root.headers.get("x-request-id")).toMatch(/^req_/);
  });
});

describe("key lookup failure", () => {
  it("is a 500 INTERNAL (retryable), never a 401 for a key that may be valid", async () => {
    const { vi } = await import("vitest");
    const key = await createKey("kv-down");
    const spy = vi.spyOn(env.KEYS, "get").mockRejectedValueOnce(new Error("KV unavailable"));
    const res = await api("GET", "/v1/cron/list", key);
    expect(spy).toHaveBeenCalled();
    spy.mockRestore();
    expect(res.status).toBe(500);
    expect(res.body.error.code).toBe("INTERNAL");
    expect(JSON.stringify(res.body)).not.toContain("KV unavailable");
    expect((await api("GET", "/v1/cron/list", key)).status).toBe(200);
  });
});
