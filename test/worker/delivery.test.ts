import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { historyShards } from "../../src/env";
import { countRuns } from "../../src/store/shards";
import { verifySignature } from "../../src/verify";
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
const FINISHED = new Set(["succeeded", "failed", "skipped"]);
const slotOf = (r: { headers: Record<string, string> }) =>
  Date.parse(r.headers["x-cron-scheduled-at"] ?? "");

async function newJob(key: string, fields: Record<string, unknown>) {
  const res = await api("POST", "/v1/cron/create", key, { schedule: FAR, ...fields });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.data;
}

/**
 * Waits until crondo has fired a slot at or after `t` (of a throwaway every-second job):
 * the positive event after which a firing due before `t` that must not happen would have
 * been seen.
 */
async function crondoFiredPast(key: string, t: number) {
  const path = uniquePath("ok/clock");
  const clock = await newJob(key, { schedule: "* * * * * *", url: `${receiverUrl()}${path}` });
  await waitFor(async () => (await receiverLog(path)).some((r) => slotOf(r) >= t), {
    what: `a delivery of a slot at or after ${new Date(t).toISOString()}`,
    timeoutMs: t - Date.now() + 10_000,
  });
  expect((await api("DELETE", `/v1/cron/delete/${clock.cron_id}`, key)).status).toBe(200);
}

