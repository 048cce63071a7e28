// Every overlap policy × every event of the fire path (SPEC §6, issue 14):
// max_concurrency under allow, buffer_one, replace with the cancelled state,
// skip_reason on every skipped run, and pre-armed firing.
import { describe, expect, it } from "vitest";
import * as core from "../../../src/job/core";
import type { JobConfig, JobState, OverlapPolicy } from "../../../src/job/types";
import { OVERLAP_POLICIES } from "../../../src/job/types";
import { aborts, ctx, newJob, result, rows, SEC, starts } from "./fixtures";

const T0 = Date.parse("2026-06-01T12:00:00Z");

const job = (over: Partial<JobConfig> = {}): JobState => newJob(T0, over);

/** The job after `n` slots (T0+1s … T0+n s) fired with every run still in progress. */
function afterSlots(policy: OverlapPolicy, n: number, over: Partial<JobConfig> = {}) {
  let s = job({ overlap_policy: policy, ...over });
  const steps: core.Step[] = [];
  for (let i = 1; i <= n; i++) {
    const step = core.wake(s, ctx(T0 + i * SEC));
    steps.push(step);
    s = step.state;
  }
  return { s, steps, last: steps[steps.length - 1]! };
}

/**
 * `s` has the run of `slot` committed but not sent (a crash before or while sending):
 * the restart retries that same run (same run id, so the same Idempotency-Key), and
 * the slot gets no second one.
 */
function expectOneRunAfterCrash(s: JobState, slot: number, lead: number) {
  const runId = s.active[0]!.run_id;
  const recovered = core.recover(s, ctx(slot + 2000, lead));
  expect(recovered.state.active.map((r) => r.run_id)).toEqual([runId]);
  expect(recovered.state.active[0]).toMatchObject({ state: "retrying", attempt: 1 });
  const next = core.wake(recovered.state, ctx(slot + SEC + 1, lead));
  const scheduledFor = rows(next)
    .filter((r) => r.trigger === "schedule")
    .map((r) => r.scheduled_for);
  expect(scheduledFor).not.toContain(slot);
}

describe("a slot while the job is idle starts, whatever the policy", () => {
  it.each(OVERLAP_POLICIES)("%s", (policy) => {
    const step = core.wake(job({ overlap_policy: policy }), ctx(T0 + SEC));
    expect(starts(step)).toHaveLength(1);
    expect(rows(step)).toMatchObject([{ state: "running", skip_reason: null }]);
  });
});

