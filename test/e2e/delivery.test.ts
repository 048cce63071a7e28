// Delivery end to end (SPEC §4–§6): retries with backoff, the failure webhook, timeouts,
// redirects, max_runs and the three overlap policies against a target slower than the
// schedule — a real `wrangler dev` firing real alarms at a real receiver on 127.0.0.1.
// Timing bounds are correctness checks with room for a loaded 2-core machine.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifySignature } from "../../src/verify";
import { type Received, type Receiver, startReceiver } from "../helpers/receiver";
import { waitFor } from "../helpers/wait";
import { type CrondoServer, startCrondo } from "../helpers/wrangler-dev";
import {
  allRuns,
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

const FINISHED = new Set(["succeeded", "failed", "skipped"]);
/** A schedule that never comes during the test: the job only runs when triggered. */
const NEVER = "0 0 1 1 *";

beforeAll(async () => {
  receiver = await startReceiver();
  crondo = await startCrondo();
  api = client(crondo.url, await crondo.keyFor("e2e-delivery"));
});

afterAll(async () => {
  try {
    await crondo?.cleanup();
  } finally {
    await receiver?.close();
  }
});

const target = (path: string) => `${receiver!.url}${path}`;
const slotOf = (r: Received) => Date.parse(r.headers["x-cron-scheduled-at"] ?? "");
const runIdOf = (r: Received) => r.headers["x-cron-run-id"] ?? "";

async function createJob(body: Record<string, unknown>) {
  const res = await api.post("/v1/cron/create", body);
  expect(res.status, res.text).toBe(201);
  return res.body.data as { cron_id: string; signing_secret: string; name: string; url: string };
}

async function triggerRun(cronId: string): Promise<string> {
  const res = await api.post(`/v1/cron/trigger/${cronId}`);
  expect(res.status, res.text).toBe(200);
  return res.body.data.run_id;
}

const finishedRun = (cronId: string, runId: string, timeoutMs = 30_000) =>
  finished(api, cronId, runId, timeoutMs);

const bySlot = (a: { scheduled_for: string }, b: { scheduled_for: string }) =>
  Date.parse(a.scheduled_for) - Date.parse(b.scheduled_for);

describe("retries", () => {
  it("500, 500, 200 with retries 3 and a 1 s backoff: one run, three attempts ~1 s and ~2 s apart", async () => {
    const script = `retry-${randomUUID()}`;
    const path = `/script/${script}/${randomUUID()}`;
    await fetch(`${receiver!.url}/__script/${script}`, {
      method: "POST",
      body: JSON.stringify({ statuses: [500, 500, 200] }),
    });
    const job = await createJob({
      schedule: NEVER,
      url: target(path),
      retries: 3,
      retry_backoff_seconds: 1,
    });
    const runId = await triggerRun(job.cron_id);
    const run = await finishedRun(job.cron_id, runId);

    expect(run).toMatchObject({ run_id: runId, state: "succeeded", attempts: 3 });
    expect(run.attempt_log.map((a: { response_status: number }) => a.response_status)).toEqual([
      500, 500, 200,
    ]);
    expect(run.attempt_log.map((a: { attempt: number }) => a.attempt)).toEqual([1, 2, 3]);

    const got = requestsTo(receiver!.requests, path);
    expect(got).toHaveLength(3);
    expect(got.map((r) => r.headers["x-cron-attempt"])).toEqual(["1", "2", "3"]);
    for (const r of got) {
      expect(r.headers["x-cron-run-id"]).toBe(runId);
      expect(r.headers["idempotency-key"]).toBe(runId);
      expect(r.headers["x-cron-scheduled-at"]).toBe(got[0]!.headers["x-cron-scheduled-at"]);
    }
    // Backoff 1 s doubling, ±20 % jitter: ~1 s then ~2 s, plus scheduling slack.
    const gap1 = got[1]!.received_at - got[0]!.received_at;
    const gap2 = got[2]!.received_at - got[1]!.received_at;
    expect(gap1, "gap between attempts 1 and 2 (ms)").toBeGreaterThanOrEqual(750);
    expect(gap1, "gap between attempts 1 and 2 (ms)").toBeLessThanOrEqual(2500);
    expect(gap2, "gap between attempts 2 and 3 (ms)").toBeGreaterThanOrEqual(1550);
    expect(gap2, "gap between attempts 2 and 3 (ms)").toBeLessThanOrEqual(4000);
  });

  it("a final failure sends exactly one signed cron.run.failed POST to on_failure_webhook", async () => {
    const path = uniquePath("status/500");
    const hook = uniquePath("ok");
    const job = await createJob({
      name: "always fails",
      schedule: NEVER,
      url: target(path),
      retries: 1,
      retry_backoff_seconds: 1,
      on_failure_webhook: target(hook),
    });
    const runId = await triggerRun(job.cron_id);
    const run = await finishedRun(job.cron_id, runId);
    expect(run).toMatchObject({ state: "failed", attempts: 2, response_status: 500 });
    expect(requestsTo(receiver!.requests, path)).toHaveLength(2);

    const [notice] = await waitFor(
      () => {
        const r = requestsTo(receiver!.requests, hook);
        return r.length > 0 ? r : undefined;
      },
      { what: "the failure webhook", timeoutMs: 10_000, stepMs: 100 },
    );
    expect(notice!.method).toBe("POST");
    expect(notice!.headers["content-type"]).toMatch(/^application\/json\b/);
    expect(
      await verifySignature(job.signing_secret, notice!.body, notice!.headers["x-cron-signature"]!),
      `webhook signature ${notice!.headers["x-cron-signature"]}`,
    ).toBe(true);
    const event = JSON.parse(notice!.body);
    expect(Object.keys(event).sort()).toEqual(
      [
        "type",
        "cron_id",
        "run_id",
        "name",
        "url",
        "scheduled_for",
        "attempts",
        "response_status",
        "error",
        "finished_at",
      ].sort(),
    );
    expect(event).toEqual({
      type: "cron.run.failed",
      cron_id: job.cron_id,
      run_id: runId,
      name: "always fails",
      url: job.url,
      scheduled_for: run.scheduled_for,
      attempts: 2,
      response_status: 500,
      error: run.error,
      finished_at: run.finished_at,
    });
    expect(event.error).toEqual(expect.any(String));

    // Exactly one, not one per attempt and not re-sent later: a second failing run's
    // webhook comes after a repeat of the first one would have.
    const second = await finishedRun(job.cron_id, await triggerRun(job.cron_id));
    expect(second.state).toBe("failed");
    const hooks = await waitFor(
      () => {
        const r = requestsTo(receiver!.requests, hook);
        return r.some((h) => JSON.parse(h.body).run_id === second.run_id) ? r : undefined;
      },
      { what: "the second run's failure webhook", timeoutMs: 10_000, stepMs: 100 },
    );
    expect(
      hooks.filter((h) => JSON.parse(h.body).run_id === runId),
      "failure webhook POSTs of the first run",
    ).toHaveLength(1);
    expect(hooks, "failure webhook POSTs").toHaveLength(2);
  });
});

describe("timeouts and redirects", () => {
  it("a hanging target fails the run with a timeout after ~timeout_seconds", async () => {
    const path = uniquePath("hang");
    const job = await createJob({
      schedule: NEVER,
      url: target(path),
      timeout_seconds: 2,
      retries: 0,
    });
    const runId = await triggerRun(job.cron_id);
    const run = await finishedRun(job.cron_id, runId);
    expect(run).toMatchObject({ state: "failed", attempts: 1, response_status: null });
    expect(run.error).toMatch(/^timeout:/);
    expect(run.attempt_log).toHaveLength(1);
    expect(run.attempt_log[0].error).toMatch(/^timeout:/);
    const duration = run.attempt_log[0].duration_ms;
    expect(duration, "attempt duration (ms)").toBeGreaterThanOrEqual(1900);
    expect(duration, "attempt duration (ms)").toBeLessThan(4000);
    expect(requestsTo(receiver!.requests, path)).toHaveLength(1);
  });

  it("a chain of 3 redirects is followed: the run succeeds and the receiver sees 4 requests", async () => {
    const id = randomUUID();
    const job = await createJob({ schedule: NEVER, url: target(`/redirect/3/${id}`) });
    const runId = await triggerRun(job.cron_id);
    const run = await finishedRun(job.cron_id, runId);
    expect(run).toMatchObject({ state: "succeeded", attempts: 1, response_status: 200 });
    const got = receiver!.requests.filter((r) => r.path.endsWith(`/${id}`));
    expect(got.map((r) => r.path)).toEqual([3, 2, 1, 0].map((n) => `/redirect/${n}/${id}`));
    for (const r of got) expect(r.headers["x-cron-run-id"]).toBe(runId);
  });
});

describe("max_runs", () => {
  it("an every-second job with max_runs 3 fires exactly 3 times, then completes", async () => {
    const path = uniquePath();
    const job = await createJob({ schedule: "* * * * * *", url: target(path), max_runs: 3 });
    const record = await waitFor(
      async () => {
        const res = await api.get(`/v1/cron/get/${job.cron_id}`);
        return res.body.data.status === "completed" ? res.body.data : undefined;
      },
      { what: "the job to complete", timeoutMs: 15_000, stepMs: 300 },
    );
    const completedAt = Date.now();
    expect(record).toMatchObject({
      status: "completed",
      enabled: false,
      next_run_at: null,
      run_count: 3,
    });
    // A 4th slot (at most 1 s after the completion) would have landed by now.
    await crondoFiredPast(api, receiver!, completedAt + 2000);
    const got = requestsTo(receiver!.requests, path);
    expect(got, "deliveries of a max_runs 3 job").toHaveLength(3);
    expect(new Set(got.map(slotOf)).size).toBe(3);
    expect(new Set(got.map(runIdOf)).size).toBe(3);
    const runs = await allRuns(api, job.cron_id);
    expect(runs).toHaveLength(3);
  });
});

describe("overlap with a target slower than the schedule", () => {
  // Every second → a target that takes 3.5 s. All jobs run at the same time.
  const SLOW_MS = 3500;
  const FIRE_MS = 7000;
  const jobs: Record<string, { cron_id: string; path: string }> = {};
  /** Runs each job had started (not skipped) when it was paused: its record's run_count. */
  const started: Record<string, number> = {};

  beforeAll(async () => {
    // Distinct delays: the receiver counts concurrency per "/slow/<ms>" group.
    for (const [i, policy] of (["allow", "skip", "queue"] as const).entries()) {
      const path = uniquePath(`slow/${SLOW_MS + i}`);
      const job = await createJob({
        schedule: "* * * * * *",
        url: target(path),
        overlap_policy: policy,
        retries: 0,
      });
      jobs[policy] = { cron_id: job.cron_id, path };
    }
    // Let them fire for FIRE_MS: until the allow job has delivered a slot FIRE_MS after the
    // first one (slots are due every second whatever the target does).
    await waitFor(
      () => {
        const slots = requestsTo(receiver!.requests, jobs.allow!.path).map(slotOf);
        return slots.length > 0 && Math.max(...slots) - Math.min(...slots) >= FIRE_MS - 1000;
      },
      { what: `the allow job to fire for ${FIRE_MS} ms`, timeoutMs: FIRE_MS + 20_000 },
    );
    await Promise.all(
      Object.entries(jobs).map(async ([policy, j]) => {
        const res = await api.post(`/v1/cron/pause/${j.cron_id}`);
        expect(res.status).toBe(200);
        started[policy] = res.body.data.run_count;
      }),
    );
  });

  it("allow: runs start on time every second, up to 3+ in flight at the target", async () => {
    const got = requestsTo(receiver!.requests, jobs.allow!.path);
    expect(got.length, "deliveries in ~7 s").toBeGreaterThanOrEqual(5);
    const maxConcurrent = Math.max(...got.map((r) => r.concurrent));
    expect(maxConcurrent, "max requests in flight at the target").toBeGreaterThanOrEqual(3);
    const slots = got.map(slotOf);
    for (let i = 1; i < slots.length; i++) {
      expect(slots[i]! - slots[i - 1]!, `slot ${i} follows slot ${i - 1} by 1 s`).toBe(1000);
    }
    for (const r of got) {
      const lag = r.received_at - slotOf(r);
      expect(lag, `arrival lag of slot ${r.headers["x-cron-scheduled-at"]}`).toBeGreaterThan(-50);
      expect(lag, `arrival lag of slot ${r.headers["x-cron-scheduled-at"]}`).toBeLessThan(1200);
    }
    expect(new Set(got.map(runIdOf)).size).toBe(got.length);
  });

  it("skip: one at a time; the slots in between are recorded as skipped and never sent", async () => {
    const got = requestsTo(receiver!.requests, jobs.skip!.path);
    expect(got.length).toBeGreaterThanOrEqual(2);
    expect(Math.max(...got.map((r) => r.concurrent)), "max in flight").toBe(1);

    // Let the last delivery finish so every run is final.
    const runs = (
      await waitFor(
        async () => {
          const all = await allRuns(api, jobs.skip!.cron_id);
          const sent = all.filter((r) => r.state !== "skipped");
          return sent.length === started.skip && all.every((r) => FINISHED.has(r.state))
            ? all
            : undefined;
        },
        { what: "every run of the skip job to be final", timeoutMs: SLOW_MS + 15_000 },
      )
    ).sort(bySlot);
    const delivered = new Set(got.map(runIdOf));
    const skipped = runs.filter((r) => r.state === "skipped");
    expect(skipped.length, "skipped runs").toBeGreaterThanOrEqual(2);
    for (const r of skipped) {
      expect(delivered.has(r.run_id), `skipped run ${r.run_id} was not sent`).toBe(false);
      expect(r.attempts).toBe(0);
      expect(r.error).toMatch(/skip/);
    }
    for (const r of runs.filter((r) => r.state !== "skipped")) {
      expect(r.state).toBe("succeeded");
      expect(delivered.has(r.run_id), `run ${r.run_id} was sent`).toBe(true);
    }
    // Between two delivered slots, every slot is there, skipped.
    const sent = runs
      .filter((r) => r.state === "succeeded")
      .map((r) => Date.parse(r.scheduled_for));
    for (let i = 1; i < sent.length; i++) {
      const between = runs.filter((r) => {
        const s = Date.parse(r.scheduled_for);
        return s > sent[i - 1]! && s < sent[i]!;
      });
      expect(between.length, "slots between two deliveries").toBeGreaterThanOrEqual(1);
      expect(between.length).toBe((sent[i]! - sent[i - 1]!) / 1000 - 1);
      for (const r of between) expect(r.state).toBe("skipped");
    }
  });

  it("queue: one at a time, queued runs delivered later in slot order under the same run ids", async () => {
    const cronId = jobs.queue!.cron_id;
    const atPause = (await allRuns(api, cronId)).sort(bySlot);
    const queued = atPause.filter((r) => r.state === "queued");
    expect(queued.length, "runs waiting in the queue when paused").toBeGreaterThanOrEqual(2);
    expect(queued.length).toBeLessThanOrEqual(10);
    expect(atPause.filter((r) => r.state === "skipped")).toHaveLength(0);

    // Paused, the queue still drains, one at a time.
    let last: any[] = [];
    const finalRuns = await waitFor(
      async () => {
        last = (await allRuns(api, cronId)).sort(bySlot);
        return last.every((r) => FINISHED.has(r.state)) ? last : undefined;
      },
      {
        what: "the queue to drain",
        timeoutMs: (queued.length + 2) * (SLOW_MS + 2000),
        stepMs: 1000,
      },
    ).catch((e) => {
      const states = last.map((r) => `${r.scheduled_for.slice(11, 19)} ${r.run_id} ${r.state}`);
      throw new Error(`${e.message}\nruns by slot:\n${states.join("\n")}`);
    });
    const state = new Map(finalRuns.map((r) => [r.run_id, r]));
    for (const q of queued) {
      expect(state.get(q.run_id)?.state, `queued run ${q.run_id}`).toBe("succeeded");
      expect(state.get(q.run_id)?.scheduled_for).toBe(q.scheduled_for);
    }
    const got = requestsTo(receiver!.requests, jobs.queue!.path);
    expect(Math.max(...got.map((r) => r.concurrent)), "max in flight").toBe(1);
    expect(got.length).toBe(finalRuns.length);
    const slots = got.map(slotOf);
    for (let i = 1; i < slots.length; i++) {
      expect(slots[i]!, "queued slots are delivered in slot order").toBeGreaterThan(slots[i - 1]!);
    }
    // Each queued run started once the previous one finished.
    for (let i = 1; i < got.length; i++) {
      expect(got[i]!.received_at - got[i - 1]!.received_at).toBeGreaterThanOrEqual(SLOW_MS - 100);
    }
    for (const q of queued) {
      expect(got.some((r) => runIdOf(r) === q.run_id)).toBe(true);
    }
  });
});

describe("the queue holds at most 10", () => {
  it("slots beyond 10 waiting runs are recorded as skipped", async () => {
    // The first delivery holds the job for 14 s: slots 1..10 queue, later ones are skipped.
    const path = uniquePath("slow/14000");
    const job = await createJob({
      schedule: "* * * * * *",
      url: target(path),
      overlap_policy: "queue",
      timeout_seconds: 60,
      retries: 0,
    });
    const runs = await waitFor(
      async () => {
        // A job whose slots are being skipped records them at its next event or within
        // LAZY_SKIP_MAX_MS (src/job/core/decision.ts); reading the job is such an event.
        expect((await api.get(`/v1/cron/get/${job.cron_id}`)).status).toBe(200);
        const r = await allRuns(api, job.cron_id);
        return r.filter((x) => x.state === "skipped").length >= 2 ? r : undefined;
      },
      { what: "2 slots skipped for a full queue", timeoutMs: 25_000, stepMs: 1000 },
    );
    // Delete rather than drain 10 × 14 s; deleting aborts the request in flight.
    expect((await api.del(`/v1/cron/delete/${job.cron_id}`)).status).toBe(200);
    const sorted = runs.sort(bySlot);
    expect(sorted.filter((r) => r.state === "running")).toHaveLength(1);
    expect(
      sorted.filter((r) => r.state === "queued"),
      "queued runs",
    ).toHaveLength(10);
    const skipped = sorted.filter((r) => r.state === "skipped");
    for (const r of skipped) expect(r.error).toMatch(/10 runs already queued/);
    // The queued ones are the 10 slots right after the running one; skipped come after.
    const states = sorted.map((r) => r.state);
    const summary = sorted.map(
      (r) =>
        `${r.scheduled_for.slice(11, 19)} ${r.state} ${r.error ?? ""} ${JSON.stringify(r.attempt_log)}`,
    );
    expect(states.slice(0, 11), summary.join("\n")).toEqual([
      "running",
      ...Array(10).fill("queued"),
    ]);
    expect(new Set(states.slice(11))).toEqual(new Set(["skipped"]));
    expect(requestsTo(receiver!.requests, path)).toHaveLength(1);
  });
});
