// SPEC §11–§12 in the Workers runtime with real D1, KV, Durable Objects and a real
// receiver: replay (one and many), cancel, pause_after_failures, notify_url events with
// retries, rotate-secret, the audit log and the tenant-wide runs list — and every bad
// input of issue 16 answered with the envelope and nothing changed.
import { describe, expect, it } from "vitest";
import { sha256Hex } from "../../src/lib/crypto";
import { verifyCrondoSignature } from "../../src/lib/signature";
import { waitFor } from "../helpers/wait";
import {
  api,
  createKey,
  receiverLog,
  receiverUrl,
  script,
  uniquePath,
  waitForRun,
} from "./helpers";

const FAR = "0 0 1 1 *"; // yearly: only manual triggers fire in these tests

async function newJob(key: string, fields: Record<string, unknown>) {
  const res = await api("POST", "/v1/cron/create", key, { schedule: FAR, ...fields });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.data;
}

async function trigger(key: string, cronId: string): Promise<string> {
  const res = await api("POST", `/v1/cron/trigger/${cronId}`, key);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.data.run_id;
}

/** Every run of a job (newest first) and the job's record: what "nothing changed" compares. */
async function snapshot(key: string, cronId: string) {
  const runs = await api("GET", `/v1/cron/runs/list/${cronId}?limit=100`, key);
  const job = await api("GET", `/v1/cron/get/${cronId}`, key);
  const { updated_at: _u, next_run_at: _n, ...record } = job.body.data;
  return { runs: runs.body.data.items, record };
}

function expectError(res: { status: number; body: any }, status: number, code: string) {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(res.body).toMatchObject({ ok: false, error: { code } });
  expect(typeof res.body.error.message).toBe("string");
}

