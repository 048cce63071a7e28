// The core's side of SPEC §10 (issue 15): jitter (next_run_at is the fire time, the run
// keeps its nominal slot), start_at/end_at/exclude_dates, the misfire policies with the
// catch-up window, and backfill lanes — pure, without a runtime.
import { describe, expect, it } from "vitest";
import * as core from "../../../src/job/core";
import { upgradeState } from "../../../src/job/defaults";
import { fireAt } from "../../../src/job/slots";
import type { JobConfig, JobState } from "../../../src/job/types";
import { ctx, newJob, result, rows, SEC, starts } from "./fixtures";

const T0 = Date.parse("2026-06-01T12:00:00Z");
const MIN = 60 * SEC;

/** An every-second job (no retries, 30 s timeout) with `over` on top. */
const job = (over: Partial<JobConfig> = {}): JobState =>
  newJob(T0, { retries: 0, timeout_seconds: 30, ...over }, "cron_W");
const ok = (at: number) => result(200, at);

/** Finishes every running run of `s` with a 200 at `now`, applying each step. */
function finishAll(s: JobState, now: number): { s: JobState; steps: core.Step[] } {
  const steps: core.Step[] = [];
  for (let guard = 0; guard < 50; guard++) {
    const run = s.active.find((r) => r.state === "running");
    if (!run) break;
    const step = core.attemptFinished(s, run.run_id, run.attempt, ok(now), ctx(now));
    steps.push(step);
    s = step.state;
  }
  return { s, steps };
}

describe("jitter", () => {
  it("next_run_at is the slot plus its offset; the run keeps the nominal slot and carries fire_at", () => {
    const s = job({ schedule: "0 * * * *", jitter_seconds: 600 });
    const slot = Date.UTC(2026, 5, 1, 13);
    expect(s.next_slot).toBe(slot);
    expect(s.next_run_at).toBe(fireAt(s, slot));
    expect(s.next_run_at! - slot).toBeGreaterThanOrEqual(0);
    expect(s.next_run_at! - slot).toBeLessThan(600 * SEC);
    expect(s.next_run_at).not.toBe(slot); // this seed's offset for this slot is not 0

    // Nothing fires at the nominal slot; at the fire time (pre-armed 300 ms) it does.
    expect(core.wakeAt(s, 300)).toBe(s.next_run_at! - 300);
    const early = core.wake(s, ctx(slot, 300));
    expect(starts(early)).toHaveLength(s.next_run_at! - slot <= 300 ? 1 : 0);
    const fired = core.wake(s, ctx(s.next_run_at! - 300, 300));
    expect(starts(fired)).toEqual([
      { type: "start_attempt", run_id: expect.any(String), attempt: 1, at: s.next_run_at },
    ]);
    expect(rows(fired)[0]).toMatchObject({ scheduled_for: slot, fire_at: s.next_run_at });
    // fire_lag_ms is measured from fire_at, not from the slot.
    const run = fired.state.active[0]!;
    const done = core.attemptFinished(
      fired.state,
      run.run_id,
      1,
      ok(s.next_run_at! + 7),
      ctx(s.next_run_at! + 20),
    );
    expect(rows(done)[0]).toMatchObject({ fire_lag_ms: 7, scheduled_for: slot });
  });

  it("a restart computes the same fire time (state read back from storage)", () => {
    const s = job({ schedule: "*/5 * * * *", jitter_seconds: 120 });
    const stored = JSON.parse(JSON.stringify(s)) as JobState;
    const again = { ...upgradeState(stored), config: s.config };
    expect(core.wakeAt(again, 300)).toBe(core.wakeAt(s, 300));
    expect(fireAt(again, again.next_slot!)).toBe(s.next_run_at);
  });

  it("the offset stays below the gap to the next slot: an every-second job keeps firing every slot", () => {
    let s = job({ jitter_seconds: 3600 });
    const slots: number[] = [];
    let lastFire = -Infinity;
    for (let i = 0; i < 30; i++) {
      const at = s.next_run_at!;
      expect(at).toBeGreaterThan(lastFire);
      expect(at - s.next_slot!).toBeLessThan(SEC);
      lastFire = at;
      const step = core.wake(s, ctx(at));
      expect(rows(step)).toHaveLength(1);
      expect(rows(step)[0]!.missed_slots).toBe(0);
      slots.push(rows(step)[0]!.scheduled_for!);
      s = finishAll(step.state, at + 1).s;
    }
    expect(slots).toEqual(slots.map((_, i) => T0 + (i + 1) * SEC));
  });
});