describe("a slot while a run is in progress", () => {
  it("allow: starts while fewer than max_concurrency are in progress", () => {
    const { s, last } = afterSlots("allow", 3, { max_concurrency: 3 });
    expect(starts(last)).toHaveLength(1);
    expect(s.active).toHaveLength(3);
    expect(s.run_count).toBe(3);
  });

  it("allow: at max_concurrency the slot is skipped with concurrency_limit, nothing sent", () => {
    const { s, last } = afterSlots("allow", 4, { max_concurrency: 3 });
    expect(starts(last)).toHaveLength(0);
    expect(rows(last)).toMatchObject([
      {
        state: "skipped",
        skip_reason: "concurrency_limit",
        scheduled_for: T0 + 4 * SEC,
        started_at: null,
        finished_at: T0 + 4 * SEC,
      },
    ]);
    expect(rows(last)[0]!.error).toMatch(/max_concurrency/);
    expect(s.active).toHaveLength(3);
    expect(s.run_count).toBe(3); // skipped slots do not count towards max_runs
    expect(s.next_run_at).toBe(T0 + 5 * SEC);
  });

  it("allow: the default max_concurrency is 10", () => {
    const { s, last } = afterSlots("allow", 11);
    expect(s.config.max_concurrency).toBe(10);
    expect(s.active).toHaveLength(10);
    expect(rows(last)[0]).toMatchObject({ skip_reason: "concurrency_limit" });
  });

  it("allow: once a run finishes, the next slot starts again", () => {
    const { s } = afterSlots("allow", 3, { max_concurrency: 2 });
    const first = s.active[0]!;
    const done = core.attemptFinished(s, first.run_id, 1, result(200, T0 + SEC), ctx(T0 + 3500));
    expect(done.state.active).toHaveLength(1);
    const next = core.wake(done.state, ctx(T0 + 4 * SEC));
    expect(starts(next)).toHaveLength(1);
  });

  it("skip: skipped with skip_reason overlap", () => {
    const { last } = afterSlots("skip", 2);
    expect(starts(last)).toHaveLength(0);
    expect(rows(last)).toMatchObject([{ state: "skipped", skip_reason: "overlap" }]);
  });

  it("queue: queued up to 10, then skipped with queue_full", () => {
    const { s, steps } = afterSlots("queue", 12);
    expect(steps.slice(1, 11).map((st) => rows(st)[0]!.state)).toEqual(Array(10).fill("queued"));
    expect(rows(steps[11]!)).toMatchObject([{ state: "skipped", skip_reason: "queue_full" }]);
    expect(rows(steps[11]!)[0]!.error).toMatch(/10 runs already queued/);
    expect(s.queue).toHaveLength(10);
  });

  it("buffer_one: one slot waits, later ones are skipped with queue_full", () => {
    const { s, steps } = afterSlots("buffer_one", 4);
    expect(rows(steps[1]!)).toMatchObject([
      { state: "queued", scheduled_for: T0 + 2 * SEC, skip_reason: null },
    ]);
    for (const st of steps.slice(2)) {
      expect(rows(st)).toMatchObject([{ state: "skipped", skip_reason: "queue_full" }]);
      expect(rows(st)[0]!.error).toMatch(/1 run already queued/);
    }
    expect(s.queue).toHaveLength(1);
    expect(s.run_count).toBe(2); // the running one and the buffered one
  });

  it("buffer_one: the buffered slot starts when the run in progress finishes", () => {
    const { s } = afterSlots("buffer_one", 3);
    const running = s.active[0]!;
    const done = core.attemptFinished(s, running.run_id, 1, result(200, T0 + SEC), ctx(T0 + 3100));
    expect(rows(done).map((r) => r.state)).toEqual(["succeeded", "running"]);
    expect(rows(done)[1]).toMatchObject({ scheduled_for: T0 + 2 * SEC, fire_lag_ms: 1100 });
    expect(done.state.queue).toHaveLength(0);
    expect(starts(done)).toHaveLength(1);
  });

  it("replace: the run in progress is cancelled (its attempt aborted), the new one starts on time", () => {
    const { s: one } = afterSlots("replace", 1);
    const old = one.active[0]!;
    const step = core.wake(one, ctx(T0 + 2 * SEC));
    const [cancelled, started] = rows(step);
    const newId = started!.run_id;
    expect(cancelled).toMatchObject({
      run_id: old.run_id,
      state: "cancelled",
      finished_at: T0 + 2 * SEC,
      skip_reason: null,
    });
    expect(cancelled!.error).toContain(newId);
    expect(cancelled!.attempt_log).toMatchObject([{ attempt: 1, error: cancelled!.error }]);
    expect(started).toMatchObject({ state: "running", scheduled_for: T0 + 2 * SEC });
    expect(aborts(step)).toEqual([{ type: "abort_attempt", run_id: old.run_id }]);
    expect(starts(step)).toMatchObject([{ run_id: newId, attempt: 1 }]);
    expect(step.state.active.map((r) => r.run_id)).toEqual([newId]);
    expect(step.state.run_count).toBe(2);
  });

  it("replace: the aborted attempt's late report changes nothing", () => {
    const { s: one } = afterSlots("replace", 1);
    const old = one.active[0]!;
    const replaced = core.wake(one, ctx(T0 + 2 * SEC)).state;
    const late = core.attemptFinished(replaced, old.run_id, 1, result(200, T0), ctx(T0 + 2100));
    expect(late).toEqual({ state: replaced, effects: [] });
  });

  it("replace: a run waiting for its retry is cancelled without an abort (nothing in flight)", () => {
    const { s: one } = afterSlots("replace", 1);
    const old = one.active[0]!;
    const waiting = core.attemptFinished(one, old.run_id, 1, result(500, T0 + SEC), ctx(T0 + 1500));
    expect(waiting.state.active[0]!.state).toBe("retrying");
    const step = core.wake(waiting.state, ctx(T0 + 2 * SEC));
    expect(aborts(step)).toEqual([]);
    expect(rows(step)[0]).toMatchObject({ run_id: old.run_id, state: "cancelled" });
    // Its retry never starts, even once due.
    const later = core.wake(step.state, ctx(T0 + 12 * SEC));
    expect(starts(later).every((e) => e.type === "start_attempt" && e.run_id !== old.run_id)).toBe(
      true,
    );
  });
});