describe("replay", () => {
  it("one run: 201, a new run with trigger replay and replay_of, delivered again", async () => {
    const key = await createKey("replay-one");
    const path = uniquePath("status/500");
    const job = await newJob(key, { url: `${receiverUrl()}${path}`, retries: 0 });
    const original = await waitForRun(key, job.cron_id, await trigger(key, job.cron_id));
    expect(original.state).toBe("failed");
    const res = await api("POST", `/v1/cron/runs/replay/${job.cron_id}/${original.run_id}`, key);
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body.data).toMatchObject({
      trigger: "replay",
      replay_of: original.run_id,
      scheduled_for: original.scheduled_for,
    });
    expect(res.body.data.run_id).not.toBe(original.run_id);
    const replayed = await waitForRun(key, job.cron_id, res.body.data.run_id);
    expect(replayed).toMatchObject({ state: "failed", replay_of: original.run_id });
    const reqs = await receiverLog(path);
    expect(reqs.map((r) => r.headers["x-cron-run-id"])).toEqual([original.run_id, replayed.run_id]);
  });

  it("many: 202 with the new run ids, delivered oldest first, one after another", async () => {
    const key = await createKey("replay-many");
    const path = uniquePath("status/500");
    const job = await newJob(key, { url: `${receiverUrl()}${path}`, retries: 0 });
    const originals: string[] = [];
    for (let i = 0; i < 3; i++) {
      originals.push((await waitForRun(key, job.cron_id, await trigger(key, job.cron_id))).run_id);
    }
    const res = await api("POST", `/v1/cron/runs/replay/${job.cron_id}`, key, {});
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    expect(res.body.data).toMatchObject({ cron_id: job.cron_id, replayed: 3 });
    const ids: string[] = res.body.data.run_ids;
    const runs = [];
    for (const id of ids) runs.push(await waitForRun(key, job.cron_id, id));
    expect(runs.map((r) => r.replay_of)).toEqual(originals); // oldest first
    expect(runs.every((r) => r.trigger === "replay")).toBe(true);
    // One after another: each started after the previous one finished.
    for (let i = 1; i < runs.length; i++) {
      expect(Date.parse(runs[i]!.started_at)).toBeGreaterThanOrEqual(
        Date.parse(runs[i - 1]!.finished_at),
      );
    }
    // A state filter that matches nothing replays nothing.
    const none = await api("POST", `/v1/cron/runs/replay/${job.cron_id}`, key, {
      state: "succeeded",
    });
    expect(none.status).toBe(202);
    expect(none.body.data).toEqual({ cron_id: job.cron_id, replayed: 0, run_ids: [] });
  });

  it("an idempotency key replays the first answer and replays the run once", async () => {
    const key = await createKey("replay-idem");
    const job = await newJob(key, { url: `${receiverUrl()}${uniquePath()}`, retries: 0 });
    const run = await waitForRun(key, job.cron_id, await trigger(key, job.cron_id));
    const headers = { "idempotency-key": `k-${crypto.randomUUID()}` };
    const path = `/v1/cron/runs/replay/${job.cron_id}/${run.run_id}`;
    const a = await api("POST", path, key, {}, headers);
    const b = await api("POST", path, key, {}, headers);
    expect(a.status).toBe(201);
    expect(b.status).toBe(201);
    expect(b.headers.get("idempotent-replayed")).toBe("true");
    expect(b.body.data.run_id).toBe(a.body.data.run_id);
    const all = await api("GET", `/v1/cron/runs/list/${job.cron_id}`, key);
    expect(all.body.data.items).toHaveLength(2);
  });

  describe("bad input: the envelope, nothing changed", () => {
    it("a run in progress: 409 RUN_IN_PROGRESS", async () => {
      const key = await createKey("replay-busy");
      const job = await newJob(key, {
        url: `${receiverUrl()}${uniquePath("hang")}`,
        timeout_seconds: 60,
      });
      const runId = await trigger(key, job.cron_id);
      const before = await snapshot(key, job.cron_id);
      const res = await api("POST", `/v1/cron/runs/replay/${job.cron_id}/${runId}`, key);
      expectError(res, 409, "RUN_IN_PROGRESS");
      expect(await snapshot(key, job.cron_id)).toEqual(before);
      await api("POST", `/v1/cron/runs/cancel/${job.cron_id}/${runId}`, key);
    });

    it("an unknown run, another job's run, another tenant's run or job: 404", async () => {
      const key = await createKey("replay-a");
      const other = await createKey("replay-b");
      const mine = await newJob(key, { url: `${receiverUrl()}${uniquePath()}` });
      const mine2 = await newJob(key, { url: `${receiverUrl()}${uniquePath()}` });
      const theirs = await newJob(other, { url: `${receiverUrl()}${uniquePath()}` });
      const myRun = await waitForRun(key, mine2.cron_id, await trigger(key, mine2.cron_id));
      const theirRun = await waitForRun(
        other,
        theirs.cron_id,
        await trigger(other, theirs.cron_id),
      );
      const before = await snapshot(key, mine.cron_id);
      const cases = [
        `/v1/cron/runs/replay/${mine.cron_id}/run_01M85C67QJY8V9G5E3MR1PNZDM`,
        `/v1/cron/runs/replay/${mine.cron_id}/${myRun.run_id}`, // a run of another job
        `/v1/cron/runs/replay/${mine.cron_id}/${theirRun.run_id}`,
        `/v1/cron/runs/replay/${theirs.cron_id}/${theirRun.run_id}`,
        `/v1/cron/runs/replay/${mine.cron_id}/not-a-run-id`,
      ];
      for (const path of cases) expectError(await api("POST", path, key), 404, "NOT_FOUND");
      expectError(
        await api("POST", `/v1/cron/runs/replay/${theirs.cron_id}`, key, {}),
        404,
        "NOT_FOUND",
      );
      expect(await snapshot(key, mine.cron_id)).toEqual(before);
      expect((await snapshot(other, theirs.cron_id)).runs).toHaveLength(1);
    });

    it("a bulk replay over 1,000, of a state in progress, or with an unknown field: 400", async () => {
      const key = await createKey("replay-bad");
      const job = await newJob(key, {
        url: `${receiverUrl()}${uniquePath("status/500")}`,
        retries: 0,
      });
      await waitForRun(key, job.cron_id, await trigger(key, job.cron_id));
      const before = await snapshot(key, job.cron_id);
      const path = `/v1/cron/runs/replay/${job.cron_id}`;
      for (const [body, field] of [
        [{ limit: 1001 }, "limit"],
        [{ limit: 0 }, "limit"],
        [{ state: "running" }, "state"],
        [{ state: "nope" }, "state"],
        [{ from: "yesterday" }, "from"],
        [{ from: "2026-06-02T00:00:00Z", to: "2026-06-01T00:00:00Z" }, "from"],
        [{ stat: "failed" }, "stat"],
      ] as const) {
        const res = await api("POST", path, key, body);
        expectError(res, 400, "VALIDATION_ERROR");
        expect(JSON.stringify(res.body.error.details), JSON.stringify(body)).toContain(field);
      }
      expect(await snapshot(key, job.cron_id)).toEqual(before);
    });
  });
});

