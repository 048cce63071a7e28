// The pure core of SPEC §11–§12: replay, bulk replay, cancel, pause_after_failures and
// paused_reason, the events a job sends, secret rotation, and what an audit entry holds.
import { describe, expect, it } from "vitest";
import { auditEntry, keyActor, REDACTED, systemEntry } from "../../../src/job/audit";
import * as core from "../../../src/job/core";
import type { JobConfig, JobState, NotifyEvent, RunRow } from "../../../src/job/types";
import { aborts, ctx, newJob, result, rows, SEC, starts } from "./fixtures";

const T0 = Date.parse("2026-06-01T12:00:00Z");
/** A job that only runs when asked (its one slot a year away). */
const NEVER = "0 0 1 1 *";

const job = (over: Partial<JobConfig> = {}, enabled = true) =>
  newJob(T0, { schedule: NEVER, retries: 0, ...over }, "cron_X", enabled);

const notified = (s: core.Step) =>
  s.effects.flatMap((e) => (e.type === "notify" ? [e] : [])).map((e) => e.event);

/** Triggers a run at `at` and reports its one attempt with `status`. */
function runOnce(s: JobState, status: number, at: number): core.Step {
  const t = core.trigger(s, ctx(at));
  return core.attemptFinished(t.state, t.row.run_id, 1, result(status, at), ctx(at + 10));
}

const finishedRow = (over: Partial<RunRow> = {}): RunRow => ({
  run_id: "run_original",
  cron_id: "cron_X",
  tenant_id: "t",
  trigger: "schedule",
  state: "failed",
  scheduled_for: T0 - 3600 * SEC,
  fire_at: T0 - 3600 * SEC,
  started_at: T0 - 3600 * SEC,
  finished_at: T0 - 3599 * SEC,
  fire_lag_ms: 0,
  attempts: 1,
  attempt_log: [],
  response_status: 500,
  duration_ms: 5,
  error: "HTTP 500",
  response_body: "",
  missed_slots: 0,
  skip_reason: null,
  backfill_id: null,
  replay_of: null,
  created_at: T0 - 3600 * SEC,
  ...over,
});

describe("replay (one run)", () => {
  it("starts a new run now: trigger replay, replay_of the original, the original's slot", () => {
    const original = finishedRow();
    const step = core.replay(job(), original, ctx(T0));
    expect(step.row).toMatchObject({
      trigger: "replay",
      replay_of: original.run_id,
      scheduled_for: original.scheduled_for,
      fire_at: T0,
      state: "running",
    });
    expect(step.row.run_id).not.toBe(original.run_id);
    expect(starts(step)).toEqual([
      { type: "start_attempt", run_id: step.row.run_id, attempt: 1, at: T0 },
    ]);
    // Not a scheduled run: max_runs does not count it.
    expect(step.state.run_count).toBe(0);
  });

  it("ignores the overlap policy like a trigger, but never exceeds max_concurrency", () => {
    let s = job({ overlap_policy: "skip", max_concurrency: 2 });
    s = core.trigger(s, ctx(T0)).state; // one run in progress
    const beside = core.replay(s, finishedRow(), ctx(T0 + 1));
    expect(beside.row.state).toBe("running"); // skip governs slots, not replays
    const full = core.replay(beside.state, finishedRow(), ctx(T0 + 2));
    expect(full.row).toMatchObject({ state: "skipped", skip_reason: "concurrency_limit" });
    expect(starts(full)).toEqual([]);
    expect(full.state.active).toHaveLength(2);
  });

  it("works on a paused job", () => {
    const s = core.pause(job(), ctx(T0)).state;
    const step = core.replay(s, finishedRow(), ctx(T0 + 1));
    expect(step.row.state).toBe("running");
    expect(step.state.status).toBe("paused");
  });

  it("inProgress names running, retrying, queued and waiting-replay runs only", () => {
    let s = job({ retries: 1 });
    const t = core.trigger(s, ctx(T0));
    s = t.state;
    expect(core.inProgress(s, t.row.run_id)).toBe(true);
    s = core.attemptFinished(s, t.row.run_id, 1, result(500, T0), ctx(T0 + 1)).state;
    expect(s.active[0]!.state).toBe("retrying");
    expect(core.inProgress(s, t.row.run_id)).toBe(true);
    const many = core.replayMany(s, [finishedRow(), finishedRow({ run_id: "run_2" })], ctx(T0 + 2));
    expect(core.inProgress(many.state, many.run_ids[1]!)).toBe(true);
    expect(core.inProgress(many.state, "run_unknown")).toBe(false);
  });
});