describe("runs finishing, retrying and triggers under each policy", () => {
  it.each(OVERLAP_POLICIES)(
    "%s: a failure with retries left keeps its place, then retries",
    (policy) => {
      const HOUR = 3600 * SEC;
      const s = core.wake(
        job({ overlap_policy: policy, schedule: "0 * * * *" }),
        ctx(T0 + HOUR),
      ).state;
      const run = s.active[0]!;
      const failed = core.attemptFinished(s, run.run_id, 1, result(500, T0 + HOUR), ctx(T0 + HOUR));
      expect(failed.state.active).toHaveLength(1);
      const retry = core.wake(failed.state, ctx(T0 + HOUR + 10_000));
      expect(starts(retry)).toMatchObject([{ run_id: run.run_id, attempt: 2 }]);
    },
  );

  it.each(OVERLAP_POLICIES)("%s: a manual trigger starts while under max_concurrency", (policy) => {
    const { s } = afterSlots(policy, 1, { max_concurrency: 2 });
    const t = core.trigger(s, ctx(T0 + 1500));
    expect(t.row).toMatchObject({ trigger: "manual", state: "running" });
    expect(t.state.active).toHaveLength(2);
  });

  it.each(OVERLAP_POLICIES)(
    "%s: a manual trigger at max_concurrency is recorded skipped (concurrency_limit)",
    (policy) => {
      const { s } = afterSlots(policy, 1, { max_concurrency: 1 });
      const t = core.trigger(s, ctx(T0 + 1500));
      expect(t.row).toMatchObject({
        trigger: "manual",
        state: "skipped",
        skip_reason: "concurrency_limit",
      });
      expect(starts(t)).toHaveLength(0);
      expect(t.state).toBe(s);
    },
  );

  it.each(OVERLAP_POLICIES)("%s: pause stops slots; the run in progress goes on", (policy) => {
    const { s } = afterSlots(policy, 1);
    const paused = core.pause(s, ctx(T0 + 1500)).state;
    expect(core.wake(paused, ctx(T0 + 5 * SEC)).effects).toEqual([]);
    expect(paused.active).toHaveLength(1);
  });
});