describe("cancel", () => {
  it("a hanging run: cancelled at once, its attempt aborted, no retry; a second cancel is 409", async () => {
    const key = await createKey("cancel");
    const job = await newJob(key, {
      url: `${receiverUrl()}${uniquePath("hang")}`,
      timeout_seconds: 60,
      retries: 3,
      retry_backoff_seconds: 1,
    });
    const runId = await trigger(key, job.cron_id);
    await waitFor(
      async () =>
        (await api("GET", `/v1/cron/runs/get/${job.cron_id}/${runId}`, key)).status === 200,
      { what: "the run to be recorded" },
    );
    const res = await api("POST", `/v1/cron/runs/cancel/${job.cron_id}/${runId}`, key);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const hash = await sha256Hex(key);
    expect(res.body.data).toMatchObject({
      run_id: runId,
      state: "cancelled",
      error: `cancelled by key:${hash.slice(0, 12)}`,
    });
    expect(res.body.data.attempt_log).toHaveLength(1);
    const again = await api("POST", `/v1/cron/runs/cancel/${job.cron_id}/${runId}`, key);
    expectError(again, 409, "RUN_FINISHED");
    // Still cancelled after the retry's backoff would have passed: no further attempt.
    await new Promise((r) => setTimeout(r, 1500));
    const run = await api("GET", `/v1/cron/runs/get/${job.cron_id}/${runId}`, key);
    expect(run.body.data).toMatchObject({ state: "cancelled", attempts: 1 });
    const rec = await api("GET", `/v1/cron/get/${job.cron_id}`, key);
    expect(rec.body.data.consecutive_failures).toBe(0);
  });

  it("a finished run: 409 RUN_FINISHED; an unknown one or another tenant's: 404; nothing changed", async () => {
    const key = await createKey("cancel-bad");
    const other = await createKey("cancel-other");
    const job = await newJob(key, { url: `${receiverUrl()}${uniquePath()}` });
    const run = await waitForRun(key, job.cron_id, await trigger(key, job.cron_id));
    const before = await snapshot(key, job.cron_id);
    expectError(
      await api("POST", `/v1/cron/runs/cancel/${job.cron_id}/${run.run_id}`, key),
      409,
      "RUN_FINISHED",
    );
    expectError(
      await api("POST", `/v1/cron/runs/cancel/${job.cron_id}/run_01M85C67QJY8V9G5E3MR1PNZDM`, key),
      404,
      "NOT_FOUND",
    );
    expectError(
      await api("POST", `/v1/cron/runs/cancel/${job.cron_id}/${run.run_id}`, other),
      404,
      "NOT_FOUND",
    );
    expect(await snapshot(key, job.cron_id)).toEqual(before);
  });
});

