// Exhaustive tests of the pure scheduling core: every policy × event.
import { describe, expect, it } from "vitest";
import * as core from "../../../src/job/core";
import type { AttemptResult, JobConfig, JobState } from "../../../src/job/types";
import { jobConfig } from "./fixtures";

const T0 = Date.parse("2026-06-01T12:00:00Z");
const MIN = 60_000;

/** An every-minute job's configuration (2 retries, 300 s timeout), with `over` on top. */
const config = (over: Partial<JobConfig> = {}): JobConfig =>
  jobConfig({ schedule: "* * * * *", retries: 2, timeout_seconds: 300, ...over });

let seq = 0;
function ctx(now: number, random = 0.5): core.CoreCtx {
  return { now, newRunId: () => `run_${String(++seq).padStart(26, "0")}`, random: () => random };
}

function job(over: Partial<JobConfig> = {}, enabled = true, now = T0): JobState {
  return core.createJob(
    { cron_id: "cron_X", tenant_id: "t", signing_secret: "s", config: config(over), enabled },
    now,
  ).state;
}

const okResult = (started: number, status = 200): AttemptResult => ({
  started_at: started,
  duration_ms: 5,
  ok: status >= 200 && status < 300,
  response_status: status,
  error: status >= 200 && status < 300 ? null : `HTTP ${status}`,
  response_body: "",
  retry_after_seconds: null,
});

const starts = (s: core.Step) => s.effects.filter((e) => e.type === "start_attempt");
const rows = (s: core.Step) => s.effects.flatMap((e) => (e.type === "write_run" ? [e.row] : []));

describe("createJob", () => {
  it("computes next_run_at for recurring, paused and one-shot jobs", () => {
    expect(job().next_run_at).toBe(T0 + MIN);
    expect(job({}, false)).toMatchObject({ status: "paused", next_run_at: null });
    const at = T0 + 5 * MIN;
    expect(job({ schedule: null, run_at: at })).toMatchObject({
      status: "active",
      next_run_at: at,
    });
  });
});

describe("wake: slots", () => {
  it("does nothing before the slot", () => {
    const s = job();
    const step = core.wake(s, ctx(T0 + 30_000));
    expect(step.effects).toEqual([]);
    expect(step.state).toEqual(s);
  });

  it("starts one run for a due slot and moves to the next", () => {
    const step = core.wake(job(), ctx(T0 + MIN + 7));
    expect(starts(step)).toHaveLength(1);
    const [row] = rows(step);
    expect(row).toMatchObject({
      state: "running",
      trigger: "schedule",
      scheduled_for: T0 + MIN,
      fire_lag_ms: 7,
      missed_slots: 0,
    });
    expect(step.state).toMatchObject({
      run_count: 1,
      last_slot: T0 + MIN,
      next_run_at: T0 + 2 * MIN,
      last_run_state: "running",
    });
    expect(step.state.active).toHaveLength(1);
  });

  it("fires each slot once: a repeated wake-up (alarm redelivery) starts nothing", () => {
    const first = core.wake(job(), ctx(T0 + MIN));
    const again = core.wake(first.state, ctx(T0 + MIN + 500));
    expect(starts(again)).toHaveLength(0);
    expect(again.state.run_count).toBe(1);
  });

  it("after downtime fires one run for the latest missed slot with missed_slots — no burst", () => {
    const step = core.wake(job(), ctx(T0 + 10 * MIN + 30_000));
    expect(starts(step)).toHaveLength(1);
    expect(rows(step)[0]).toMatchObject({ scheduled_for: T0 + 10 * MIN, missed_slots: 9 });
    expect(step.state.next_run_at).toBe(T0 + 11 * MIN);
  });

  it("never fires for a paused or completed job", () => {
    const paused = core.pause(job(), ctx(T0)).state;
    expect(core.wake(paused, ctx(T0 + 5 * MIN)).effects).toEqual([]);
  });
});

