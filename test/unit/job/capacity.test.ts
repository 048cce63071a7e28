// The isolate at MAX_REQUESTS_IN_FLIGHT (ctx.capacityFull, README "Under overload"): a
// slot or manual run that would start is recorded skipped with skip_reason "capacity",
// nothing sent; the job then skips without a wake-up per slot for a wait that doubles
// with each such skip in a row (at most LAZY_SKIP_MAX_MS), every slot still recorded.
import { describe, expect, it } from "vitest";
import * as core from "../../../src/job/core";
import { upgradeState } from "../../../src/job/defaults";
import type { JobState } from "../../../src/job/types";
import { OVERLAP_POLICIES } from "../../../src/job/types";
import { ctx, newJob, rows, SEC, starts } from "./fixtures";

const T0 = Date.parse("2026-06-01T12:00:00Z");
const full = (now: number) => ({ ...ctx(now), capacityFull: true });

describe("a slot that would start while the isolate is at capacity", () => {
  it.each(OVERLAP_POLICIES)("%s: recorded skipped (capacity), nothing sent", (policy) => {
    const step = core.wake(newJob(T0, { overlap_policy: policy }), full(T0 + SEC));
    expect(starts(step)).toHaveLength(0);
    expect(rows(step)).toMatchObject([
      {
        state: "skipped",
        skip_reason: "capacity",
        scheduled_for: T0 + SEC,
        started_at: null,
        finished_at: T0 + SEC,
      },
    ]);
    expect(rows(step)[0]!.error).toMatch(/MAX_REQUESTS_IN_FLIGHT/);
    expect(step.state.run_count).toBe(0);
    expect(step.state.capacity_backoff).toEqual({ until: T0 + 2 * SEC, skips: 1 });
  });

  it("queue: a slot that would wait is queued as usual (a queued run sends nothing now)", () => {
    const first = core.wake(newJob(T0, { overlap_policy: "queue" }), ctx(T0 + SEC));
    const second = core.wake(first.state, full(T0 + 2 * SEC));
    expect(rows(second)).toMatchObject([{ state: "queued" }]);
  });

  it("the job's own limit is named first: at max_concurrency the reason stays concurrency_limit", () => {
    let s = newJob(T0, { max_concurrency: 1 });
    s = core.wake(s, ctx(T0 + SEC)).state;
    const step = core.wake(s, full(T0 + 2 * SEC));
    expect(rows(step)).toMatchObject([{ skip_reason: "concurrency_limit" }]);
  });

  it("a manual trigger at capacity is recorded skipped (capacity), nothing sent", () => {
    const step = core.trigger(newJob(T0), full(T0 + 500));
    expect(starts(step)).toHaveLength(0);
    expect(step.row).toMatchObject({
      trigger: "manual",
      state: "skipped",
      skip_reason: "capacity",
    });
  });
});

describe("the capacity wait", () => {
  it("doubles with each skip in a row; slots inside it are recorded without a wake-up each", () => {
    let s = core.wake(newJob(T0), full(T0 + SEC)).state; // skip 1: wait 1 s
    expect(core.wakeAt(s)).toBe(T0 + 2 * SEC);
    s = core.wake(s, full(T0 + 2 * SEC)).state; // skip 2: wait 2 s
    expect(s.capacity_backoff).toEqual({ until: T0 + 4 * SEC, skips: 2 });
    expect(core.wakeAt(s)).toBe(T0 + 4 * SEC); // no wake-up for the slot at +3 s

    // Woken when the wait ends, with room again: the slot at +3 s is recorded skipped at
    // its own time, the slot at +4 s starts, and the wait is over.
    const step = core.wake(s, ctx(T0 + 4 * SEC));
    expect(rows(step)).toMatchObject([
      {
        state: "skipped",
        skip_reason: "capacity",
        scheduled_for: T0 + 3 * SEC,
        finished_at: T0 + 3 * SEC,
      },
      { state: "running", scheduled_for: T0 + 4 * SEC },
    ]);
    expect(starts(step)).toHaveLength(1);
    expect(step.state.capacity_backoff).toBeNull();
    expect(core.wakeAt(step.state)).toBe(T0 + 5 * SEC);
  });

  it("never waits longer than LAZY_SKIP_MAX_MS, and every slot is recorded once", () => {
    let s: JobState = newJob(T0);
    let now = T0 + SEC;
    const seen: number[] = [];
    const waits: number[] = [];
    for (let i = 0; i < 12; i++) {
      waits.push(now);
      const step = core.wake(s, full(now));
      seen.push(...rows(step).map((r) => r.scheduled_for!));
      s = step.state;
      const next = core.wakeAt(s)!;
      expect(next - now).toBeLessThanOrEqual(core.LAZY_SKIP_MAX_MS);
      now = next;
    }
    // 1, 2, 4, 8 s, then 10 s each: the last wake-ups waited the most allowed.
    expect(s.capacity_backoff).toMatchObject({ skips: 12 });
    expect(now - waits[waits.length - 1]!).toBe(core.LAZY_SKIP_MAX_MS);
    expect(waits.slice(0, 5).map((w, i) => (waits[i + 1] ?? now) - w)).toEqual([
      1000, 2000, 4000, 8000, 10_000,
    ]);
    // Every slot up to the last wake-up recorded once, in order, none left out.
    expect(seen).toEqual(Array.from({ length: seen.length }, (_, i) => T0 + (i + 1) * SEC));
    expect(seen[seen.length - 1]).toBe(waits[waits.length - 1]);
  });

  it("an API call during the wait records the slots that passed (capacity), as a wake-up would", () => {
    let s = core.wake(newJob(T0), full(T0 + SEC)).state;
    s = core.wake(s, full(T0 + 2 * SEC)).state; // waits until +4 s
    const settled = core.settleSkippedSlots(s, ctx(T0 + 3500));
    expect(rows(settled)).toMatchObject([
      { state: "skipped", skip_reason: "capacity", scheduled_for: T0 + 3 * SEC },
    ]);
    expect(settled.state.next_run_at).toBe(T0 + 4 * SEC);
  });

  it("a job stored before the wait existed upgrades to none", () => {
    const { capacity_backoff: _, ...stored } = newJob(T0);
    expect(upgradeState(stored).capacity_backoff).toBeNull();
  });
});