describe("pause_after_failures and notify_url", () => {
  it("pauses itself at the N-th failure; the notify URL gets run.failed ×N then job.paused, signed", async () => {
    const key = await createKey("autopause");
    const hook = uniquePath("ok/hook");
    const job = await newJob(key, {
      url: `${receiverUrl()}${uniquePath("status/500")}`,
      retries: 0,
      pause_after_failures: 2,
      notify_url: `${receiverUrl()}${hook}`,
      notify_events: ["run.failed", "job.paused", "run.recovered"],
    });
    expect(job).toMatchObject({ pause_after_failures: 2, paused_reason: null });
    await waitForRun(key, job.cron_id, await trigger(key, job.cron_id));
    expect((await api("GET", `/v1/cron/get/${job.cron_id}`, key)).body.data.status).toBe("active");
    await waitForRun(key, job.cron_id, await trigger(key, job.cron_id));
    const rec = (await api("GET", `/v1/cron/get/${job.cron_id}`, key)).body.data;
    expect(rec).toMatchObject({
      status: "paused",
      enabled: false,
      paused_reason: "consecutive_failures",
      next_run_at: null,
      consecutive_failures: 2,
    });
    const events = await waitFor(
      async () => {
        const r = await receiverLog(hook);
        return r.length >= 3 ? r : null;
      },
      { what: "three events" },
    );
    const bodies = events.map((e) => JSON.parse(e.body));
    expect(bodies.map((b) => b.type)).toEqual(["run.failed", "run.failed", "job.paused"]);
    for (const [i, e] of events.entries()) {
      expect(bodies[i].id).toMatch(/^evt_[0-9A-Z]{26}$/);
      expect(e.headers["idempotency-key"]).toBe(bodies[i].id);
      const v = await verifyCrondoSignature(e.body, e.headers["x-cron-signature"], {
        secret: job.signing_secret,
      });
      expect(v.ok).toBe(true);
    }
    expect(bodies[2].data).toMatchObject({
      cron_id: job.cron_id,
      name: job.name,
      paused_reason: "consecutive_failures",
    });
    expect(bodies[0].data.run).toMatchObject({ cron_id: job.cron_id, state: "failed" });
    // The system's pause is in the audit log.
    const audit = await api("GET", `/v1/cron/audit/${job.cron_id}`, key);
    expect(audit.body.data.items[0]).toMatchObject({ action: "pause", actor: "system" });
    // Resume clears paused_reason.
    const resumed = await api("POST", `/v1/cron/resume/${job.cron_id}`, key);
    expect(resumed.body.data).toMatchObject({ status: "active", paused_reason: null });
  });

  it("a failing notify URL is retried with the same event id and Idempotency-Key", async () => {
    const key = await createKey("notify-retry");
    const name = `hook-${crypto.randomUUID()}`;
    await script(name, [500, 503, 200]);
    const hook = `/script/${name}/x`;
    const job = await newJob(key, {
      url: `${receiverUrl()}${uniquePath()}`,
      notify_url: `${receiverUrl()}${hook}`,
      notify_events: ["run.succeeded"],
    });
    const run = await waitForRun(key, job.cron_id, await trigger(key, job.cron_id));
    expect(run.state).toBe("succeeded");
    const sends = await waitFor(
      async () => {
        const r = await receiverLog(hook);
        return r.length >= 3 ? r : null;
      },
      { what: "the event's three sends", timeoutMs: 20_000 },
    );
    const ids = sends.map((s) => JSON.parse(s.body).id);
    expect(new Set(ids).size).toBe(1);
    expect(sends.map((s) => s.headers["idempotency-key"])).toEqual(ids);
    expect(sends[1]!.received_at - sends[0]!.received_at).toBeGreaterThanOrEqual(900);
  });

  it("a hanging notify URL delays neither the job's runs nor anything but the events behind it", async () => {
    const key = await createKey("notify-hang");
    const hook = uniquePath("hang");
    const target = uniquePath();
    const job = await newJob(key, {
      url: `${receiverUrl()}${target}`,
      notify_url: `${receiverUrl()}${hook}`,
      notify_events: ["run.succeeded"],
    });
    const runs = [];
    for (let i = 0; i < 3; i++)
      runs.push(await waitForRun(key, job.cron_id, await trigger(key, job.cron_id)));
    expect(runs.every((r) => r.state === "succeeded")).toBe(true);
    const sends = await receiverLog(hook);
    // Only the first event has been sent (and maybe retried, on a slow machine): the
    // events behind it wait for it, in order …
    expect(sends.length).toBeGreaterThanOrEqual(1);
    expect(new Set(sends.map((r) => JSON.parse(r.body).id)).size).toBe(1);
    expect(JSON.parse(sends[0]!.body).data.run.run_id).toBe(runs[0]!.run_id);
    // … while the three runs were each delivered, the later ones after it started hanging.
    expect((await receiverLog(target)).map((r) => r.headers["x-cron-run-id"])).toEqual(
      runs.map((r) => r.run_id),
    );
    expect(Date.parse(runs[2]!.finished_at)).toBeGreaterThan(sends[0]!.received_at);
    await api("DELETE", `/v1/cron/delete/${job.cron_id}`, key); // stops its outbox
  });

  it("on_failure_webhook keeps working beside notify_url; a manual pause says manual", async () => {
    const key = await createKey("legacy-hook");
    const job = await newJob(key, {
      url: `${receiverUrl()}${uniquePath()}`,
      on_failure_webhook: `${receiverUrl()}${uniquePath()}`,
    });
    expect(job).toMatchObject({ notify_url: null, notify_events: ["run.failed"] });
    const paused = await api("POST", `/v1/cron/pause/${job.cron_id}`, key);
    expect(paused.body.data).toMatchObject({ status: "paused", paused_reason: "manual" });
  });

  it("unknown event names, a bad pause_after_failures: 400, nothing created or changed", async () => {
    const key = await createKey("notify-bad");
    const base = { url: `${receiverUrl()}${uniquePath()}` };
    for (const [fields, path] of [
      [{ notify_events: ["run.exploded"] }, "notify_events"],
      [{ notify_events: ["run.failed", "run.failed"] }, "notify_events"],
      [{ notify_events: "run.failed" }, "notify_events"],
      [{ pause_after_failures: 0 }, "pause_after_failures"],
      [{ pause_after_failures: 101 }, "pause_after_failures"],
      [{ notify_url: "ftp://example.com/x" }, "notify_url"],
    ] as const) {
      const res = await api("POST", "/v1/cron/create", key, { schedule: FAR, ...base, ...fields });
      expect(res.status, JSON.stringify(res.body)).toBe(400);
      expect(["VALIDATION_ERROR", "INVALID_URL"]).toContain(res.body.error.code);
      expect(JSON.stringify(res.body.error.details)).toContain(path);
    }
    expect((await api("GET", "/v1/cron/list", key)).body.data.items).toEqual([]);
    const job = await newJob(key, base);
    const before = await snapshot(key, job.cron_id);
    const res = await api("PATCH", `/v1/cron/update/${job.cron_id}`, key, {
      notify_events: ["job.exploded"],
    });
    expectError(res, 400, "VALIDATION_ERROR");
    expect(await snapshot(key, job.cron_id)).toEqual(before);
  });
});