describe("pre-armed firing (ctx.leadMs)", () => {
  const LEAD = 300;
  /** The first run in progress of `s` answered 200 at `at`, reported at `now`. */
  const answered = (s: JobState, at: number, now = at) =>
    core.attemptFinished(s, s.active[0]!.run_id, 1, result(200, at), ctx(now, LEAD));

  it("the alarm is due leadMs before the slot", () => {
    const s = job();
    expect(core.wakeAt(s, LEAD)).toBe(T0 + SEC - LEAD);
    expect(core.wakeAt(s)).toBe(T0 + SEC);
  });

  it("a wake-up inside the lead window fires the slot, to be sent at the slot's instant", () => {
    const step = core.wake(job({ max_concurrency: 1 }), ctx(T0 + SEC - 250, LEAD));
    expect(starts(step)).toEqual([
      { type: "start_attempt", run_id: expect.any(String), attempt: 1, at: T0 + SEC },
    ]);
    expect(rows(step)[0]).toMatchObject({ scheduled_for: T0 + SEC, started_at: T0 + SEC });
    expect(step.state.next_run_at).toBe(T0 + 2 * SEC);
    // allow, max_concurrency 1: the run in flight could make the next slot a skip, so
    // that slot is not decided inside its lead; once the run ends, pre-armed again.
    expect(core.wakeAt(step.state, LEAD)).not.toBe(T0 + 2 * SEC - LEAD);
    const done = answered(step.state, T0 + SEC + 5, T0 + SEC + 10);
    expect(core.wakeAt(done.state, LEAD)).toBe(T0 + 2 * SEC - LEAD);
  });

  it.each(["skip", "queue", "buffer_one", "replace"] as const)(
    "%s: a run in flight within the lead is not an overlap unless it is still in flight at the slot",
    (policy) => {
      const s = job({ overlap_policy: policy, max_concurrency: 3 });
      const armed = core.wake(s, ctx(T0 + SEC - 250, LEAD));
      // Woken inside the next slot's lead while the run is in flight: nothing is decided.
      expect(core.wakeAt(armed.state, LEAD)).not.toBe(T0 + 2 * SEC - LEAD);
      const early = core.wake(armed.state, ctx(T0 + 2 * SEC - 250, LEAD));
      expect(early.effects.filter((e) => e.type !== "write_run")).toEqual([]);
      expect(rows(early).filter((r) => r.state === "skipped")).toEqual([]);
      // The run ends 100 ms before the slot: the slot fires, pre-armed, nothing skipped.
      const done = answered(early.state, T0 + 2 * SEC - 100);
      const next = core.wake(done.state, ctx(T0 + 2 * SEC - 90, LEAD));
      expect(starts(next)).toMatchObject([{ attempt: 1, at: T0 + 2 * SEC }]);
      expect(rows(next).filter((r) => r.state === "skipped")).toEqual([]);
    },
  );

  it("allow below max_concurrency stays pre-armed with runs in flight", () => {
    const s = job({ overlap_policy: "allow", max_concurrency: 2 });
    const armed = core.wake(s, ctx(T0 + SEC - 250, LEAD));
    expect(core.wakeAt(armed.state, LEAD)).toBe(T0 + 2 * SEC - LEAD);
    const second = core.wake(armed.state, ctx(T0 + 2 * SEC - 250, LEAD));
    expect(starts(second)).toMatchObject([{ at: T0 + 2 * SEC }]);
    // Two in flight = max_concurrency: the third slot is not decided inside its lead.
    const third = core.wake(second.state, ctx(T0 + 3 * SEC - 250, LEAD));
    expect(starts(third)).toEqual([]);
    expect(rows(third).filter((r) => r.state === "skipped")).toEqual([]);
  });

  it("a wake-up before the lead window does nothing", () => {
    const s = job();
    expect(core.wake(s, ctx(T0 + SEC - LEAD - 1, LEAD)).effects).toEqual([]);
  });

  it("a late wake-up sends at once", () => {
    const step = core.wake(job(), ctx(T0 + SEC + 40, LEAD));
    expect(starts(step)).toMatchObject([{ at: T0 + SEC + 40 }]);
  });

  it("a repeated wake-up in the lead window (alarm redelivery) fires nothing twice", () => {
    const first = core.wake(job(), ctx(T0 + SEC - 290, LEAD));
    const again = core.wake(first.state, ctx(T0 + SEC - 100, LEAD));
    expect(starts(again)).toHaveLength(0);
  });

  it("the run's start is when its first request left, not the planned instant", () => {
    const step = core.wake(job(), ctx(T0 + SEC - 250, LEAD));
    const done = answered(step.state, T0 + SEC + 7, T0 + SEC + 20);
    expect(rows(done)[0]).toMatchObject({ started_at: T0 + SEC + 7, fire_lag_ms: 7 });
  });

  it("a crash inside the lead window still gives the slot exactly one run", () => {
    // Committed at slot - 250 ms, then the process died before (or while) sending.
    const armed = core.wake(job({ retries: 2 }), ctx(T0 + SEC - 250, LEAD));
    expectOneRunAfterCrash(armed.state, T0 + SEC, LEAD);
  });
});