describe("replayMany (bulk replay)", () => {
  const originals = [1, 2, 3].map((i) =>
    finishedRow({ run_id: `run_orig${i}`, scheduled_for: T0 - (10 - i) * 60 * SEC }),
  );

  it("records every run queued at once, then delivers them oldest first, one at a time", () => {
    const step = core.replayMany(job(), originals, ctx(T0));
    expect(step.run_ids).toHaveLength(3);
    const queued = rows(step).filter((r) => r.state === "queued");
    expect(queued.map((r) => r.replay_of)).toEqual(["run_orig1", "run_orig2", "run_orig3"]);
    expect(queued.every((r) => r.trigger === "replay")).toBe(true);
    // The first starts at once under its queued id; the others wait.
    expect(starts(step).map((e) => e.run_id)).toEqual([step.run_ids[0]]);
    expect(step.state.replays.map((r) => r.run_id)).toEqual(step.run_ids.slice(1));
    let s = step.state;
    const delivered: string[] = [step.run_ids[0]!];
    for (let i = 0; i < 2; i++) {
      const running = s.active.find((r) => r.lane === "replay")!;
      const done = core.attemptFinished(s, running.run_id, 1, result(200, T0), ctx(T0 + i + 1));
      s = done.state;
      delivered.push(...starts(done).map((e) => e.run_id));
    }
    expect(delivered).toEqual(step.run_ids);
    expect(s.active.filter((r) => r.lane === "replay")).toHaveLength(1);
    expect(s.replays).toEqual([]);
    const last = s.active[0]!;
    expect(last).toMatchObject({ trigger: "replay", replay_of: "run_orig3" });
  });

  it("goes on while the job is paused, beside the job's own runs", () => {
    const s = core.pause(job(), ctx(T0)).state;
    const step = core.replayMany(s, originals, ctx(T0));
    expect(starts(step)).toHaveLength(1);
    const t = core.trigger(step.state, ctx(T0 + 1));
    expect(t.row.state).toBe("running"); // the lane is not overlapped
  });
});

describe("cancel", () => {
  it("a running run: cancelled, its attempt aborted, a later report changes nothing", () => {
    const t = core.trigger(job({ retries: 3 }), ctx(T0));
    const c = core.cancel(t.state, t.row.run_id, "cancelled by key:abc", ctx(T0 + 5));
    expect(c.found).toBe(true);
    expect(aborts(c)).toEqual([{ type: "abort_attempt", run_id: t.row.run_id }]);
    expect(c.row).toMatchObject({ state: "cancelled", error: "cancelled by key:abc" });
    expect(c.state.active).toEqual([]);
    // The aborted attempt reports a failure: no retry, nothing written.
    const late = core.attemptFinished(c.state, t.row.run_id, 1, result(500, T0), ctx(T0 + 6));
    expect(late.effects).toEqual([]);
    expect(
      core.wake(late.state, ctx(T0 + 3600 * SEC)).effects.some((e) => e.type === "start_attempt"),
    ).toBe(false);
  });

  it("a retrying run: cancelled, no further attempt, not a failure", () => {
    let s = job({ retries: 3, pause_after_failures: 1 });
    const t = core.trigger(s, ctx(T0));
    s = core.attemptFinished(t.state, t.row.run_id, 1, result(500, T0), ctx(T0 + 1)).state;
    const c = core.cancel(s, t.row.run_id, "cancelled", ctx(T0 + 2));
    expect(c.row!.state).toBe("cancelled");
    expect(aborts(c)).toEqual([]); // nothing in flight while waiting for a retry
    expect(c.state.consecutive_failures).toBe(0);
    expect(c.state.status).toBe("active");
    expect(starts(core.wake(c.state, ctx(T0 + 3600 * SEC)))).toEqual([]);
  });

  it("a queued slot: cancelled and dropped from the queue", () => {
    const every = newJob(T0, { schedule: "* * * * * *", overlap_policy: "queue", retries: 0 });
    let s = core.wake(every, ctx(T0 + SEC)).state;
    const q = core.wake(s, ctx(T0 + 2 * SEC));
    s = q.state;
    const queued = s.queue[0]!;
    const c = core.cancel(s, queued.run_id, "cancelled", ctx(T0 + 2 * SEC + 1));
    expect(c.row).toMatchObject({ run_id: queued.run_id, state: "cancelled" });
    expect(c.state.queue).toEqual([]);
  });

  it("a running run of a queue job lets the first queued slot start", () => {
    const every = newJob(T0, { schedule: "* * * * * *", overlap_policy: "queue", retries: 0 });
    let s = core.wake(every, ctx(T0 + SEC)).state;
    s = core.wake(s, ctx(T0 + 2 * SEC)).state;
    const running = s.active[0]!;
    const queued = s.queue[0]!;
    const c = core.cancel(s, running.run_id, "cancelled", ctx(T0 + 2 * SEC + 5));
    expect(starts(c).map((e) => e.run_id)).toEqual([queued.run_id]);
  });

  it("a waiting replay: cancelled, and the lane skips it", () => {
    const step = core.replayMany(
      job(),
      [finishedRow(), finishedRow({ run_id: "run_o2" })],
      ctx(T0),
    );
    const c = core.cancel(step.state, step.run_ids[1]!, "cancelled", ctx(T0 + 1));
    expect(c.row).toMatchObject({ state: "cancelled", trigger: "replay", replay_of: "run_o2" });
    expect(c.state.replays).toEqual([]);
  });

  it("a finished or unknown run: not found, nothing changes", () => {
    const done = runOnce(job(), 200, T0);
    const c = core.cancel(done.state, "run_gone", "cancelled", ctx(T0 + 100));
    expect(c).toMatchObject({ found: false, row: null, effects: [] });
    expect(c.state).toBe(done.state);
  });
});