describe("overlap policies × busy/idle", () => {
  // timeout 900 s: the run in progress stays in flight through every slot of these tests
  const busy = (policy: JobConfig["overlap_policy"]) =>
    core.wake(job({ overlap_policy: policy, timeout_seconds: 900 }), ctx(T0 + MIN)).state;

  for (const policy of ["allow", "skip", "queue"] as const) {
    it(`${policy}: idle → the slot starts`, () => {
      const step = core.wake(job({ overlap_policy: policy }), ctx(T0 + MIN));
      expect(starts(step)).toHaveLength(1);
    });
  }

  it("allow: busy → another run starts on time", () => {
    const step = core.wake(busy("allow"), ctx(T0 + 2 * MIN));
    expect(starts(step)).toHaveLength(1);
    expect(step.state.active).toHaveLength(2);
    expect(step.state.run_count).toBe(2);
  });

  it("skip: busy → a skipped run is recorded, nothing sent, not counted", () => {
    const step = core.wake(busy("skip"), ctx(T0 + 2 * MIN));
    expect(starts(step)).toHaveLength(0);
    expect(rows(step)).toMatchObject([
      { state: "skipped", scheduled_for: T0 + 2 * MIN, started_at: null },
    ]);
    expect(rows(step)[0]!.finished_at).toBe(T0 + 2 * MIN);
    expect(step.state.run_count).toBe(1);
    expect(step.state.next_run_at).toBe(T0 + 3 * MIN);
  });

  it("queue: busy → queued in slot order, at most 10, then skipped", () => {
    let s = busy("queue");
    for (let i = 2; i <= 11; i++) {
      const step = core.wake(s, ctx(T0 + i * MIN));
      expect(rows(step)).toMatchObject([{ state: "queued", scheduled_for: T0 + i * MIN }]);
      s = step.state;
    }
    expect(s.queue).toHaveLength(core.MAX_QUEUED);
    const over = core.wake(s, ctx(T0 + 12 * MIN));
    expect(rows(over)).toMatchObject([{ state: "skipped" }]);
    expect(over.state.queue).toHaveLength(10);

    // The run in progress finishes: the head of the queue starts, in slot order.
    const running = over.state.active[0]!;
    const done = core.attemptFinished(
      over.state,
      running.run_id,
      1,
      okResult(T0 + MIN),
      ctx(T0 + 12 * MIN + 10),
    );
    const started = rows(done).find((r) => r.state === "running")!;
    expect(started).toMatchObject({ scheduled_for: T0 + 2 * MIN, fire_lag_ms: 10 * MIN + 10 });
    expect(starts(done)).toHaveLength(1);
    expect(done.state.queue).toHaveLength(9);
    expect(done.state.queue[0]!.scheduled_for).toBe(T0 + 3 * MIN);
  });
});