describe("chained firing (ctx.chainLeadMs): an attempt's end takes the next slot", () => {
  const LEAD = 600;
  const CHAIN = 1000;
  const chained = (now: number): core.CoreCtx => ({ ...ctx(now, LEAD), chainLeadMs: CHAIN });
  /** The job with slot T0+1s taken by its pre-armed wake-up. */
  const armed = (over: Partial<JobConfig> = {}) =>
    core.wake(job({ max_concurrency: 1, ...over }), ctx(T0 + SEC - 500, LEAD)).state;
  const answer = (s: JobState, now: number, c: core.CoreCtx, status = 200) =>
    core.attemptFinished(s, s.active[0]!.run_id, 1, result(status, now - 5), c);

  it("a result within chainLeadMs of the next slot records the run and starts that slot, sent at its instant", () => {
    const s = armed();
    const step = answer(s, T0 + SEC + 50, chained(T0 + SEC + 50));
    expect(rows(step).map((r) => [r.scheduled_for, r.state])).toEqual([
      [T0 + SEC, "succeeded"],
      [T0 + 2 * SEC, "running"],
    ]);
    expect(starts(step)).toMatchObject([{ attempt: 1, at: T0 + 2 * SEC }]);
    expect(step.state.next_run_at).toBe(T0 + 3 * SEC);
    expect(step.state.run_count).toBe(2);
    // Nothing is left for an alarm at 2 s (the next wake-up is for what comes after).
    expect(core.wakeAt(step.state, LEAD)).toBeGreaterThan(T0 + 2 * SEC);
  });

  it("is the same as a pre-armed wake-up at that moment, only earlier: without it the alarm takes the slot", () => {
    const s = armed();
    const plain = answer(s, T0 + SEC + 50, ctx(T0 + SEC + 50, LEAD));
    expect(starts(plain)).toEqual([]);
    expect(core.wakeAt(plain.state, LEAD)).toBe(T0 + 2 * SEC - LEAD);
    const woke = core.wake(plain.state, ctx(T0 + 2 * SEC - LEAD, LEAD));
    const chainedStep = answer(s, T0 + SEC + 50, chained(T0 + SEC + 50));
    const slotRows = (step: core.Step) =>
      rows(step)
        .filter((r) => r.scheduled_for === T0 + 2 * SEC)
        .map(({ run_id: _, created_at: __, ...r }) => r);
    expect(slotRows(chainedStep)).toEqual(slotRows(woke));
    expect(starts(chainedStep).map((e) => e.at)).toEqual(starts(woke).map((e) => e.at));
  });

  it("a result earlier than chainLeadMs before the next slot leaves that slot to its alarm", () => {
    // Slot at 5 s (T0 is on a 5 s boundary), answered at 5.05 s: the next slot is 4.95 s away.
    const first = core.wake(job({ schedule: "*/5 * * * * *" }), ctx(T0 + 5 * SEC - 500, LEAD));
    expect(starts(first)).toHaveLength(1);
    const step = answer(first.state, T0 + 5 * SEC + 50, chained(T0 + 5 * SEC + 50));
    expect(starts(step)).toEqual([]);
    expect(core.wakeAt(step.state, LEAD)).toBe(T0 + 10 * SEC - LEAD);
  });

  it("a failed attempt that will be retried keeps its place: under max_concurrency 1 no slot is chained", () => {
    const s = armed({ retries: 2 });
    const step = answer(s, T0 + SEC + 50, chained(T0 + SEC + 50), 500);
    expect(starts(step)).toEqual([]);
    expect(step.state.active).toMatchObject([{ state: "retrying" }]);
  });

  it.each(["skip", "queue", "buffer_one", "replace"] as const)(
    "%s: with a run still in flight the next slot is not chained; its alarm decides it at the slot",
    (policy) => {
      // Two runs in flight (slots 1 s and 2 s); the first answers at 2.05 s. With the 2 s
      // run still in progress the 3 s slot's outcome could depend on it (skipped, queued,
      // replacing), so it is not taken early, as with pre-armed firing (leadFor).
      let s = job({ overlap_policy: "allow", max_concurrency: 2 });
      s = core.wake(s, ctx(T0 + SEC, LEAD)).state;
      s = core.wake(s, ctx(T0 + 2 * SEC, LEAD)).state;
      s = { ...s, config: { ...s.config, overlap_policy: policy } };
      const step = answer(s, T0 + 2 * SEC + 50, chained(T0 + 2 * SEC + 50));
      expect(starts(step)).toEqual([]);
      expect(rows(step).map((r) => r.state)).toEqual(["succeeded"]);
      // Woken at the slot (skip: later, lazy skips, see below), never inside its lead.
      expect(core.wakeAt(step.state, LEAD)).toBeGreaterThanOrEqual(T0 + 3 * SEC);
    },
  );

  it("allow below max_concurrency chains with a run still in flight", () => {
    let s = job({ overlap_policy: "allow", max_concurrency: 3 });
    s = core.wake(s, ctx(T0 + SEC, LEAD)).state;
    s = core.wake(s, ctx(T0 + 2 * SEC, LEAD)).state;
    const step = answer(s, T0 + 2 * SEC + 50, chained(T0 + 2 * SEC + 50));
    expect(starts(step)).toMatchObject([{ attempt: 1, at: T0 + 3 * SEC }]);
    expect(step.state.active).toHaveLength(2);
  });

  it("a paused job chains nothing", () => {
    const s = armed();
    const paused = core.pause(s, ctx(T0 + SEC + 10, LEAD)).state;
    const step = answer(paused, T0 + SEC + 50, chained(T0 + SEC + 50));
    expect(starts(step)).toEqual([]);
    expect(rows(step).map((r) => r.state)).toEqual(["succeeded"]);
  });

  it("a crash after the chained commit still gives the slot exactly one run", () => {
    const step = answer(armed({ retries: 2 }), T0 + SEC + 50, chained(T0 + SEC + 50));
    expectOneRunAfterCrash(step.state, T0 + 2 * SEC, LEAD);
  });
});