describe("start_at, end_at, exclude_dates", () => {
  it("no slot before start_at", () => {
    const start = T0 + 90 * MIN + 17 * SEC;
    const s = job({ schedule: "*/15 * * * *", start_at: start });
    expect(s.next_run_at).toBe(T0 + 105 * MIN);
  });

  it("the last slot at or before end_at fires, then the job is completed", () => {
    let s = job({ end_at: T0 + 3 * SEC });
    const fired: number[] = [];
    while (s.status === "active") {
      const at = s.next_run_at!;
      const step = core.wake(s, ctx(at));
      fired.push(...rows(step).map((r) => r.scheduled_for!));
      s = finishAll(step.state, at + 1).s;
    }
    expect(fired).toEqual([T0 + SEC, T0 + 2 * SEC, T0 + 3 * SEC]);
    expect(s).toMatchObject({ status: "completed", next_run_at: null });
  });

  it("slots on an excluded local date do not fire and are not counted (in the job's zone)", () => {
    // 23:30 every day in Berlin: 2026-06-02 excluded (local date, not UTC's).
    const s = job({
      schedule: "30 23 * * *",
      timezone: "Europe/Berlin",
      exclude_dates: ["2026-06-02"],
    });
    expect(new Date(s.next_run_at!).toISOString()).toBe("2026-06-01T21:30:00.000Z");
    const step = core.wake(s, ctx(s.next_run_at!));
    expect(new Date(step.state.next_run_at!).toISOString()).toBe("2026-06-03T21:30:00.000Z");
    // Woken late, past the excluded day: it is not a missed slot.
    const late = core.wake(step.state, ctx(Date.parse("2026-06-03T21:30:05Z")));
    expect(rows(late)[0]).toMatchObject({ missed_slots: 0 });
  });
});

/** An every-second job that was down: its next slot is T0+1s, and it wakes at `now`. */
function downFor(
  policy: JobConfig["misfire_policy"],
  seconds: number,
  over: Partial<JobConfig> = {},
) {
  const s = job({ misfire_policy: policy, ...over });
  return core.wake(s, ctx(T0 + seconds * SEC + 400));
}

