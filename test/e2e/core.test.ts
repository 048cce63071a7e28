// The "core service" issue, end to end: a real `wrangler dev` (local D1, KV, Durable
// Objects with real alarms) driven over HTTP, firing at a real receiver on 127.0.0.1.
// Timing bounds are correctness checks with room for a loaded 2-core machine.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifySignature } from "../../src/verify";
import { type Receiver, startReceiver } from "../helpers/receiver";
import { waitFor } from "../helpers/wait";
import { type CrondoServer, startCrondo } from "../helpers/wrangler-dev";
import {
  type Client,
  client,
  crondoFiredPast,
  finishedRun as finished,
  requestsTo,
  uniquePath,
} from "./client";

let crondo: CrondoServer | undefined;
let receiver: Receiver | undefined;
let api: Client;

const RUN_ID = /^run_[0-9A-HJKMNP-TV-Z]{26}$/;
const CRON_ID = /^cron_[0-9A-HJKMNP-TV-Z]{26}$/;
const FINISHED = new Set(["succeeded", "failed", "skipped"]);

beforeAll(async () => {
  receiver = await startReceiver();
  crondo = await startCrondo();
  // Created while wrangler dev is running: the CLI's local KV write must be visible to it.
  api = client(crondo.url, await crondo.keyFor("e2e-core"));
});

afterAll(async () => {
  try {
    await crondo?.cleanup();
  } finally {
    await receiver?.close();
  }
});

/** The receiver URL of a path. */
const target = (path: string) => `${receiver!.url}${path}`;

/** Polls runs.get until the run has finished. */
const finishedRun = (cronId: string, runId: string, timeoutMs = 20_000) =>
  finished(api, cronId, runId, timeoutMs);

describe("the seed reference's examples, verbatim", () => {
  it("create → runs.list → list, and pause/trigger bodies naming the job are accepted", async () => {
    const created = await api.call("POST", "/v1/cron/create", {
      raw: '{"cron_expr": "0 9 * * 1", "task_type": "http_url", "task_url": "https://api.acme.com/weekly"}',
      headers: { "Content-Type": "application/json" },
    });
    expect(created.status).toBe(201);
    expect(created.body.ok).toBe(true);
    const job = created.body.data;
    expect(job.cron_id).toMatch(CRON_ID);
    expect(job).toMatchObject({
      schedule: "0 9 * * 1",
      cron_expr: "0 9 * * 1",
      url: "https://api.acme.com/weekly",
      task: "https://api.acme.com/weekly",
      task_type: "http_url",
      enabled: true,
      status: "active",
      run_count: 0,
    });
    const next = new Date(job.next_run_at);
    expect(next.getUTCDay()).toBe(1);
    expect([next.getUTCHours(), next.getUTCMinutes(), next.getUTCSeconds()]).toEqual([9, 0, 0]);

    const runs = await api.get(`/v1/cron/runs/list/${job.cron_id}`);
    expect(runs.status).toBe(200);
    expect(runs.body).toEqual({ ok: true, data: { items: [], next_cursor: null } });

    const list = await api.get("/v1/cron/list");
    expect(list.status).toBe(200);
    expect(list.body.data.items.map((j: { cron_id: string }) => j.cron_id)).toContain(job.cron_id);
    expect(list.body.data).toHaveProperty("next_cursor");

    const paused = await api.post(`/v1/cron/pause/${job.cron_id}`, { cron_id: "..." });
    expect(paused.status).toBe(200);
    expect(paused.body.data).toMatchObject({
      cron_id: job.cron_id,
      enabled: false,
      status: "paused",
      next_run_at: null,
    });
    const resumed = await api.post(`/v1/cron/resume/${job.cron_id}`, { cron_id: "..." });
    expect(resumed.status).toBe(200);
    expect(resumed.body.data).toMatchObject({ enabled: true, status: "active" });
    expect(resumed.body.data.next_run_at).toBe(job.next_run_at);

    // The seed's trigger body; a receiver job so the manual run goes somewhere real.
    const path = uniquePath();
    const far = await api.post("/v1/cron/create", { schedule: "0 0 1 1 *", url: target(path) });
    expect(far.status).toBe(201);
    const trig = await api.post(`/v1/cron/trigger/${far.body.data.cron_id}`, {
      job_id: "cron_01HX...",
    });
    expect(trig.status).toBe(200);
    expect(trig.body.data.trigger).toBe("manual");
    await finishedRun(far.body.data.cron_id, trig.body.data.run_id);
  });
});