describe("rotate-secret", () => {
  it("a new secret; for 24 h every request carries both signatures, new first", async () => {
    const key = await createKey("rotate");
    const path = uniquePath();
    const job = await newJob(key, { url: `${receiverUrl()}${path}` });
    const res = await api("POST", `/v1/cron/rotate-secret/${job.cron_id}`, key);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const rotated = res.body.data;
    expect(rotated.signing_secret).toMatch(/^whsec_/);
    expect(rotated.signing_secret).not.toBe(job.signing_secret);
    const until = Date.parse(rotated.previous_secret_expires_at);
    expect(until - Date.now()).toBeGreaterThan(23.9 * 3600_000);
    expect(until - Date.now()).toBeLessThanOrEqual(24 * 3600_000);
    await waitForRun(key, job.cron_id, await trigger(key, job.cron_id));
    const [req] = await receiverLog(path);
    const header = req!.headers["x-cron-signature"]!;
    expect(header).toMatch(/^t=\d+,v1=[0-9a-f]{64},v1=[0-9a-f]{64}$/);
    for (const secret of [job.signing_secret, rotated.signing_secret]) {
      expect((await verifyCrondoSignature(req!.body, header, { secret })).ok).toBe(true);
    }
    expect((await verifyCrondoSignature(req!.body, header, { secret: "whsec_other" })).ok).toBe(
      false,
    );
    // Another tenant cannot rotate it.
    const other = await createKey("rotate-other");
    expectError(
      await api("POST", `/v1/cron/rotate-secret/${job.cron_id}`, other),
      404,
      "NOT_FOUND",
    );
    const after = await api("GET", `/v1/cron/get/${job.cron_id}`, key);
    expect(after.body.data.signing_secret).toBe(rotated.signing_secret);
  });
});

