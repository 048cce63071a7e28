import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { api, createKey, receiverUrl, waitForRun } from "./helpers";

const body = {
  cron_expr: "0 9 * * 1",
  task_type: "http_url",
  task_url: "https://api.acme.com/weekly",
};
const listCount = async (key: string) =>
  (await api("GET", "/v1/cron/list?limit=100", key)).body.data.items.length;

describe("idempotency keys (SPEC §9)", () => {
  it("replays the first create for the same key (header), with Idempotent-Replayed", async () => {
    const key = await createKey("idem-header");
    const first = await api("POST", "/v1/cron/create", key, body, { "Idempotency-Key": "k1" });
    const again = await api("POST", "/v1/cron/create", key, body, { "Idempotency-Key": "k1" });
    expect(first.status).toBe(201);
    expect(first.headers.get("idempotent-replayed")).toBeNull();
    expect(again.status).toBe(201);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(again.body).toEqual(first.body);
    expect(await listCount(key)).toBe(1);
  });

  it("accepts the key in the body, and refuses a header that disagrees", async () => {
    const key = await createKey("idem-body");
    const first = await api("POST", "/v1/cron/create", key, { ...body, idempotency_key: "b1" });
    const again = await api("POST", "/v1/cron/create", key, { ...body, idempotency_key: "b1" });
    expect(again.body.data.cron_id).toBe(first.body.data.cron_id);
    const same = await api(
      "POST",
      "/v1/cron/create",
      key,
      { ...body, idempotency_key: "b1" },
      { "Idempotency-Key": "b1" },
    );
    expect(same.body.data.cron_id).toBe(first.body.data.cron_id);
    const clash = await api(
      "POST",
      "/v1/cron/create",
      key,
      { ...body, idempotency_key: "b2" },
      { "Idempotency-Key": "b3" },
    );
    expect(clash.status).toBe(400);
    expect(await listCount(key)).toBe(1);
  });

  it("409 IDEMPOTENCY_CONFLICT for a different request under the same key", async () => {
    const key = await createKey("idem-conflict");
    await api("POST", "/v1/cron/create", key, body, { "Idempotency-Key": "c1" });
    const other = await api(
      "POST",
      "/v1/cron/create",
      key,
      { ...body, name: "different" },
      { "Idempotency-Key": "c1" },
    );
    expect(other.status).toBe(409);
    expect(other.body.error.code).toBe("IDEMPOTENCY_CONFLICT");
    expect(await listCount(key)).toBe(1);
  });

  it("8 concurrent creates with one key produce one job", async () => {
    const key = await createKey("idem-concurrent");
    const results = await Promise.all(
      Array.from({ length: 8 }, () =>
        api("POST", "/v1/cron/create", key, body, { "Idempotency-Key": "same" }),
      ),
    );
    for (const r of results) expect(r.status).toBe(201);
    expect(new Set(results.map((r) => r.body.data.cron_id)).size).toBe(1);
    expect(results.filter((r) => r.headers.get("idempotent-replayed") === "true")).toHaveLength(7);
    expect(await listCount(key)).toBe(1);
    const n = await env.DB.prepare(
      "SELECT COUNT(*) AS n FROM jobs WHERE tenant_id = 'idem-concurrent'",
    ).first<{ n: number }>();
    expect(n!.n).toBe(1);
  });

  it("is scoped to tenant and operation", async () => {
    const a = await createKey("idem-scope-a");
    const b = await createKey("idem-scope-b");
    const ja = await api("POST", "/v1/cron/create", a, body, { "Idempotency-Key": "shared" });
    const jb = await api("POST", "/v1/cron/create", b, body, { "Idempotency-Key": "shared" });
    expect(jb.headers.get("idempotent-replayed")).toBeNull();
    expect(jb.body.data.cron_id).not.toBe(ja.body.data.cron_id);
    const id = ja.body.data.cron_id;
    const paused = await api("POST", `/v1/cron/pause/${id}`, a, {}, { "Idempotency-Key": "op" });
    const resumed = await api("POST", `/v1/cron/resume/${id}`, a, {}, { "Idempotency-Key": "op" });
    expect(paused.body.data.status).toBe("paused");
    expect(resumed.body.data.status).toBe("active");
    expect(resumed.headers.get("idempotent-replayed")).toBeNull();
  });

  it("a repeated delete replays the first answer; without a key the second is 404", async () => {
    const key = await createKey("idem-delete");
    const id = (await api("POST", "/v1/cron/create", key, body)).body.data.cron_id;
    const first = await api("DELETE", `/v1/cron/delete/${id}`, key, undefined, {
      "Idempotency-Key": "d1",
    });
    const again = await api("DELETE", `/v1/cron/delete/${id}`, key, undefined, {
      "Idempotency-Key": "d1",
    });
    expect(first.status).toBe(200);
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ ok: true, data: { cron_id: id, deleted: true } });
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect((await api("DELETE", `/v1/cron/delete/${id}`, key)).status).toBe(404);
  });

  it("a repeated trigger starts one run", async () => {
    const key = await createKey("idem-trigger");
    const id = (
      await api("POST", "/v1/cron/create", key, {
        ...body,
        task_url: `${receiverUrl()}/ok/idem-trigger`,
      })
    ).body.data.cron_id;
    const t1 = await api("POST", `/v1/cron/trigger/${id}`, key, { idempotency_key: "t" });
    const t2 = await api("POST", `/v1/cron/trigger/${id}`, key, { idempotency_key: "t" });
    expect(t2.body.data.run_id).toBe(t1.body.data.run_id);
    await waitForRun(key, id, t1.body.data.run_id);
    const runs = await api("GET", `/v1/cron/runs/list/${id}`, key);
    expect(runs.body.data.items).toHaveLength(1);
  });

  it("update and retention.set replay too; an expired key is forgotten", async () => {
    const key = await createKey("idem-update");
    const id = (await api("POST", "/v1/cron/create", key, body)).body.data.cron_id;
    const u1 = await api("PATCH", `/v1/cron/update/${id}`, key, {
      name: "one",
      idempotency_key: "u",
    });
    await api("PATCH", `/v1/cron/update/${id}`, key, { name: "two" });
    const u2 = await api("PATCH", `/v1/cron/update/${id}`, key, {
      name: "one",
      idempotency_key: "u",
    });
    expect(u2.headers.get("idempotent-replayed")).toBe("true");
    expect(u2.body).toEqual(u1.body);
    expect((await api("GET", `/v1/cron/get/${id}`, key)).body.data.name).toBe("two");

    const r1 = await api(
      "PUT",
      `/v1/cron/retention/set/${id}`,
      key,
      { retention_days: 7 },
      { "Idempotency-Key": "r" },
    );
    expect(r1.body.data.retention_days).toBe(7);
    await env.DB.prepare(
      "UPDATE idempotency SET expires_at = 0 WHERE tenant_id = 'idem-update' AND key = 'r'",
    ).run();
    const r2 = await api(
      "PUT",
      `/v1/cron/retention/set/${id}`,
      key,
      { retention_days: 9 },
      { "Idempotency-Key": "r" },
    );
    expect(r2.status).toBe(200);
    expect(r2.headers.get("idempotent-replayed")).toBeNull();
    expect(r2.body.data.retention_days).toBe(9);
  });

  it("a validation error is replayed, not re-run; reads ignore keys", async () => {
    const key = await createKey("idem-errors");
    const bad = await api(
      "POST",
      "/v1/cron/create",
      key,
      { shedule: "x" },
      { "Idempotency-Key": "v" },
    );
    const again = await api(
      "POST",
      "/v1/cron/create",
      key,
      { shedule: "x" },
      { "Idempotency-Key": "v" },
    );
    expect(bad.status).toBe(400);
    expect(again.status).toBe(400);
    expect(again.body).toEqual(bad.body);
    const list = await api("GET", "/v1/cron/list", key, undefined, { "Idempotency-Key": "v" });
    expect(list.status).toBe(200);
  });
});
