// Issue 16 end to end (SPEC §11–§12): a real `wrangler dev` firing real alarms at real
// receivers on 127.0.0.1. A job failing 3 times with pause_after_failures 3 pauses itself
// and its notify URL gets run.failed ×3 then job.paused, signed; fixed and resumed, its
// first success sends run.recovered; a bulk replay of the failed runs delivers each once
// under new run ids; a hanging run is cancelled and its request aborted; after a secret
// rotation every request verifies with the old secret alone and with the new one alone;
// the audit log shows each of these with its actor. Waits poll for the event they need,
// with room for a loaded 2-core machine; no timing is asserted beyond order.
import { createHash, randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifySignature } from "../../src/verify";
import { type Received, type Receiver, startReceiver } from "../helpers/receiver";
import { waitFor } from "../helpers/wait";
import { type CrondoServer, startCrondo } from "../helpers/wrangler-dev";
import { type Client, client, finishedRun, requestsTo, uniquePath } from "./client";

let crondo: CrondoServer | undefined;
let target: Receiver | undefined;
let hooks: Receiver | undefined;
let api: Client;
let actor: string;

const NEVER = "0 0 1 1 *";

beforeAll(async () => {
  target = await startReceiver();
  hooks = await startReceiver();
  crondo = await startCrondo();
  const key = await crondo.keyFor("e2e-run-ops");
  actor = `key:${createHash("sha256").update(key).digest("hex").slice(0, 12)}`;
  api = client(crondo.url, key);
});

afterAll(async () => {
  try {
    await crondo?.cleanup();
  } finally {
    await target?.close();
    await hooks?.close();
  }
});

async function getJob(cronId: string) {
  const res = await api.get(`/v1/cron/get/${cronId}`);
  expect(res.status, res.text).toBe(200);
  return res.body.data;
}

async function auditOf(cronId: string): Promise<any[]> {
  const res = await api.get(`/v1/cron/audit/${cronId}?limit=100`);
  expect(res.status, res.text).toBe(200);
  return res.body.data.items;
}

const eventsAt = (path: string) =>
  requestsTo(hooks!.requests, path).map((r) => ({ req: r, body: JSON.parse(r.body) }));

const signedWith = (secret: string, r: Received) =>
  verifySignature(secret, r.body, r.headers["x-cron-signature"]);