describe("audit log", () => {
  it("each change with its actor, request id and changes; no secret; gone with the job", async () => {
    const key = await createKey("audit");
    const actor = `key:${(await sha256Hex(key)).slice(0, 12)}`;
    const created = await api("POST", "/v1/cron/create", key, {
      schedule: FAR,
      url: `${receiverUrl()}${uniquePath()}`,
      headers: { Authorization: "Bearer audit-token" },
    });
    const job = created.body.data;
    const update = await api("PATCH", `/v1/cron/update/${job.cron_id}`, key, { name: "renamed" });
    const runId = await trigger(key, job.cron_id);
    const rotate = await api("POST", `/v1/cron/rotate-secret/${job.cron_id}`, key);
    await api("PUT", `/v1/cron/retention/set/${job.cron_id}`, key, { retention_days: 3 });
    const res = await api("GET", `/v1/cron/audit/${job.cron_id}`, key);
    expect(res.status).toBe(200);
    const items = res.body.data.items;
    expect(items.map((e: any) => e.action)).toEqual([
      "retention.set",
      "rotate-secret",
      "trigger",
      "update",
      "create",
    ]);
    expect(items.every((e: any) => e.actor === actor)).toBe(true);
    expect(items[3]).toMatchObject({
      request_id: update.headers.get("x-request-id"),
      changes: { name: { from: job.name, to: "renamed" } },
    });
    expect(items[4].request_id).toBe(created.headers.get("x-request-id"));
    expect(items[2]).toMatchObject({ subject: runId });
    expect(items[1].changes).toEqual({
      previous_secret_expires_at: { from: null, to: rotate.body.data.previous_secret_expires_at },
    });
    expect(items[0].changes).toEqual({ retention_days: { from: 30, to: 3 } });
    const text = JSON.stringify(items);
    expect(text).not.toContain(job.signing_secret);
    expect(text).not.toContain(rotate.body.data.signing_secret);
    expect(text).not.toContain("audit-token");
    // Pages, newest first.
    const p1 = await api("GET", `/v1/cron/audit/${job.cron_id}?limit=2`, key);
    const p2 = await api(
      "GET",
      `/v1/cron/audit/${job.cron_id}?limit=2&cursor=${p1.body.data.next_cursor}`,
      key,
    );
    expect([...p1.body.data.items, ...p2.body.data.items].map((e: any) => e.audit_id)).toEqual(
      items.slice(0, 4).map((e: any) => e.audit_id),
    );
    // Another tenant: 404; after delete: 404, and the rows are gone.
    const other = await createKey("audit-other");
    expectError(await api("GET", `/v1/cron/audit/${job.cron_id}`, other), 404, "NOT_FOUND");
    expectError(
      await api("GET", `/v1/cron/audit/${job.cron_id}?cursor=bogus`, key),
      400,
      "VALIDATION_ERROR",
    );
    expect((await api("DELETE", `/v1/cron/delete/${job.cron_id}`, key)).status).toBe(200);
    expectError(await api("GET", `/v1/cron/audit/${job.cron_id}`, key), 404, "NOT_FOUND");
    const { env } = await import("cloudflare:test");
    const left = await env.DB.prepare("SELECT COUNT(*) AS n FROM audit WHERE cron_id = ?")
      .bind(job.cron_id)
      .first<{ n: number }>();
    expect(left!.n).toBe(0);
  });
});