describe("delivery of one run", () => {
  it("sends the SPEC request: method, headers, payload, signature; records the run", async () => {
    const key = await createKey("deliver");
    const path = uniquePath();
    const job = await newJob(key, {
      url: `${receiverUrl()}${path}?q=1`,
      method: "PATCH",
      payload: { n: 1, s: "é" },
      headers: { "X-Team": "ops", Authorization: "Bearer target-token" },
    });
    const trig = await api("POST", `/v1/cron/trigger/${job.cron_id}`, key, {
      job_id: "cron_01HX...",
    });
    expect(trig.status).toBe(200);
    expect(trig.body.data).toMatchObject({
      cron_id: job.cron_id,
      trigger: "manual",
      state: "running",
    });
    expect(trig.body.data.started_at).not.toBeNull();
    const run = await waitForRun(key, job.cron_id, trig.body.data.run_id);
    expect(run).toMatchObject({
      state: "succeeded",
      response_status: 200,
      attempts: 1,
      error: null,
      response_body: `ok ${path}`,
      missed_slots: 0,
    });
    expect(run.attempt_log).toHaveLength(1);
    expect(run.attempt_log[0]).toMatchObject({ attempt: 1, response_status: 200, error: null });
    expect(run.duration_ms).toBeGreaterThanOrEqual(0);

    const [req] = await receiverLog(path);
    expect(req).toBeDefined();
    expect(req!.method).toBe("PATCH");
    expect(req!.body).toBe(JSON.stringify({ n: 1, s: "é" }));
    expect(req!.headers).toMatchObject({
      "content-type": "application/json",
      "x-team": "ops",
      authorization: "Bearer target-token",
      "x-cron-id": job.cron_id,
      "x-cron-run-id": run.run_id,
      "x-cron-attempt": "1",
      "idempotency-key": run.run_id,
      "x-cron-scheduled-at": run.scheduled_for,
    });
    expect(req!.headers["user-agent"]).toMatch(/^crondo\/\d+\.\d+\.\d+$/);
    expect(
      await verifySignature(job.signing_secret, req!.body, req!.headers["x-cron-signature"]!),
    ).toBe(true);
    expect(
      await verifySignature(job.signing_secret, `${req!.body} `, req!.headers["x-cron-signature"]!),
    ).toBe(false);
    expect(await verifySignature("whsec_wrong", req!.body, req!.headers["x-cron-signature"]!)).toBe(
      false,
    );
  });

  it("sends no body when there is no payload", async () => {
    const key = await createKey("nobody");
    const path = uniquePath();
    const job = await newJob(key, { url: `${receiverUrl()}${path}` });
    const trig = await api("POST", `/v1/cron/trigger/${job.cron_id}`, key);
    await waitForRun(key, job.cron_id, trig.body.data.run_id);
    const [req] = await receiverLog(path);
    expect(req!.body).toBe("");
    expect(req!.headers["content-type"]).toBeUndefined();
    expect(await verifySignature(job.signing_secret, "", req!.headers["x-cron-signature"]!)).toBe(
      true,
    );
  });

  it("retries 500, 500, 200 with doubling backoff and the same idempotency key", async () => {
    const key = await createKey("retry");
    await script("retry-a", [500, 500, 200]);
    const job = await newJob(key, {
      url: `${receiverUrl()}/script/retry-a`,
      retries: 3,
      retry_backoff_seconds: 1,
    });
    const trig = await api("POST", `/v1/cron/trigger/${job.cron_id}`, key);
    const run = await waitForRun(key, job.cron_id, trig.body.data.run_id, 15_000);
    expect(run.state).toBe("succeeded");
    expect(run.attempts).toBe(3);
    expect(run.attempt_log.map((a: { response_status: number }) => a.response_status)).toEqual([
      500, 500, 200,
    ]);
    const reqs = await receiverLog("/script/retry-a");
    expect(reqs.map((r) => r.headers["x-cron-attempt"])).toEqual(["1", "2", "3"]);
    expect(new Set(reqs.map((r) => r.headers["idempotency-key"]))).toEqual(new Set([run.run_id]));
    const gap1 = reqs[1]!.received_at - reqs[0]!.received_at;
    const gap2 = reqs[2]!.received_at - reqs[1]!.received_at;
    expect(gap1).toBeGreaterThanOrEqual(750); // 1 s ± 20 %
    expect(gap1).toBeLessThan(2500);
    expect(gap2).toBeGreaterThanOrEqual(1550); // 2 s ± 20 %
    expect(gap2).toBeLessThan(4000);
  });

  it("honours Retry-After on 429", async () => {
    const key = await createKey("retry-after");
    await script("ra", [429, 200], 1);
    const job = await newJob(key, {
      url: `${receiverUrl()}/script/ra`,
      retries: 1,
      retry_backoff_seconds: 30,
    });
    const trig = await api("POST", `/v1/cron/trigger/${job.cron_id}`, key);
    const run = await waitForRun(key, job.cron_id, trig.body.data.run_id, 10_000);
    expect(run.state).toBe("succeeded");
    const reqs = await receiverLog("/script/ra");
    const gap = reqs[1]!.received_at - reqs[0]!.received_at;
    expect(gap).toBeGreaterThanOrEqual(900);
    expect(gap).toBeLessThan(5000); // not the 30 s backoff
  });

  it("fails finally after retries, and notifies the failure webhook once, signed", async () => {
    const key = await createKey("fail");
    const hook = uniquePath("ok");
    const job = await newJob(key, {
      url: `${receiverUrl()}/status/502/fail-a`,
      retries: 1,
      retry_backoff_seconds: 1,
      on_failure_webhook: `${receiverUrl()}${hook}`,
    });
    const trig = await api("POST", `/v1/cron/trigger/${job.cron_id}`, key);
    const run = await waitForRun(key, job.cron_id, trig.body.data.run_id, 10_000);
    expect(run).toMatchObject({
      state: "failed",
      attempts: 2,
      response_status: 502,
      error: "HTTP 502",
    });
    const hooks = await waitFor(
      async () => {
        const r = await receiverLog(hook);
        return r.length > 0 ? r : null;
      },
      { what: "the failure webhook" },
    );
    const event = JSON.parse(hooks[0]!.body);
    expect(event).toMatchObject({
      type: "cron.run.failed",
      cron_id: job.cron_id,
      run_id: run.run_id,
      name: job.name,
      url: job.url,
      scheduled_for: run.scheduled_for,
      attempts: 2,
      response_status: 502,
      error: "HTTP 502",
      finished_at: run.finished_at,
    });
    expect(
      await verifySignature(
        job.signing_secret,
        hooks[0]!.body,
        hooks[0]!.headers["x-cron-signature"]!,
      ),
    ).toBe(true);
    const rec = (await api("GET", `/v1/cron/get/${job.cron_id}`, key)).body.data;
    expect(rec).toMatchObject({ last_run_state: "failed", consecutive_failures: 1 });

    // Once: a second failing run's webhook comes later than a repeat of the first would.
    const second = await api("POST", `/v1/cron/trigger/${job.cron_id}`, key);
    const run2 = await waitForRun(key, job.cron_id, second.body.data.run_id, 10_000);
    expect(run2.state).toBe("failed");
    const all = await waitFor(
      async () => {
        const r = await receiverLog(hook);
        return r.some((h) => JSON.parse(h.body).run_id === run2.run_id) ? r : null;
      },
      { what: "the second run's failure webhook" },
    );
    expect(
      all.filter((h) => JSON.parse(h.body).run_id === run.run_id),
      "webhooks of the first run",
    ).toHaveLength(1);
    expect(all).toHaveLength(2);
  });

  it("times out a hanging target with a clear error", async () => {
    const key = await createKey("timeout");
    const job = await newJob(key, {
      url: `${receiverUrl()}/hang/t1`,
      retries: 0,
      timeout_seconds: 1,
    });
    const trig = await api("POST", `/v1/cron/trigger/${job.cron_id}`, key);
    const run = await waitForRun(key, job.cron_id, trig.body.data.run_id, 10_000);
    expect(run.state).toBe("failed");
    expect(run.error).toMatch(/^timeout: no complete response within 1 s/);
    expect(run.response_status).toBeNull();
    expect(run.attempt_log[0].duration_ms).toBeGreaterThanOrEqual(900);
  });

  it("follows up to 5 redirects and refuses a 6th", async () => {
    const key = await createKey("redirects");
    const ok = await newJob(key, { url: `${receiverUrl()}/redirect/5/a`, retries: 0 });
    const r1 = await api("POST", `/v1/cron/trigger/${ok.cron_id}`, key);
    expect((await waitForRun(key, ok.cron_id, r1.body.data.run_id)).state).toBe("succeeded");
    const tooMany = await newJob(key, { url: `${receiverUrl()}/redirect/6/b`, retries: 0 });
    const r2 = await api("POST", `/v1/cron/trigger/${tooMany.cron_id}`, key);
    const run = await waitForRun(key, tooMany.cron_id, r2.body.data.run_id);
    expect(run.state).toBe("failed");
    expect(run.error).toMatch(/too many redirects/);
  });

  it("a network error is a failed attempt, not a crash", async () => {
    const key = await createKey("neterr");
    const job = await newJob(key, {
      url: "http://127.0.0.1:9/closed",
      retries: 0,
      timeout_seconds: 5,
    });
    const trig = await api("POST", `/v1/cron/trigger/${job.cron_id}`, key);
    const run = await waitForRun(key, job.cron_id, trig.body.data.run_id);
    expect(run.state).toBe("failed");
    expect(run.error).toMatch(/^network error/);
  });
});