describe("a failing job pauses itself, is fixed, resumed and replayed", () => {
  it("run.failed ×3 then job.paused, signed; run.recovered; the failed runs replayed once each", async () => {
    // The target fails its first three requests, then answers 200: "fixed".
    const script = `flaky-${randomUUID()}`;
    await fetch(`${target!.url}/__script/${script}`, {
      method: "POST",
      body: JSON.stringify({ statuses: [500, 500, 500] }),
    });
    const path = `/script/${script}/${randomUUID()}`;
    const hook = uniquePath("ok/events");
    const created = await api.post("/v1/cron/create", {
      name: "flaky",
      schedule: "*/2 * * * * *",
      url: `${target!.url}${path}`,
      retries: 0,
      // A slot that comes while a (slow, on a loaded machine) run is in progress is
      // skipped, not sent: exactly three requests fail before the pause.
      overlap_policy: "skip",
      pause_after_failures: 3,
      notify_url: `${hooks!.url}${hook}`,
      notify_events: ["run.failed", "run.recovered", "job.paused"],
    });
    expect(created.status, created.text).toBe(201);
    const job = created.body.data;

    // Three failed runs, then it pauses itself.
    const paused = await waitFor(
      async () => {
        const j = await getJob(job.cron_id);
        return j.status === "paused" ? j : null;
      },
      { what: "the job to pause itself", timeoutMs: 60_000, stepMs: 250 },
    );
    expect(paused).toMatchObject({
      paused_reason: "consecutive_failures",
      consecutive_failures: 3,
      next_run_at: null,
    });
    const events = await waitFor(() => (eventsAt(hook).length >= 4 ? eventsAt(hook) : null), {
      what: "four events at the notify URL",
      timeoutMs: 30_000,
    });
    expect(events.map((e) => e.body.type)).toEqual([
      "run.failed",
      "run.failed",
      "run.failed",
      "job.paused",
    ]);
    const failedIds = events.slice(0, 3).map((e) => e.body.data.run.run_id);
    expect(new Set(failedIds).size).toBe(3);
    for (const e of events) {
      expect(e.body.id).toMatch(/^evt_[0-9A-Z]{26}$/);
      expect(e.req.headers["idempotency-key"]).toBe(e.body.id);
      expect(await signedWith(job.signing_secret, e.req)).toBe(true);
    }
    expect(events[3]!.body.data).toMatchObject({
      cron_id: job.cron_id,
      paused_reason: "consecutive_failures",
    });
    const sent = requestsTo(target!.requests, path);
    expect(sent).toHaveLength(3); // paused: no slot fires any more

    // Fixed (the script is spent: 200 from now on) and resumed: the first success recovers.
    const resumed = await api.post(`/v1/cron/resume/${job.cron_id}`);
    expect(resumed.body.data).toMatchObject({ status: "active", paused_reason: null });
    const recovered = await waitFor(
      () => eventsAt(hook).find((e) => e.body.type === "run.recovered"),
      { what: "run.recovered", timeoutMs: 30_000 },
    );
    expect(recovered.body.data.run).toMatchObject({ state: "succeeded", cron_id: job.cron_id });
    expect(await signedWith(job.signing_secret, recovered.req)).toBe(true);
    const stopped = await api.post(`/v1/cron/pause/${job.cron_id}`);
    expect(stopped.body.data).toMatchObject({ status: "paused", paused_reason: "manual" });

    // Bulk replay of the failed runs: each delivered once more, under a new run id.
    const before = requestsTo(target!.requests, path).length;
    const replay = await api.post(`/v1/cron/runs/replay/${job.cron_id}`, { state: "failed" });
    expect(replay.status, replay.text).toBe(202);
    expect(replay.body.data.replayed).toBe(3);
    const runIds: string[] = replay.body.data.run_ids;
    const replayed = [];
    for (const id of runIds) replayed.push(await finishedRun(api, job.cron_id, id, 60_000));
    expect(replayed.map((r) => r.replay_of)).toEqual(failedIds); // oldest first
    for (const r of replayed) {
      expect(r).toMatchObject({ trigger: "replay", state: "succeeded" });
      expect(failedIds).not.toContain(r.run_id);
    }
    const after = requestsTo(target!.requests, path).slice(before);
    const replayRequests = after.filter((r) => runIds.includes(r.headers["x-cron-run-id"]!));
    expect(replayRequests.map((r) => r.headers["x-cron-run-id"]).sort()).toEqual(
      [...runIds].sort(),
    );
    // Each run id is delivered once, and its Idempotency-Key is its own.
    for (const r of replayRequests)
      expect(r.headers["idempotency-key"]).toBe(r.headers["x-cron-run-id"]);

    // The audit log: create, the system's pause, resume, the manual pause and the replay.
    const audit = await auditOf(job.cron_id);
    const seen = audit.map((e) => `${e.action} ${e.actor}`).reverse();
    expect(seen).toEqual([
      `create ${actor}`,
      "pause system",
      `resume ${actor}`,
      `pause ${actor}`,
      `replay ${actor}`,
    ]);
    expect(audit[0].subject).toBe(runIds.join(","));
    expect(audit.find((e) => e.actor === "system").changes.paused_reason).toEqual({
      from: null,
      to: "consecutive_failures",
    });
  });
});