describe("pause_after_failures and paused_reason", () => {
  it("pauses exactly at the N-th consecutive failure, paused_reason consecutive_failures", () => {
    let s = job({ pause_after_failures: 3 });
    for (let i = 1; i <= 2; i++) {
      s = runOnce(s, 500, T0 + i * 100).state;
      expect(s.status).toBe("active");
    }
    const third = runOnce(s, 500, T0 + 300);
    expect(third.state).toMatchObject({
      status: "paused",
      paused_reason: "consecutive_failures",
      next_run_at: null,
      consecutive_failures: 3,
    });
  });

  it("a success resets the count; a cancel neither counts nor resets", () => {
    let s = job({ pause_after_failures: 2, retries: 0 });
    s = runOnce(s, 500, T0).state;
    s = runOnce(s, 200, T0 + 100).state;
    s = runOnce(s, 500, T0 + 200).state;
    const t = core.trigger(s, ctx(T0 + 300));
    s = core.cancel(t.state, t.row.run_id, "c", ctx(T0 + 301)).state;
    expect(s).toMatchObject({ status: "active", consecutive_failures: 1 });
    s = runOnce(s, 500, T0 + 400).state;
    expect(s).toMatchObject({ status: "paused", paused_reason: "consecutive_failures" });
  });

  it("resume clears paused_reason and counts N failures anew; the count itself goes on", () => {
    let s = job({ pause_after_failures: 2 });
    s = runOnce(runOnce(s, 500, T0).state, 500, T0 + 100).state;
    expect(s.status).toBe("paused");
    s = core.resume(s, T0 + 200).state;
    expect(s).toMatchObject({ status: "active", paused_reason: null, consecutive_failures: 2 });
    s = runOnce(s, 500, T0 + 300).state;
    expect(s.status).toBe("active"); // one failure since the resume
    s = runOnce(s, 500, T0 + 400).state;
    expect(s).toMatchObject({ status: "paused", consecutive_failures: 4 });
  });

  it("null: never pauses itself", () => {
    let s = job();
    for (let i = 0; i < 20; i++) s = runOnce(s, 500, T0 + i * 100).state;
    expect(s).toMatchObject({ status: "active", consecutive_failures: 20 });
  });

  it("a pause call says manual, as do create and update with enabled false", () => {
    expect(core.pause(job(), ctx(T0)).state.paused_reason).toBe("manual");
    expect(job({}, false).paused_reason).toBe("manual");
    expect(core.update(job(), { enabled: false }, ctx(T0)).state.paused_reason).toBe("manual");
    const back = core.update(
      core.pause(job(), ctx(T0)).state,
      { enabled: true },
      ctx(T0 + 1),
    ).state;
    expect(back).toMatchObject({ status: "active", paused_reason: null });
  });
});