describe("a job whose slots would only be skipped does not wake for each (lazy skips)", () => {
  const LEAD = 300;
  const skipped = (s: core.Step) =>
    rows(s)
      .filter((r) => r.state === "skipped")
      .map((r) => ({
        scheduled_for: r.scheduled_for,
        finished_at: r.finished_at,
        skip_reason: r.skip_reason,
        error: r.error,
      }));

  it.each([
    ["allow", { max_concurrency: 2 }, 2, "concurrency_limit"],
    ["skip", {}, 1, "overlap"],
    ["buffer_one", {}, 2, "queue_full"],
  ] as const)(
    "%s at its limit wakes LAZY_SKIP_MAX_MS after the slot, not before it",
    (policy, over, n, reason) => {
      const { s } = afterSlots(policy, n, over);
      expect(core.lazySkipReason(s)).toBe(reason);
      expect(core.wakeAt(s, LEAD)).toBe(s.next_run_at! + core.LAZY_SKIP_MAX_MS);
      // Below the limit the slot is pre-armed as usual.
      expect(core.lazySkipReason(job({ overlap_policy: policy, ...over }))).toBeNull();
    },
  );

  it("records the passed slots as skipped at the next event, exactly as eager wake-ups would", () => {
    const over = { max_concurrency: 2 };
    // Eager: a wake-up at every slot.
    const eager = afterSlots("allow", 6, over);
    const eagerSkips = eager.steps.flatMap(skipped);
    expect(eagerSkips.map((r) => r.scheduled_for)).toEqual([3, 4, 5, 6].map((i) => T0 + i * SEC));
    // Lazy: nothing between slot 2 and one event at slot 6 + 500 ms.
    const { s } = afterSlots("allow", 2, over);
    const settled = core.settleSkippedSlots(s, ctx(T0 + 6 * SEC + 500));
    expect(skipped(settled)).toEqual(eagerSkips);
    expect(settled.state.next_slot).toBe(T0 + 7 * SEC);
    expect(settled.state.last_slot).toBe(T0 + 6 * SEC);
    // Settling again changes nothing.
    expect(core.settleSkippedSlots(settled.state, ctx(T0 + 6 * SEC + 600)).effects).toEqual([]);
  });

  it("an attempt's result records the skipped slots before it frees a place; the next slot is pre-armed again", () => {
    const { s } = afterSlots("allow", 2, { max_concurrency: 2 });
    const first = s.active[0]!;
    const done = core.attemptFinished(
      s,
      first.run_id,
      1,
      result(200, T0 + SEC),
      ctx(T0 + 5 * SEC + 500, LEAD),
    );
    expect(rows(done).map((r) => [r.state, r.scheduled_for])).toEqual([
      ["skipped", T0 + 3 * SEC],
      ["skipped", T0 + 4 * SEC],
      ["skipped", T0 + 5 * SEC],
      ["succeeded", T0 + SEC],
    ]);
    expect(core.lazySkipReason(done.state)).toBeNull();
    expect(core.wakeAt(done.state, LEAD)).toBe(T0 + 6 * SEC - LEAD);
    expect(starts(core.wake(done.state, ctx(T0 + 6 * SEC - 200, LEAD)))).toHaveLength(1);
  });

  it("a wake-up LAZY_SKIP_MAX_MS later records what passed, and a restart does too", () => {
    const { s } = afterSlots("skip", 1);
    const woke = core.wake(s, ctx(s.next_run_at! + core.LAZY_SKIP_MAX_MS));
    const n = core.LAZY_SKIP_MAX_MS / SEC + 1;
    expect(skipped(woke)).toHaveLength(n);
    expect(skipped(woke).every((r) => r.skip_reason === "overlap")).toBe(true);
    const restarted = core.recover(s, ctx(s.next_run_at! + 3 * SEC));
    expect(skipped(restarted)).toHaveLength(4);
  });
});