describe("scheduled firing with real alarms", () => {
  it("fires a 6-field every-second job each second, once per slot, and stops on pause", async () => {
    const key = await createKey("every-second");
    const path = uniquePath();
    const job = await newJob(key, { schedule: "* * * * * *", url: `${receiverUrl()}${path}` });
    await waitFor(async () => (await receiverLog(path)).length >= 3, {
      what: "3 deliveries of the every-second job",
    });
    const paused = await api("POST", `/v1/cron/pause/${job.cron_id}`, key);
    expect(paused.status).toBe(200);
    const pausedAt = Date.now();
    // What was under way at the pause lands: each of the runs started (run_count, from the
    // object at the pause) is delivered and recorded as final.
    const started = paused.body.data.run_count;
    const reqs = await waitFor(
      async () => {
        const runs = (await api("GET", `/v1/cron/runs/list/${job.cron_id}?limit=100`, key)).body
          .data.items;
        const got = await receiverLog(path);
        return runs.length === started &&
          runs.every((r: { state: string }) => FINISHED.has(r.state)) &&
          got.length === started
          ? got
          : null;
      },
      { what: `the ${started} runs started before the pause to be delivered and final` },
    );
    expect(reqs.length).toBeGreaterThanOrEqual(2);
    const slots = reqs.map((r) => r.headers["x-cron-scheduled-at"]!);
    expect(new Set(slots).size).toBe(slots.length); // each slot once
    for (const s of slots) expect(Date.parse(s) % 1000).toBe(0);
    const n = reqs.length;
    // Stopped: the slot after the pause, had it fired, would have landed by now.
    await crondoFiredPast(key, pausedAt + 2000);
    expect(await receiverLog(path)).toHaveLength(n);
    const runs = await api("GET", `/v1/cron/runs/list/${job.cron_id}`, key);
    expect(runs.body.data.items.length).toBe(n);
    for (const r of runs.body.data.items) expect(r.trigger).toBe("schedule");
  });

  it("max_runs: 2 delivers exactly 2 and completes", async () => {
    const key = await createKey("max-runs");
    const path = uniquePath();
    const job = await newJob(key, {
      schedule: "* * * * * *",
      url: `${receiverUrl()}${path}`,
      max_runs: 2,
    });
    const done = await waitFor(
      async () => {
        const r = await api("GET", `/v1/cron/get/${job.cron_id}`, key);
        return r.body.data.status === "completed" ? r.body.data : null;
      },
      { what: "the max_runs 2 job to complete", timeoutMs: 8000 },
    );
    const completedAt = Date.now();
    expect(done).toMatchObject({ enabled: false, next_run_at: null, run_count: 2 });
    // A third slot (at most 1 s after the completion) would have landed by now.
    await crondoFiredPast(key, completedAt + 2000);
    expect(await receiverLog(path)).toHaveLength(2);
  });

  it("a one-shot fires once at run_at and completes", async () => {
    const key = await createKey("one-shot");
    const path = uniquePath();
    const at = new Date(Math.ceil((Date.now() + 1500) / 1000) * 1000).toISOString();
    const job = await newJob(key, {
      schedule: undefined,
      run_at: at,
      url: `${receiverUrl()}${path}`,
    });
    const done = await waitFor(
      async () => {
        const r = await api("GET", `/v1/cron/get/${job.cron_id}`, key);
        return r.body.data.status === "completed" ? r.body.data : null;
      },
      { what: "the one-shot to complete", timeoutMs: 8000 },
    );
    expect(done).toMatchObject({ run_count: 1, next_run_at: null, enabled: false });
    // The run is committed (and the job completed) up to PRE_ARM_MS before run_at; its
    // request leaves at run_at, never before.
    const reqs = await waitFor(
      async () => {
        const got = await receiverLog(path);
        return got.length > 0 ? got : null;
      },
      { what: "the one-shot's request", timeoutMs: 8000 },
    );
    expect(reqs).toHaveLength(1);
    expect(reqs[0]!.headers["x-cron-scheduled-at"]).toBe(at);
    expect(reqs[0]!.received_at).toBeGreaterThanOrEqual(Date.parse(at));
  });

  it("delete stops the job and removes its run history", async () => {
    const key = await createKey("delete-history");
    const job = await newJob(key, { url: `${receiverUrl()}/ok/delete-history` });
    for (let i = 0; i < 3; i++) {
      const t = await api("POST", `/v1/cron/trigger/${job.cron_id}`, key);
      await waitForRun(key, job.cron_id, t.body.data.run_id);
    }
    // Over every history shard (SPEC §14); the rows reach the job's shard through the
    // history queue, within the delay README "History shards" states.
    const count = async () =>
      Object.values(await countRuns(historyShards(env), job.cron_id)).reduce((a, b) => a + b, 0);
    await waitFor(async () => ((await count()) === 3 ? true : undefined), {
      what: "the 3 runs to land in the job's shard",
      timeoutMs: 10_000,
    });
    expect((await api("DELETE", `/v1/cron/delete/${job.cron_id}`, key)).status).toBe(200);
    expect(await count()).toBe(0);
    expect((await api("GET", `/v1/cron/runs/list/${job.cron_id}`, key)).status).toBe(404);
  });
});