describe("cancel", () => {
  it("a hanging run is cancelled and its request aborted: the receiver sees the connection close", async () => {
    const path = uniquePath("hang");
    const created = await api.post("/v1/cron/create", {
      schedule: NEVER,
      url: `${target!.url}${path}`,
      timeout_seconds: 600,
      retries: 3,
    });
    expect(created.status, created.text).toBe(201);
    const job = created.body.data;
    const trig = await api.post(`/v1/cron/trigger/${job.cron_id}`);
    const runId = trig.body.data.run_id;
    const req = await waitFor(() => requestsTo(target!.requests, path)[0], {
      what: "the hanging request to arrive",
      timeoutMs: 30_000,
    });
    expect(req.closed_at).toBeUndefined();
    const res = await api.post(`/v1/cron/runs/cancel/${job.cron_id}/${runId}`);
    expect(res.status, res.text).toBe(200);
    expect(res.body.data).toMatchObject({ run_id: runId, state: "cancelled" });
    await waitFor(() => req.closed_at !== undefined, {
      what: "the receiver to see the connection closed",
      timeoutMs: 30_000,
    });
    expect(req.aborted).toBe(true);
    const run = await finishedRun(api, job.cron_id, runId);
    expect(run).toMatchObject({ state: "cancelled", attempts: 1 });
    const again = await api.post(`/v1/cron/runs/cancel/${job.cron_id}/${runId}`);
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe("RUN_FINISHED");
    expect(requestsTo(target!.requests, path)).toHaveLength(1); // no retry
    const audit = await auditOf(job.cron_id);
    expect(audit[0]).toMatchObject({ action: "cancel", actor, subject: runId });
  });
});

describe("rotate-secret", () => {
  it("during the overlap, a receiver with only the old secret and one with only the new both verify every request and event", async () => {
    const path = uniquePath("ok/rotating");
    const hook = uniquePath("ok/rotating-events");
    const created = await api.post("/v1/cron/create", {
      schedule: "* * * * * *",
      url: `${target!.url}${path}`,
      notify_url: `${hooks!.url}${hook}`,
      notify_events: ["run.succeeded"],
    });
    expect(created.status, created.text).toBe(201);
    const job = created.body.data;
    const oldSecret: string = job.signing_secret;
    await waitFor(() => requestsTo(target!.requests, path).length >= 1, {
      what: "a first request",
      timeoutMs: 30_000,
    });
    const rotated = await api.post(`/v1/cron/rotate-secret/${job.cron_id}`);
    expect(rotated.status, rotated.text).toBe(200);
    const newSecret: string = rotated.body.data.signing_secret;
    expect(newSecret).not.toBe(oldSecret);
    expect(Date.parse(rotated.body.data.previous_secret_expires_at)).toBeGreaterThan(
      Date.now() + 23 * 3600_000,
    );
    const rotatedAt = Date.parse(rotated.body.data.updated_at);
    // Requests signed after the rotation (their t is after it).
    const signedAfter = (r: Received) =>
      Number(/t=(\d+)/.exec(r.headers["x-cron-signature"] ?? "")?.[1]) * 1000 > rotatedAt + 1000;
    const later = await waitFor(
      () => {
        const r = requestsTo(target!.requests, path).filter(signedAfter);
        return r.length >= 3 ? r : null;
      },
      { what: "three requests after the rotation", timeoutMs: 60_000 },
    );
    const events = await waitFor(
      () => {
        const e = requestsTo(hooks!.requests, hook).filter(signedAfter);
        return e.length >= 2 ? e : null;
      },
      { what: "two events after the rotation", timeoutMs: 60_000 },
    );
    await api.post(`/v1/cron/pause/${job.cron_id}`);
    for (const r of [...later, ...events]) {
      expect(r.headers["x-cron-signature"]).toMatch(/^t=\d+,v1=[0-9a-f]{64},v1=[0-9a-f]{64}$/);
      expect(await signedWith(oldSecret, r), "the old secret alone verifies").toBe(true);
      expect(await signedWith(newSecret, r), "the new secret alone verifies").toBe(true);
      expect(await signedWith("whsec_someone_else", r)).toBe(false);
    }
    // Before the rotation: the old secret only.
    const first = requestsTo(target!.requests, path)[0]!;
    expect(await signedWith(oldSecret, first)).toBe(true);
    const audit = await auditOf(job.cron_id);
    const rotation = audit.find((e) => e.action === "rotate-secret");
    expect(rotation).toMatchObject({
      actor,
      request_id: rotated.headers.get("x-request-id"),
      changes: {
        previous_secret_expires_at: {
          from: null,
          to: rotated.body.data.previous_secret_expires_at,
        },
      },
    });
    expect(JSON.stringify(audit)).not.toContain(newSecret);
    expect(JSON.stringify(audit)).not.toContain(oldSecret);
  });
});