describe("misfire policies (SPEC §5, §10)", () => {
  it("run_once: one run for the latest missed slot, the others counted — no burst", () => {
    const step = downFor("run_once", 10);
    expect(rows(step)).toMatchObject([{ scheduled_for: T0 + 10 * SEC, missed_slots: 9 }]);
    expect(starts(step)).toHaveLength(1);
    expect(step.state.next_run_at).toBe(T0 + 11 * SEC);
  });

  it("run_once: slots older than the catch-up window are only counted, also the latest", () => {
    const s = job({ schedule: "0 * * * *", catchup_window_seconds: 60 });
    const late = core.wake(s, ctx(Date.UTC(2026, 5, 1, 15, 30))); // 13:00, 14:00, 15:00 missed
    expect(rows(late)).toEqual([]);
    expect(late.state.pending_missed).toBe(3);
    const next = core.wake(late.state, ctx(Date.UTC(2026, 5, 1, 16)));
    expect(rows(next)).toMatchObject([
      { scheduled_for: Date.UTC(2026, 5, 1, 16), missed_slots: 3 },
    ]);
    expect(next.state.pending_missed).toBe(0);
  });

  it("skip: none of the missed slots runs; the next on-time run counts them", () => {
    const step = downFor("skip", 10);
    expect(rows(step)).toEqual([]);
    expect(step.state.pending_missed).toBe(10);
    const next = core.wake(step.state, ctx(step.state.next_run_at!));
    expect(rows(next)).toMatchObject([{ scheduled_for: T0 + 11 * SEC, missed_slots: 10 }]);
  });

  it("skip: a single slot more than a minute late is missed too; a little late still runs", () => {
    const s = job({ schedule: "0 * * * *", misfire_policy: "skip" });
    const slot = Date.UTC(2026, 5, 1, 13);
    expect(rows(core.wake(s, ctx(slot + 2 * SEC)))).toHaveLength(1);
    const late = core.wake(s, ctx(slot + 2 * MIN));
    expect(rows(late)).toEqual([]);
    expect(late.state.pending_missed).toBe(1);
  });

  it("run_all: every missed slot runs once, in slot order, one after another", () => {
    let step = downFor("run_all", 6);
    // Only the first catch-up run starts; the others wait their turn.
    expect(rows(step)).toMatchObject([
      { trigger: "schedule", scheduled_for: T0 + SEC, missed_slots: 0, state: "running" },
    ]);
    expect(step.state.catchups).toMatchObject([{ remaining: 5, until: T0 + 6 * SEC }]);
    expect(step.state.next_run_at).toBe(T0 + 7 * SEC);
    let s = step.state;
    const delivered = [rows(step)[0]!.scheduled_for];
    let now = T0 + 6400;
    for (let i = 0; i < 5; i++) {
      expect(s.active.filter((r) => r.lane === "catchup")).toHaveLength(1);
      const run = s.active.find((r) => r.lane === "catchup")!;
      now += 50;
      step = core.attemptFinished(s, run.run_id, 1, ok(now), ctx(now));
      const started = rows(step).filter((r) => r.state === "running");
      expect(started).toHaveLength(1);
      delivered.push(started[0]!.scheduled_for);
      s = step.state;
    }
    expect(delivered).toEqual([1, 2, 3, 4, 5, 6].map((i) => T0 + i * SEC));
    expect(s.run_count).toBe(6); // catch-up runs are scheduled runs (max_runs counts them)
    const last = s.active.find((r) => r.lane === "catchup")!;
    step = core.attemptFinished(s, last.run_id, 1, ok(now + 10), ctx(now + 10));
    expect(rows(step).filter((r) => r.state === "running")).toEqual([]);
    expect(step.state.catchups).toEqual([]);
  });

  it("run_all: a second gap while catching up is caught up too, no slot twice", () => {
    let s = downFor("run_all", 5).state; // slots +1 … +5 missed; +1 in flight
    s = core.wake(s, ctx(T0 + 6 * SEC)).state; // on time: +6
    s = core.wake(s, ctx(T0 + 7 * SEC)).state; // on time: +7
    s = core.wake(s, ctx(T0 + 12 * SEC + 400)).state; // down again: +8 … +12 missed
    const caughtUp: number[] = s.active
      .filter((r) => r.lane === "catchup")
      .map((r) => r.scheduled_for);
    let now = T0 + 12_500;
    for (let i = 0; i < 20; i++) {
      const run = s.active.find((r) => r.lane === "catchup");
      if (!run) break;
      now += 10;
      const step = core.attemptFinished(s, run.run_id, 1, ok(now), ctx(now));
      caughtUp.push(
        ...step.state.active.filter((r) => r.lane === "catchup").map((r) => r.scheduled_for),
      );
      s = step.state;
    }
    expect(caughtUp.map((t) => (t - T0) / SEC)).toEqual([1, 2, 3, 4, 5, 8, 9, 10, 11, 12]);
    expect(s.catchups).toEqual([]);
  });

  it("run_all: on-time slots keep firing while the catch-up lane delivers", () => {
    const step = downFor("run_all", 4);
    const on = core.wake(step.state, ctx(T0 + 5 * SEC));
    expect(rows(on)).toMatchObject([{ scheduled_for: T0 + 5 * SEC, missed_slots: 0 }]);
    expect(on.state.active.map((r) => [r.scheduled_for, r.lane])).toEqual([
      [T0 + SEC, "catchup"],
      [T0 + 5 * SEC, null],
    ]);
  });

  it("run_all: slots older than the window are only counted, in the first catch-up run", () => {
    const step = downFor("run_all", 10, { catchup_window_seconds: 3 });
    // Woken at +10.4 s: slots +8, +9, +10 are inside the 3 s window, +1 … +7 are not.
    expect(rows(step)).toMatchObject([{ scheduled_for: T0 + 8 * SEC, missed_slots: 7 }]);
    expect(step.state.catchups).toMatchObject([{ remaining: 2, missed: 0 }]);
  });

  it("run_all under overlap_policy skip: the catch-up run does not make on-time slots skip", () => {
    const step = downFor("run_all", 3, { overlap_policy: "skip" });
    const on = core.wake(step.state, ctx(T0 + 4 * SEC));
    expect(rows(on)).toMatchObject([{ state: "running", skip_reason: null }]);
  });

  it("pause drops the catch-up lane", () => {
    const step = downFor("run_all", 5);
    const paused = core.pause(step.state, ctx(T0 + 5500)).state;
    expect(paused.catchups).toEqual([]);
    const run = paused.active[0]!;
    const done = core.attemptFinished(paused, run.run_id, 1, ok(T0 + 6 * SEC), ctx(T0 + 6 * SEC));
    expect(starts(done)).toEqual([]);
  });
});