describe("notifications (the events a job sends)", () => {
  const withNotify = (events: NotifyEvent[], over: Partial<JobConfig> = {}) =>
    job({ notify_url: "https://hooks.example.com/n", notify_events: events, ...over });
  const ALL: NotifyEvent[] = [
    "run.failed",
    "run.succeeded",
    "run.recovered",
    "job.paused",
    "job.completed",
  ];

  it("run.failed on a final failure only (not a failed attempt that is retried)", () => {
    const s = withNotify(["run.failed"], { retries: 1 });
    const t = core.trigger(s, ctx(T0));
    const retry = core.attemptFinished(t.state, t.row.run_id, 1, result(500, T0), ctx(T0 + 1));
    expect(notified(retry)).toEqual([]);
    const again = core.wake(retry.state, ctx(T0 + 3600 * SEC));
    const final = core.attemptFinished(
      again.state,
      t.row.run_id,
      2,
      result(500, T0),
      ctx(T0 + 3601 * SEC),
    );
    expect(notified(final)).toEqual(["run.failed"]);
    const e = final.effects.find((x) => x.type === "notify")!;
    expect(e).toMatchObject({
      row: { run_id: t.row.run_id, state: "failed" },
      to_notify_url: true,
      legacy: false,
    });
  });

  it("run.failed ×N then job.paused, in that order, at pause_after_failures", () => {
    let s = withNotify(ALL, { pause_after_failures: 3 });
    const events: string[] = [];
    for (let i = 0; i < 3; i++) {
      const step = runOnce(s, 500, T0 + i * 100);
      events.push(...notified(step));
      s = step.state;
    }
    expect(events).toEqual(["run.failed", "run.failed", "run.failed", "job.paused"]);
  });

  it("run.recovered with the first success after failures, and only then", () => {
    let s = withNotify(["run.recovered", "run.succeeded"]);
    expect(notified(runOnce(s, 200, T0))).toEqual(["run.succeeded"]);
    s = runOnce(runOnce(s, 500, T0).state, 500, T0 + 100).state;
    const first = runOnce(s, 200, T0 + 200);
    expect(notified(first)).toEqual(["run.succeeded", "run.recovered"]);
    expect(notified(runOnce(first.state, 200, T0 + 300))).toEqual(["run.succeeded"]);
  });

  it("run.recovered after an automatic pause and a resume", () => {
    let s = withNotify(["run.recovered"], { pause_after_failures: 2 });
    s = runOnce(runOnce(s, 500, T0).state, 500, T0 + 100).state;
    s = core.resume(s, T0 + 200).state;
    expect(notified(runOnce(s, 200, T0 + 300))).toEqual(["run.recovered"]);
  });

  it("job.paused on a pause call, job.completed when a one-shot has run", () => {
    expect(notified(core.pause(withNotify(ALL), ctx(T0)))).toEqual(["job.paused"]);
    const once = newJob(T0, {
      schedule: null,
      run_at: T0 + SEC,
      notify_url: "https://hooks.example.com/n",
      notify_events: ALL,
    });
    expect(notified(core.wake(once, ctx(T0 + SEC)))).toEqual(["job.completed"]);
  });

  it("only the events asked for; none without a notify_url", () => {
    let s = withNotify(["job.paused"], { pause_after_failures: 1 });
    expect(notified(runOnce(s, 500, T0))).toEqual(["job.paused"]);
    s = job({ pause_after_failures: 1, notify_events: ALL });
    expect(notified(runOnce(s, 500, T0))).toEqual([]);
  });

  it("on_failure_webhook alone: run.failed to it (legacy body), nothing else", () => {
    let s = job({ on_failure_webhook: "https://hooks.example.com/f", pause_after_failures: 1 });
    const step = runOnce(s, 500, T0);
    expect(step.effects.filter((e) => e.type === "notify")).toEqual([
      expect.objectContaining({ event: "run.failed", to_notify_url: false, legacy: true }),
    ]);
    s = core.resume(step.state, T0 + 1).state;
    expect(notified(runOnce(s, 200, T0 + 2))).toEqual([]);
  });
});