describe("attempts and retries", () => {
  const running = () =>
    core.wake(job({ retries: 2, retry_backoff_seconds: 10 }), ctx(T0 + MIN)).state;

  it("a 2xx finishes the run succeeded", () => {
    const s = running();
    const r = s.active[0]!;
    const step = core.attemptFinished(s, r.run_id, 1, okResult(T0 + MIN), ctx(T0 + MIN + 50));
    expect(rows(step)).toMatchObject([
      {
        state: "succeeded",
        attempts: 1,
        response_status: 200,
        finished_at: T0 + MIN + 50,
        duration_ms: 50,
        error: null,
      },
    ]);
    expect(step.state).toMatchObject({
      active: [],
      last_run_state: "succeeded",
      consecutive_failures: 0,
    });
  });

  it("a failure with retries left waits, then the retry starts as attempt 2", () => {
    const s = running();
    const r = s.active[0]!;
    const failed = core.attemptFinished(
      s,
      r.run_id,
      1,
      okResult(T0 + MIN, 500),
      ctx(T0 + MIN + 20, 0.5),
    );
    expect(rows(failed)).toMatchObject([{ state: "retrying", attempts: 1, error: "HTTP 500" }]);
    const waiting = failed.state.active[0]!;
    expect(waiting.next_attempt_at).toBe(T0 + MIN + 20 + 10_000);
    expect(core.wakeAt(failed.state)).toBe(T0 + MIN + 20 + 10_000);
    expect(starts(core.wake(failed.state, ctx(T0 + MIN + 5000)))).toHaveLength(0);
    const retry = core.wake(failed.state, ctx(T0 + MIN + 20 + 10_000));
    expect(starts(retry)).toEqual([
      { type: "start_attempt", run_id: r.run_id, attempt: 2, at: T0 + MIN + 20 + 10_000 },
    ]);
    expect(rows(retry)).toMatchObject([{ state: "running", attempts: 2 }]);
  });

  it("the final failure fails the run and notifies the webhook once", () => {
    let s = core.wake(
      job({ retries: 1, on_failure_webhook: "https://example.com/f" }),
      ctx(T0 + MIN),
    ).state;
    const id = s.active[0]!.run_id;
    s = core.attemptFinished(s, id, 1, okResult(T0 + MIN, 503), ctx(T0 + MIN + 1)).state;
    s = core.wake(s, ctx(T0 + 2 * MIN - 1)).state;
    const final = core.attemptFinished(
      s,
      id,
      2,
      okResult(T0 + 2 * MIN, 502),
      ctx(T0 + 2 * MIN + 5),
    );
    expect(rows(final)).toMatchObject([{ state: "failed", attempts: 2, response_status: 502 }]);
    expect(final.effects.filter((e) => e.type === "notify")).toHaveLength(1);
    expect(final.state).toMatchObject({
      active: [],
      last_run_state: "failed",
      consecutive_failures: 1,
    });
  });

  it("no webhook configured → no notification", () => {
    let s = core.wake(job({ retries: 0 }), ctx(T0 + MIN)).state;
    const step = core.attemptFinished(
      s,
      s.active[0]!.run_id,
      1,
      okResult(T0 + MIN, 500),
      ctx(T0 + MIN + 5),
    );
    s = step.state;
    expect(step.effects.some((e) => e.type === "notify")).toBe(false);
    expect(s.consecutive_failures).toBe(1);
  });

  it("ignores a stale report for an attempt that is no longer in flight", () => {
    const s = running();
    const id = s.active[0]!.run_id;
    const stale = core.attemptFinished(s, id, 7, okResult(T0), ctx(T0 + MIN + 1));
    expect(stale).toEqual({ state: s, effects: [] });
    expect(core.attemptFinished(s, "run_unknown", 1, okResult(T0), ctx(T0)).effects).toEqual([]);
  });

  it("an attempt past its deadline is declared lost and retried", () => {
    const s = running();
    const deadline = s.active[0]!.deadline!;
    expect(deadline).toBe(T0 + MIN + 300_000 + core.ATTEMPT_GRACE_MS);
    expect(core.wakeAt(s)).toBe(T0 + 2 * MIN); // the next slot comes first
    const step = core.wake(s, ctx(deadline));
    const retrying = step.state.active.find((r) => r.run_id === s.active[0]!.run_id)!;
    expect(retrying.state).toBe("retrying");
    expect(retrying.attempt_log[0]!.error).toMatch(/attempt lost/);
  });

  it("after a restart, in-flight attempts count as interrupted and are retried", () => {
    const s = running();
    const step = core.recover(s, ctx(T0 + MIN + 100));
    expect(step.state.active[0]).toMatchObject({ state: "retrying", attempt: 1 });
    expect(step.state.active[0]!.attempt_log[0]).toMatchObject({
      error: core.INTERRUPTED_ERROR,
      started_at: T0 + MIN,
    });
  });
});

describe("retryDelayMs", () => {
  const cfg = { retry_backoff_seconds: 10 };
  const none = { response_status: 500, retry_after_seconds: null };
  it("doubles per retry with ±20 % jitter", () => {
    expect(core.retryDelayMs(cfg, 1, none, () => 0.5)).toBe(10_000);
    expect(core.retryDelayMs(cfg, 2, none, () => 0.5)).toBe(20_000);
    expect(core.retryDelayMs(cfg, 3, none, () => 0.5)).toBe(40_000);
    expect(core.retryDelayMs(cfg, 1, none, () => 0)).toBe(8_000);
    expect(core.retryDelayMs(cfg, 1, none, () => 0.999999)).toBe(12_000);
  });
  it("caps at 3600 s, jitter included", () => {
    expect(core.retryDelayMs({ retry_backoff_seconds: 3600 }, 4, none, () => 0.999)).toBe(
      3_600_000,
    );
    expect(core.retryDelayMs(cfg, 20, none, () => 0)).toBe(2_880_000);
  });
  it("honours Retry-After on 429 and 503 only, capped", () => {
    expect(
      core.retryDelayMs(cfg, 1, { response_status: 429, retry_after_seconds: 3 }, () => 0),
    ).toBe(3000);
    expect(
      core.retryDelayMs(cfg, 1, { response_status: 503, retry_after_seconds: 99_999 }, () => 0),
    ).toBe(3_600_000);
    expect(
      core.retryDelayMs(cfg, 1, { response_status: 500, retry_after_seconds: 3 }, () => 0.5),
    ).toBe(10_000);
  });
});