describe("GET /v1/cron/runs/list (the tenant's runs)", () => {
  it("across jobs, newest first, filtered, with a stable cursor; only the tenant's", async () => {
    const key = await createKey("tenant-runs");
    const other = await createKey("tenant-runs-other");
    const ok = await newJob(key, { url: `${receiverUrl()}${uniquePath()}` });
    const bad = await newJob(key, {
      url: `${receiverUrl()}${uniquePath("status/500")}`,
      retries: 0,
    });
    const theirs = await newJob(other, { url: `${receiverUrl()}${uniquePath()}` });
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      for (const j of [ok, bad])
        ids.push((await waitForRun(key, j.cron_id, await trigger(key, j.cron_id))).run_id);
    }
    await waitForRun(other, theirs.cron_id, await trigger(other, theirs.cron_id));
    const all = await api("GET", "/v1/cron/runs/list?limit=100", key);
    expect(all.status).toBe(200);
    expect(all.body.data.items.map((r: any) => r.run_id)).toEqual([...ids].reverse());
    const failed = await api("GET", "/v1/cron/runs/list?state=failed", key);
    expect(failed.body.data.items.every((r: any) => r.cron_id === bad.cron_id)).toBe(true);
    expect(failed.body.data.items).toHaveLength(3);
    const manual = await api("GET", "/v1/cron/runs/list?trigger=replay", key);
    expect(manual.body.data.items).toEqual([]);
    // Pages of 4: a run created after the first page does not shift the second.
    const p1 = await api("GET", "/v1/cron/runs/list?limit=4", key);
    await waitForRun(key, ok.cron_id, await trigger(key, ok.cron_id));
    const p2 = await api(
      "GET",
      `/v1/cron/runs/list?limit=4&cursor=${p1.body.data.next_cursor}`,
      key,
    );
    expect([...p1.body.data.items, ...p2.body.data.items].map((r: any) => r.run_id)).toEqual(
      [...ids].reverse(),
    );
    expect(p2.body.data.next_cursor).toBeNull();
    // from / to: when the runs were created (a manual run is created at its fire_at).
    const third = all.body.data.items[2];
    const from = await api(
      "GET",
      `/v1/cron/runs/list?limit=100&from=${encodeURIComponent(third.fire_at)}`,
      key,
    );
    expect(from.body.data.items.map((r: any) => r.run_id)).toContain(third.run_id);
    expect(from.body.data.items.map((r: any) => r.run_id)).not.toContain(ids[0]);
    const future = await api("GET", "/v1/cron/runs/list?from=2100-01-01T00:00:00Z", key);
    expect(future.body.data.items).toEqual([]);
    for (const q of [
      "state=nope",
      "trigger=cron",
      "limit=101",
      "cursor=bogus",
      "from=soon",
      "job=1",
    ]) {
      expectError(await api("GET", `/v1/cron/runs/list?${q}`, key), 400, "VALIDATION_ERROR");
    }
  });
});