describe("a 6-field job firing every 2 seconds", () => {
  it("delivers signed requests with the job's method, body and headers, records the runs, and stops when paused", async () => {
    const path = uniquePath();
    const created = await api.post("/v1/cron/create", {
      name: "every two seconds",
      schedule: "*/2 * * * * *",
      url: target(path),
      method: "PUT",
      payload: { hello: "world" },
      headers: { "X-Team": "ops" },
    });
    expect(created.status).toBe(201);
    const job = created.body.data;
    expect(job.signing_secret).toEqual(expect.any(String));

    const got = await waitFor(
      () => {
        const r = requestsTo(receiver!.requests, path);
        return r.length >= 2 ? r : undefined;
      },
      { what: "2 requests at the receiver", timeoutMs: 10_000, stepMs: 100 },
    );

    const seenRunIds = new Set<string>();
    for (const req of got.slice(0, 2)) {
      const h = req.headers;
      expect(req.method).toBe("PUT");
      expect(req.body).toBe('{"hello":"world"}');
      expect(h["content-type"]).toMatch(/^application\/json\b/);
      expect(h["user-agent"]).toMatch(/^crondo\//);
      expect(h["x-cron-id"]).toBe(job.cron_id);
      expect(h["x-cron-run-id"]).toMatch(RUN_ID);
      expect(h["idempotency-key"]).toBe(h["x-cron-run-id"]);
      expect(h["x-cron-attempt"]).toBe("1");
      expect(h["x-team"]).toBe("ops");
      const scheduled = Date.parse(h["x-cron-scheduled-at"] ?? "");
      expect(h["x-cron-scheduled-at"]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
      expect(
        scheduled % 2000,
        `scheduled-at ${h["x-cron-scheduled-at"]} is on an even second`,
      ).toBe(0);
      const lag = req.received_at - scheduled;
      expect(lag, "arrival minus scheduled-at").toBeGreaterThanOrEqual(-50);
      expect(lag, "arrival minus scheduled-at").toBeLessThan(2000);
      expect(
        await verifySignature(job.signing_secret, req.body, h["x-cron-signature"] ?? ""),
        `signature ${h["x-cron-signature"]}`,
      ).toBe(true);
      // Slots fire once each: two requests, two runs, two distinct slots.
      expect(seenRunIds.has(h["x-cron-run-id"]!)).toBe(false);
      seenRunIds.add(h["x-cron-run-id"]!);
    }
    expect(got[0]!.headers["x-cron-scheduled-at"]).not.toBe(got[1]!.headers["x-cron-scheduled-at"]);

    // The history shows those runs, finished and successful.
    const runs = await waitFor(
      async () => {
        const res = await api.get(`/v1/cron/runs/list/${job.cron_id}?limit=100`);
        expect(res.status).toBe(200);
        const mine = res.body.data.items.filter((r: { run_id: string }) =>
          seenRunIds.has(r.run_id),
        );
        return mine.length === 2 && mine.every((r: { state: string }) => FINISHED.has(r.state))
          ? mine
          : undefined;
      },
      { what: "both runs succeeded in runs.list", timeoutMs: 15_000, stepMs: 200 },
    );
    for (const run of runs) {
      const req = got.find((r) => r.headers["x-cron-run-id"] === run.run_id)!;
      expect(run).toMatchObject({
        cron_id: job.cron_id,
        trigger: "schedule",
        state: "succeeded",
        response_status: 200,
        attempts: 1,
        scheduled_for: new Date(Date.parse(req.headers["x-cron-scheduled-at"]!)).toISOString(),
        missed_slots: 0,
      });
      expect(run.fire_lag_ms).toEqual(expect.any(Number));
      expect(run.fire_lag_ms).toBeGreaterThanOrEqual(0);
      expect(run.fire_lag_ms).toBeLessThan(2000);
      expect(run.attempt_log).toHaveLength(1);
      expect(run.attempt_log[0]).toMatchObject({ attempt: 1, response_status: 200, error: null });
      expect(run.finished_at).toEqual(expect.any(String));
    }

    // Paused: nothing fires any more (a request already on its way may still land).
    const pauseSentAt = Date.now();
    const paused = await api.post(`/v1/cron/pause/${job.cron_id}`);
    expect(paused.status).toBe(200);
    expect(paused.body.data).toMatchObject({ enabled: false, status: "paused", next_run_at: null });
    // What was under way at the pause lands: each run started (run_count, from the object
    // at the pause) is delivered and recorded as final.
    const started = paused.body.data.run_count;
    await waitFor(
      async () => {
        const res = await api.get(`/v1/cron/runs/list/${job.cron_id}?limit=100`);
        const items = res.body.data.items;
        return (
          requestsTo(receiver!.requests, path).length === started &&
          items.length === started &&
          items.every((r: { state: string }) => FINISHED.has(r.state))
        );
      },
      { what: `the ${started} runs started before the pause to land`, timeoutMs: 15_000 },
    );
    const countAtPause = requestsTo(receiver!.requests, path).length;
    // The next slot (at most 2 s after the pause), had it fired, would have landed by now.
    await crondoFiredPast(api, receiver!, pauseSentAt + 3000);
    const after = requestsTo(receiver!.requests, path);
    expect(after.length, "requests after pause").toBe(countAtPause);
    for (const req of after) {
      expect(Date.parse(req.headers["x-cron-scheduled-at"]!)).toBeLessThanOrEqual(pauseSentAt);
    }
  });
});

describe("a one-shot job", () => {
  it("fires exactly once at run_at, then completes", async () => {
    const path = uniquePath();
    const createdAt = Date.now();
    const runAt = new Date(createdAt + 3000).toISOString();
    const created = await api.post("/v1/cron/create", { run_at: runAt, url: target(path) });
    expect(created.status).toBe(201);
    const job = created.body.data;
    expect(job).toMatchObject({ schedule: null, status: "active", enabled: true });
    expect(Date.parse(job.run_at)).toBe(Date.parse(runAt));
    expect(Date.parse(job.next_run_at)).toBe(Date.parse(runAt));

    await waitFor(
      async () => {
        const res = await api.get(`/v1/cron/get/${job.cron_id}`);
        return res.body.data.status === "completed" ? res.body.data : undefined;
      },
      { what: "the one-shot job to complete", timeoutMs: 15_000, stepMs: 300 },
    );
    // Give a duplicate every chance to show up: until crondo has fired slots 5 s past run_at.
    await crondoFiredPast(api, receiver!, Date.parse(runAt) + 5000);
    const got = requestsTo(receiver!.requests, path);
    expect(got, "requests for the one-shot").toHaveLength(1);
    expect(Date.parse(got[0]!.headers["x-cron-scheduled-at"]!)).toBe(Date.parse(runAt));
    expect(got[0]!.received_at).toBeGreaterThanOrEqual(Date.parse(runAt) - 50);

    const record = (await api.get(`/v1/cron/get/${job.cron_id}`)).body.data;
    expect(record).toMatchObject({
      status: "completed",
      enabled: false,
      next_run_at: null,
      run_count: 1,
      last_run_state: "succeeded",
    });

    const runs = await waitFor(
      async () => {
        const res = await api.get(`/v1/cron/runs/list/${job.cron_id}`);
        const items = res.body.data.items;
        return items.length > 0 && items.every((r: { state: string }) => FINISHED.has(r.state))
          ? items
          : undefined;
      },
      { what: "the one-shot run to be recorded as finished", timeoutMs: 15_000, stepMs: 200 },
    );
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({
      trigger: "schedule",
      state: "succeeded",
      response_status: 200,
      run_id: got[0]!.headers["x-cron-run-id"],
    });
    expect(runs[0].scheduled_for).toBe(record.run_at);
    expect(Date.parse(runs[0].scheduled_for)).toBe(Date.parse(runAt));
  });
});

describe("manual trigger", () => {
  it("runs a job now and records the target's answer", async () => {
    const path = uniquePath();
    const created = await api.post("/v1/cron/create", {
      schedule: "0 0 1 1 *",
      url: target(path),
      payload: { manual: true },
    });
    expect(created.status).toBe(201);
    const job = created.body.data;

    const before = Date.now();
    const trig = await api.post(`/v1/cron/trigger/${job.cron_id}`);
    expect(trig.status).toBe(200);
    const run = trig.body.data;
    expect(run).toMatchObject({ cron_id: job.cron_id, trigger: "manual" });
    expect(run.run_id).toMatch(RUN_ID);
    expect(["queued", "running", "retrying", "succeeded"]).toContain(run.state);
    expect(Date.parse(run.started_at)).toBeGreaterThanOrEqual(before - 1000);

    const done = await finishedRun(job.cron_id, run.run_id);
    expect(done).toMatchObject({
      run_id: run.run_id,
      trigger: "manual",
      state: "succeeded",
      response_status: 200,
      response_body: `ok ${path}`,
      attempts: 1,
      error: null,
    });
    expect(done.finished_at).toEqual(expect.any(String));
    const got = requestsTo(receiver!.requests, path);
    expect(got).toHaveLength(1);
    expect(got[0]!.headers["x-cron-run-id"]).toBe(run.run_id);
    expect(got[0]!.body).toBe('{"manual":true}');

    // A manual run does not count towards max_runs / run_count and leaves the schedule alone.
    const record = (await api.get(`/v1/cron/get/${job.cron_id}`)).body.data;
    expect(record).toMatchObject({ status: "active", run_count: 0 });
    expect(record.next_run_at).toBe(job.next_run_at);
  });

  it("records a failing target as failed with its status and an error", async () => {
    const path = uniquePath("status/500");
    const created = await api.post("/v1/cron/create", {
      schedule: "0 0 1 1 *",
      url: target(path),
      retries: 0,
    });
    expect(created.status).toBe(201);
    const job = created.body.data;
    const trig = await api.post(`/v1/cron/trigger/${job.cron_id}`);
    expect(trig.status).toBe(200);
    const done = await finishedRun(job.cron_id, trig.body.data.run_id);
    expect(done).toMatchObject({ trigger: "manual", state: "failed", response_status: 500 });
    expect(done.attempts).toBe(1);
    expect(done.error).toEqual(expect.any(String));
    expect(done.error.length).toBeGreaterThan(0);
    expect(requestsTo(receiver!.requests, path)).toHaveLength(1);
  });
});

describe("bad input never yields a 5xx", () => {
  const valid = () => ({ schedule: "*/5 * * * *", url: target(uniquePath()) });

  async function expectError(
    res: Awaited<ReturnType<Client["call"]>>,
    status: number,
    code: string,
  ) {
    expect(res.status, res.text).toBe(status);
    expect(res.body.ok).toBe(false);
    expect(res.body.error.code).toBe(code);
    expect(res.body.error.message).toEqual(expect.any(String));
    expect(res.text).not.toMatch(/\bat \S+ \(|\.ts:\d+/); // no stack trace
    return res.body.error;
  }

  it("malformed JSON → 400 INVALID_JSON", async () => {
    await expectError(
      await api.call("POST", "/v1/cron/create", { raw: '{"schedule": "* * * * *",' }),
      400,
      "INVALID_JSON",
    );
    // also on a route whose body is otherwise ignored
    await expectError(
      await api.call("POST", "/v1/cron/pause/cron_01HX0000000000000000000000", { raw: "{nope" }),
      400,
      "INVALID_JSON",
    );
  });

  it("an unknown field is named, not dropped", async () => {
    const { schedule: _s, ...rest } = valid();
    const err = await expectError(
      await api.post("/v1/cron/create", { ...rest, shedule: "*/5 * * * *" }),
      400,
      "VALIDATION_ERROR",
    );
    expect(JSON.stringify(err.details)).toContain("shedule");
  });

  it("out-of-range retries → 400 VALIDATION_ERROR", async () => {
    const err = await expectError(
      await api.post("/v1/cron/create", { ...valid(), retries: 11 }),
      400,
      "VALIDATION_ERROR",
    );
    expect(err.details.map((d: { path: string }) => d.path)).toContain("retries");
  });

  it("bad cron, zone and URL have their own codes", async () => {
    await expectError(
      await api.post("/v1/cron/create", { ...valid(), schedule: "61 * * * *" }),
      400,
      "INVALID_CRON",
    );
    await expectError(
      await api.post("/v1/cron/create", { ...valid(), timezone: "Mars/Olympus_Mons" }),
      400,
      "INVALID_TIMEZONE",
    );
    await expectError(
      await api.post("/v1/cron/create", { ...valid(), url: "ftp://example.com/file" }),
      400,
      "INVALID_URL",
    );
  });

  it("a body over 1 MiB → 413, a non-JSON content type → 415", async () => {
    await expectError(
      await api.post("/v1/cron/create", { ...valid(), payload: "x".repeat(1024 * 1024 + 16) }),
      413,
      "PAYLOAD_TOO_LARGE",
    );
    await expectError(
      await api.call("POST", "/v1/cron/create", {
        raw: JSON.stringify(valid()),
        headers: { "Content-Type": "text/plain" },
      }),
      415,
      "UNSUPPORTED_MEDIA_TYPE",
    );
  });

  it("auth, unknown jobs and unknown routes answer with the envelope and X-Request-Id", async () => {
    await expectError(await api.get("/v1/cron/list", { key: null }), 401, "UNAUTHORIZED");
    await expectError(
      await api.get("/v1/cron/list", { key: "crondo_not_a_real_key_000000000000" }),
      401,
      "UNAUTHORIZED",
    );
    await expectError(
      await api.get("/v1/cron/get/cron_01HX0000000000000000000000"),
      404,
      "NOT_FOUND",
    );
    await expectError(await api.get("/v1/cron/nope"), 404, "NOT_FOUND");
    await expectError(await api.del("/v1/cron/list"), 405, "METHOD_NOT_ALLOWED");
  });
});