describe("max_runs, one-shots, triggers", () => {
  it("completes after max_runs scheduled runs; manual triggers do not count", () => {
    let s = job({ max_runs: 2 });
    s = core.trigger(s, ctx(T0 + 1000)).state;
    s = core.wake(s, ctx(T0 + MIN)).state;
    expect(s).toMatchObject({ run_count: 1, status: "active" });
    s = core.wake(s, ctx(T0 + 2 * MIN)).state;
    expect(s).toMatchObject({ run_count: 2, status: "completed", next_run_at: null });
    expect(starts(core.wake(s, ctx(T0 + 3 * MIN)))).toHaveLength(0);
  });

  it("skipped slots do not count towards max_runs", () => {
    let s = job({ max_runs: 2, overlap_policy: "skip" });
    s = core.wake(s, ctx(T0 + MIN)).state; // runs (1)
    s = core.wake(s, ctx(T0 + 2 * MIN)).state; // skipped
    expect(s).toMatchObject({ run_count: 1, status: "active" });
  });

  it("a one-shot fires once and completes", () => {
    const at = T0 + 5000;
    let s = job({ schedule: null, run_at: at });
    const step = core.wake(s, ctx(at + 3));
    expect(rows(step)[0]).toMatchObject({ scheduled_for: at, fire_lag_ms: 3 });
    s = step.state;
    expect(s).toMatchObject({ status: "completed", next_run_at: null, run_count: 1 });
    expect(starts(core.wake(s, ctx(at + 10_000)))).toHaveLength(0);
  });

  it("trigger starts a manual run now, also when paused or completed", () => {
    const paused = core.pause(job(), ctx(T0)).state;
    const t = core.trigger(paused, ctx(T0 + 10));
    expect(rows(t)[0]).toMatchObject({
      trigger: "manual",
      scheduled_for: T0 + 10,
      state: "running",
    });
    expect(t.state).toMatchObject({ status: "paused", run_count: 0 });
    expect(starts(t)).toEqual([
      { type: "start_attempt", run_id: t.row.run_id, attempt: 1, at: T0 + 10 },
    ]);
  });
});