describe("backfill lanes", () => {
  const from = T0 - 60 * SEC;
  const to = T0 - 30 * SEC;

  it("counts the slots of [from, to) after bounds and exclusions, up to one past the limit", () => {
    const s = job();
    expect(core.backfillSlots(s, from, to)).toEqual({
      count: 30,
      first: from,
      last: to - SEC,
    });
    expect(core.backfillSlots(job({ start_at: from + 10 * SEC }), from, to).count).toBe(20);
    expect(core.backfillSlots(s, T0 - 2 * 3600 * SEC, T0).count).toBe(core.MAX_BACKFILL_SLOTS + 1);
  });

  it("a stale attempt report changes nothing, even with a lane waiting for room", () => {
    // A manual run fills max_concurrency 1; the backfill waits.
    let s = core.trigger(job({ max_concurrency: 1 }), ctx(T0)).state;
    const manual = s.active[0]!;
    const slots = core.backfillSlots(s, from, to) as { count: number; first: number; last: number };
    s = core.backfill(s, "bf_1", slots, ctx(T0)).state;
    expect(s.active.filter((r) => r.lane === "backfill")).toEqual([]);
    // The report of an attempt that is not in flight (attempt 2 never started).
    const stale = core.attemptFinished(s, manual.run_id, 2, result(200, T0 + 2), ctx(T0 + 2));
    expect(stale.effects).toEqual([]);
    expect(stale.state).toBe(s);
    // The next event that can start a lane does.
    const next = core.attemptFinished(s, manual.run_id, 1, result(200, T0 + 3), ctx(T0 + 3));
    expect(rows(next).map((r) => [r.trigger, r.state])).toEqual([
      ["manual", "succeeded"],
      ["backfill", "running"],
    ]);
  });

  it("an update that makes room (max_concurrency raised) starts a waiting lane at once", () => {
    let s = core.trigger(job({ max_concurrency: 1 }), ctx(T0)).state;
    const slots = core.backfillSlots(s, from, to) as { count: number; first: number; last: number };
    s = core.backfill(s, "bf_1", slots, ctx(T0)).state;
    const same = core.update(s, { name: "renamed" }, ctx(T0 + 1));
    expect(rows(same)).toEqual([]); // no room made: the lane still waits
    const step = core.update(s, { max_concurrency: 2 }, ctx(T0 + 1));
    expect(rows(step).map((r) => [r.trigger, r.state, r.scheduled_for])).toEqual([
      ["backfill", "running", from],
    ]);
    expect(starts(step)).toHaveLength(1);
    expect(step.state.active.map((r) => r.trigger)).toEqual(["manual", "backfill"]);
  });

  it("30 slots, one run at a time in slot order, trigger backfill, beside the scheduled runs", () => {
    let s = job({ max_concurrency: 3 });
    const slots = core.backfillSlots(s, from, to) as { count: number; first: number; last: number };
    let step = core.backfill(s, "bf_1", slots, ctx(T0));
    expect(rows(step)).toMatchObject([
      {
        trigger: "backfill",
        backfill_id: "bf_1",
        scheduled_for: from,
        fire_at: T0,
        state: "running",
      },
    ]);
    s = step.state;
    const delivered: number[] = [from];
    let now = T0;
    while (s.active.some((r) => r.lane === "backfill")) {
      expect(s.active.filter((r) => r.lane === "backfill")).toHaveLength(1);
      // A scheduled slot comes meanwhile and fires on time.
      if (s.next_run_at! <= now + 400) {
        const on = core.wake(s, ctx(s.next_run_at!));
        expect(rows(on).filter((r) => r.trigger === "schedule")).toMatchObject([
          { state: "running", missed_slots: 0 },
        ]);
        s = on.state;
      }
      now += 400;
      const run = s.active.find((r) => r.lane === "backfill")!;
      step = core.attemptFinished(s, run.run_id, 1, ok(now), ctx(now));
      const next = rows(step).filter((r) => r.trigger === "backfill" && r.state === "running");
      delivered.push(...next.map((r) => r.scheduled_for!));
      s = step.state;
      for (const r of s.active.filter((x) => x.lane === null && x.state === "running")) {
        s = core.attemptFinished(s, r.run_id, 1, ok(now), ctx(now)).state;
      }
    }
    expect(delivered).toEqual(Array.from({ length: 30 }, (_, i) => from + i * SEC));
    expect(s.backfills).toEqual([]);
    expect(s.run_count).toBeGreaterThan(0);
    expect(s.run_count).toBeLessThan(30); // backfill runs do not count towards max_runs
  });

  it("waits for room under max_concurrency, and runs while the job is paused", () => {
    let s = job({ max_concurrency: 1 });
    s = core.wake(s, ctx(T0 + SEC)).state; // a scheduled run in progress
    s = core.pause(s, ctx(T0 + 1100)).state;
    const slots = core.backfillSlots(s, from, to) as { count: number; first: number; last: number };
    const step = core.backfill(s, "bf_2", slots, ctx(T0 + 1200));
    expect(starts(step)).toEqual([]);
    const run = step.state.active[0]!;
    const done = core.attemptFinished(step.state, run.run_id, 1, ok(T0 + 1300), ctx(T0 + 1300));
    expect(rows(done).filter((r) => r.trigger === "backfill")).toMatchObject([
      { scheduled_for: from, state: "running" },
    ]);
  });

  it("a second backfill waits for the first", () => {
    let s = job();
    const a = core.backfillSlots(s, from, from + 2 * SEC) as any;
    const b = core.backfillSlots(s, to, to + 2 * SEC) as any;
    s = core.backfill(s, "bf_a", a, ctx(T0)).state;
    const step = core.backfill(s, "bf_b", b, ctx(T0));
    expect(starts(step)).toEqual([]);
    s = step.state;
    const order: string[] = [];
    for (let i = 0; i < 4; i++) {
      const run = s.active.find((r) => r.lane === "backfill")!;
      order.push(`${run.backfill_id}@${(run.scheduled_for - from) / SEC}`);
      s = core.attemptFinished(s, run.run_id, 1, ok(T0 + i), ctx(T0 + i)).state;
    }
    expect(order).toEqual(["bf_a@0", "bf_a@1", "bf_b@30", "bf_b@31"]);
    expect(s.active).toEqual([]);
  });
});

describe("state stored before time windows", () => {
  it("reads with fire_at = slot, no lanes, nothing pending", () => {
    const s = core.wake(job(), ctx(T0 + SEC)).state;
    const {
      next_slot: _a,
      pending_missed: _b,
      catchups: _c,
      backfills: _d,
      config: _e,
      ...old
    } = s;
    const oldActive = old.active.map(({ fire_at: _f, lane: _l, backfill_id: _b2, ...r }) => r);
    const up = upgradeState({ ...old, active: oldActive, queue: [] } as never);
    expect(up).toMatchObject({
      next_slot: s.next_run_at,
      pending_missed: 0,
      catchups: [],
      backfills: [],
    });
    expect(up.active[0]).toMatchObject({ fire_at: T0 + SEC, lane: null, backfill_id: null });
  });
});