describe("replace within one wake-up", () => {
  it("a queued run started by a lost attempt's end, then replaced by the slot, is never sent", () => {
    // Found by the core property test (seed -1937793302): queue, then replace.
    const MIN = 60 * SEC;
    let s = newJob(T0, {
      schedule: "* * * * *",
      overlap_policy: "queue",
      retries: 0,
      timeout_seconds: 60,
      max_concurrency: 1,
    });
    s = core.wake(s, ctx(T0 + MIN)).state; // run A at slot 1
    s = core.wake(s, ctx(T0 + 2 * MIN)).state; // slot 2 queued behind A
    expect(s.queue).toHaveLength(1);
    s = core.update(s, { overlap_policy: "replace" }, ctx(T0 + 2 * MIN)).state;
    // At slot 4, A's deadline (60 s + 30 s grace) has passed: A fails, the queued run
    // starts, and the slot then replaces it.
    const step = core.wake(s, ctx(T0 + 4 * MIN));
    for (const e of starts(step)) {
      expect(
        step.state.active.some(
          (r) => e.type === "start_attempt" && r.run_id === e.run_id && r.state === "running",
        ),
      ).toBe(true);
    }
    const cancelled = rows(step).filter((r) => r.state === "cancelled");
    expect(cancelled).toHaveLength(1);
    expect(aborts(step).map((e) => e.type === "abort_attempt" && e.run_id)).not.toContain(
      cancelled[0]!.run_id,
    );
    expect(step.state.active).toHaveLength(1);
  });
});