describe("pause, resume, update", () => {
  it("resume computes from now: paused slots are not caught up", () => {
    const paused = core.pause(job(), ctx(T0)).state;
    const resumed = core.resume(paused, T0 + 30 * MIN + 1).state;
    expect(resumed).toMatchObject({ status: "active", next_run_at: T0 + 31 * MIN });
    expect(rows(core.wake(resumed, ctx(T0 + 31 * MIN)))[0]!.missed_slots).toBe(0);
  });

  it("a pause while the alarm is late decides the slots that came due first", () => {
    // Every minute; the alarm for T0+1m has not fired yet at T0+2m+10s.
    const late = core.pause(job(), ctx(T0 + 2 * MIN + 10_000));
    expect(rows(late)).toMatchObject([
      { trigger: "schedule", scheduled_for: T0 + 2 * MIN, state: "running", missed_slots: 1 },
    ]);
    expect(starts(late)).toHaveLength(1);
    expect(late.state).toMatchObject({ status: "paused", next_run_at: null, pending_missed: 0 });
    // Under skip with a run in progress, the due slot is recorded skipped, with its reason.
    const busy = core.wake(job({ overlap_policy: "skip" }), ctx(T0 + MIN)).state;
    const skipped = core.pause(busy, ctx(T0 + 2 * MIN + 5));
    expect(rows(skipped)).toMatchObject([
      { scheduled_for: T0 + 2 * MIN, state: "skipped", skip_reason: "overlap" },
    ]);
    expect(starts(skipped)).toEqual([]);
    // Nothing due: a plain pause.
    expect(core.pause(job(), ctx(T0 + 30_000)).effects).toEqual([]);
  });

  it("slots counted but not yet reported stay counted across a pause", () => {
    // misfire skip: after a gap none runs; the next on-time run counts them (SPEC §5).
    let s = core.wake(job({ misfire_policy: "skip" }), ctx(T0 + 3 * MIN + 1000)).state;
    expect(s.pending_missed).toBe(3);
    // Paused by an update while the next slot's alarm is late: that slot is counted too.
    s = core.update(s, { enabled: false }, ctx(T0 + 4 * MIN + 5)).state;
    expect(s.pending_missed).toBe(4);
    s = core.resume(s, T0 + 10 * MIN + 1).state;
    expect(rows(core.wake(s, ctx(T0 + 11 * MIN)))[0]!.missed_slots).toBe(4);
    // The run_all catch-up lane dropped by a pause: its slots are counted.
    const down = core.wake(job({ misfire_policy: "run_all" }), ctx(T0 + 4 * MIN + 1000)).state;
    const lane = down.catchups[0]!;
    const paused = core.pause(down, ctx(T0 + 4 * MIN + 2000)).state;
    expect(paused.catchups).toEqual([]);
    expect(paused.pending_missed).toBe(lane.remaining + lane.missed);
  });

  it("a one-shot whose run_at passed while paused fires once, now", () => {
    const at = T0 + MIN;
    const paused = core.pause(job({ schedule: null, run_at: at }), ctx(T0)).state;
    const resumed = core.resume(paused, T0 + 10 * MIN).state;
    expect(resumed.next_run_at).toBe(at);
    const step = core.wake(resumed, ctx(T0 + 10 * MIN));
    expect(starts(step)).toHaveLength(1);
    expect(step.state.status).toBe("completed");
  });

  it("update recomputes next_run_at at once and switches between schedule and run_at", () => {
    const s = job();
    const hourly = core.update(s, { schedule: "0 * * * *" }, ctx(T0 + 1)).state;
    expect(hourly.next_run_at).toBe(T0 + 60 * MIN);
    const zoned = core.update(
      hourly,
      { schedule: "0 9 * * *", timezone: "Asia/Tokyo" },
      ctx(T0),
    ).state;
    expect(new Date(zoned.next_run_at!).toISOString()).toBe("2026-06-02T00:00:00.000Z");
    const once = core.update(zoned, { run_at: T0 + 3 * MIN }, ctx(T0)).state;
    expect(once.config).toMatchObject({ schedule: null, run_at: T0 + 3 * MIN });
    expect(once.next_run_at).toBe(T0 + 3 * MIN);
    const back = core.update(once, { schedule: "*/5 * * * *" }, ctx(T0)).state;
    expect(back.config.run_at).toBeNull();
    expect(back.next_run_at).toBe(T0 + 5 * MIN);
  });

  it("update with enabled pauses and resumes; max_runs below run_count completes", () => {
    let s = core.wake(job(), ctx(T0 + MIN)).state;
    s = core.wake(s, ctx(T0 + 2 * MIN)).state;
    expect(core.update(s, { enabled: false }, ctx(T0)).state).toMatchObject({
      status: "paused",
      next_run_at: null,
    });
    expect(core.update(s, { max_runs: 2 }, ctx(T0)).state).toMatchObject({
      status: "completed",
      next_run_at: null,
    });
    const completed = core.update(s, { max_runs: 2 }, ctx(T0)).state;
    expect(core.update(completed, { max_runs: 5 }, ctx(T0 + 2 * MIN)).state).toMatchObject({
      status: "active",
      next_run_at: T0 + 3 * MIN,
    });
    expect(core.resume(completed, T0).state).toBe(completed); // resume leaves a completed job as it is
  });

  it("a completed one-shot is re-armed by a later run_at", () => {
    let s = core.wake(job({ schedule: null, run_at: T0 + 1000 }), ctx(T0 + 1000)).state;
    expect(s.status).toBe("completed");
    s = core.update(s, { run_at: T0 + 10 * MIN }, ctx(T0 + 2000)).state;
    expect(s).toMatchObject({ status: "active", next_run_at: T0 + 10 * MIN });
  });

  it("a slot already fired is never fired again after an update", () => {
    let s = core.wake(job({ schedule: "0 * * * *" }), ctx(T0 + 60 * MIN)).state;
    s = core.update(s, { schedule: "0 * * * *", timezone: "UTC" }, ctx(T0 + 60 * MIN)).state;
    expect(s.next_run_at).toBe(T0 + 120 * MIN);
  });
});

describe("wakeAt", () => {
  it("is the earliest of the next slot, retries and deadlines; null when nothing is due", () => {
    const s = core.wake(job({ retries: 1, retry_backoff_seconds: 1 }), ctx(T0 + MIN)).state;
    const failed = core.attemptFinished(
      s,
      s.active[0]!.run_id,
      1,
      okResult(T0 + MIN, 500),
      ctx(T0 + MIN + 1, 0.5),
    );
    expect(core.wakeAt(failed.state)).toBe(T0 + MIN + 1 + 1000);
    const paused = core.pause(failed.state, ctx(T0 + MIN + 2)).state;
    expect(core.wakeAt(paused)).toBe(T0 + MIN + 1 + 1000); // retries continue while paused
    expect(core.wakeAt(core.pause(job(), ctx(T0)).state)).toBeNull();
  });
});