describe("runs.list", () => {
  it("pages newest first and filters by state", async () => {
    const key = await createKey("runs-list");
    const ok = await newJob(key, { url: `${receiverUrl()}/ok/runs-list`, retries: 0 });
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const t = await api("POST", `/v1/cron/trigger/${ok.cron_id}`, key);
      ids.push(t.body.data.run_id);
      await waitForRun(key, ok.cron_id, t.body.data.run_id);
    }
    await api("PATCH", `/v1/cron/update/${ok.cron_id}`, key, {
      url: `${receiverUrl()}/status/500/runs-list`,
    });
    const failed = await api("POST", `/v1/cron/trigger/${ok.cron_id}`, key);
    ids.push(failed.body.data.run_id);
    await waitForRun(key, ok.cron_id, failed.body.data.run_id);

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const q: string = cursor ? `limit=4&cursor=${cursor}` : "limit=4";
      const page = await api("GET", `/v1/cron/runs/list/${ok.cron_id}?${q}`, key);
      expect(page.status).toBe(200);
      seen.push(...page.body.data.items.map((r: { run_id: string }) => r.run_id));
      cursor = page.body.data.next_cursor;
    } while (cursor);
    expect(seen).toEqual([...ids].reverse());

    const onlyFailed = await api("GET", `/v1/cron/runs/list/${ok.cron_id}?state=failed`, key);
    expect(onlyFailed.body.data.items.map((r: { run_id: string }) => r.run_id)).toEqual([
      failed.body.data.run_id,
    ]);
    const bad = await api("GET", `/v1/cron/runs/list/${ok.cron_id}?state=exploded`, key);
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0].path).toBe("state");
    const badCursor = await api("GET", `/v1/cron/runs/list/${ok.cron_id}?cursor=xyz`, key);
    expect(badCursor.status).toBe(400);
    const missing = await api(
      "GET",
      `/v1/cron/runs/get/${ok.cron_id}/run_01M85C67QJY8V9G5E3MR1PNZDM`,
      key,
    );
    expect(missing.status).toBe(404);
  });
});