describe("rotateSecret", () => {
  it("the new secret signs first, the previous one beside it for 24 h, then alone", () => {
    const s = job();
    const r = core.rotateSecret(s, "whsec_new", T0).state;
    expect(r).toMatchObject({
      signing_secret: "whsec_new",
      previous_secret: s.signing_secret,
      previous_secret_expires_at: T0 + 24 * 3600 * SEC,
    });
    expect(core.signingSecrets(r, T0 + 1)).toEqual(["whsec_new", s.signing_secret]);
    expect(core.signingSecrets(r, T0 + 24 * 3600 * SEC - 1)).toHaveLength(2);
    expect(core.signingSecrets(r, T0 + 24 * 3600 * SEC)).toEqual(["whsec_new"]);
    expect(core.signingSecrets(s, T0)).toEqual([s.signing_secret]);
  });

  it("a second rotation inside the overlap retires the oldest secret", () => {
    const s = core.rotateSecret(
      core.rotateSecret(job(), "whsec_b", T0).state,
      "whsec_c",
      T0 + 1,
    ).state;
    expect(core.signingSecrets(s, T0 + 2)).toEqual(["whsec_c", "whsec_b"]);
  });
});

describe("audit entries", () => {
  const by = { actor: keyActor("0123456789abcdef0123"), request_id: "req_1" };

  it("actor is key:<first 12 hex>; an update lists each changed field {from, to}", () => {
    const before = job({ name: "a", retries: 1 });
    const after = core.update(before, { name: "b", retries: 2 }, ctx(T0 + 1)).state;
    const e = auditEntry("update", before, after, by, T0 + 1);
    expect(e).toEqual({
      at: T0 + 1,
      action: "update",
      actor: "key:0123456789ab",
      request_id: "req_1",
      subject: null,
      changes: { name: { from: "a", to: "b" }, retries: { from: 1, to: 2 } },
    });
  });

  it("never shows a secret: rotate-secret shows only the overlap's end; header values are redacted", () => {
    const before = {
      ...job({ headers: { Authorization: "Bearer old-token" } }),
      signing_secret: "whsec_oldsecret",
    };
    const rotated = core.rotateSecret(before, "whsec_new", T0).state;
    const e = auditEntry("rotate-secret", before, rotated, by, T0);
    expect(Object.keys(e.changes)).toEqual(["previous_secret_expires_at"]);
    const updated = core.update(
      before,
      { headers: { Authorization: "Bearer new-token" } },
      ctx(T0),
    ).state;
    const u = auditEntry("update", before, updated, by, T0);
    expect(u.changes.headers).toEqual({
      from: { Authorization: REDACTED },
      to: { Authorization: REDACTED },
    });
    const text = JSON.stringify([e, u]);
    for (const secret of ["whsec_new", before.signing_secret, "old-token", "new-token"])
      expect(text).not.toContain(secret);
  });

  it("pause shows the status change; an automatic pause is the system's", () => {
    const before = job({ pause_after_failures: 1 });
    const paused = core.pause(before, ctx(T0)).state;
    expect(auditEntry("pause", before, paused, by, T0).changes).toMatchObject({
      status: { from: "active", to: "paused" },
      enabled: { from: true, to: false },
      paused_reason: { from: null, to: "manual" },
    });
    const failed = runOnce(before, 500, T0);
    expect(systemEntry(before, failed.state, T0 + 1)).toMatchObject({
      action: "pause",
      actor: "system",
      request_id: null,
      changes: { paused_reason: { from: null, to: "consecutive_failures" } },
    });
    expect(systemEntry(before, paused, T0)).toBeNull(); // a call's pause is the caller's
    expect(systemEntry(before, runOnce(job(), 500, T0).state, T0)).toBeNull();
  });

  it("create lists every field from null; run actions name their run", () => {
    const s = job();
    const created = auditEntry("create", null, s, by, T0);
    expect(created.changes.name).toEqual({ from: null, to: s.config.name });
    expect(created.changes.signing_secret).toBeUndefined();
    const t = core.trigger(s, ctx(T0));
    expect(auditEntry("trigger", s, t.state, by, T0, t.row.run_id)).toMatchObject({
      subject: t.row.run_id,
      changes: {},
    });
  });
});