describe("cron.stats", () => {
  it("summarises the last N runs: success rate, percentiles, counts per state", async () => {
    const key = await createKey("stats");
    const job = await newJob(key, { url: `${receiverUrl()}/ok/stats`, retries: 0 });
    for (let i = 0; i < 3; i++) {
      const t = await api("POST", `/v1/cron/trigger/${job.cron_id}`, key);
      await waitForRun(key, job.cron_id, t.body.data.run_id);
    }
    await api("PATCH", `/v1/cron/update/${job.cron_id}`, key, {
      url: `${receiverUrl()}/status/500/stats`,
    });
    const t = await api("POST", `/v1/cron/trigger/${job.cron_id}`, key);
    await waitForRun(key, job.cron_id, t.body.data.run_id);
    const res = await api("GET", `/v1/cron/stats/${job.cron_id}`, key);
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({
      cron_id: job.cron_id,
      window: 100,
      runs: 4,
      success_rate: 0.75,
      counts: { succeeded: 3, failed: 1, skipped: 0, queued: 0, running: 0, retrying: 0 },
    });
    expect(res.body.data.duration_ms.p50).toBeGreaterThanOrEqual(0);
    expect(res.body.data.duration_ms.p95).toBeGreaterThanOrEqual(res.body.data.duration_ms.p50);
    expect(res.body.data.fire_lag_ms.p50).toBeGreaterThanOrEqual(0);
    const two = await api("GET", `/v1/cron/stats/${job.cron_id}?window=1`, key);
    expect(two.body.data).toMatchObject({ runs: 1, success_rate: 0, counts: { failed: 1 } });
    expect((await api("GET", `/v1/cron/stats/${job.cron_id}?window=0`, key)).status).toBe(400);
    const other = await createKey("stats-other");
    expect((await api("GET", `/v1/cron/stats/${job.cron_id}`, other)).status).toBe(404);
  });
});
