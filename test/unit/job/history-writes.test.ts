// Which D1 writes a job object sends and when, driven by the real scheduling core:
// a fast run is written once, finished; a slow one shows as running after 1 s; the
// index row's run progress is coalesced to one write per 10 s while status and
// configuration changes go at once; nothing is ever lost, only later.
import { describe, expect, it } from "vitest";
import * as core from "../../../src/job/core";
import {
  FINISHED_ROW_DELAY_MS,
  HistoryWrites,
  INDEX_REFRESH_MS,
  RUNNING_ROW_DELAY_MS,
} from "../../../src/job/history-plan";
import type { AttemptResult, JobState, RunRow } from "../../../src/job/types";
import { result as answered, newJob, rows as rowsOf } from "./fixtures";

const T0 = Date.parse("2026-06-01T12:00:00Z");
const _SEC = 1000;

let seq = 0;
const ctx = (now: number): core.CoreCtx => ({
  now,
  newRunId: () => `run_${String(++seq).padStart(26, "0")}`,
  random: () => 0.5,
});

const everySecond = (now = T0): JobState =>
  newJob(now, {
    payload: { big: "x".repeat(1000) },
    retry_backoff_seconds: 1,
    timeout_seconds: 30,
  });

/** An attempt started at `started` answered `status`. */
const result = (started: number, status = 200): AttemptResult => answered(status, started);

/** A job object's commits, as the object makes them, with what went to D1 when. */
class Harness {
  readonly w = new HistoryWrites();
  readonly sent: { at: number; rows: RunRow[]; index: JobState | null }[] = [];
  constructor(
    public state: JobState,
    public now: number,
    /** As the job object takes its writes: a pending index may ride along with rows. */
    private readonly withRows = false,
  ) {
    this.commit({ state, effects: [] }, true);
  }
  commit(step: core.Step, urgent = false) {
    this.state = step.state;
    this.w.add(step.state, rowsOf(step), this.now, urgent);
    this.flush();
  }
  /** Advances the clock, sending what falls due on the way (as the object's timer does). */
  advance(ms: number) {
    const end = this.now + ms;
    for (let due = this.w.nextDue(); due <= end; due = this.w.nextDue()) {
      this.now = Math.max(this.now, due);
      this.flush();
    }
    this.now = end;
  }
  flush(all = false) {
    const d = this.w.take(this.now, all, this.withRows);
    if (d.rows.length || d.index) this.sent.push({ at: this.now, ...d });
  }
  /** One scheduled slot: wake at the slot, the attempt answers `status` after `ms`. */
  fire(ms: number, status = 200) {
    this.advance(this.state.next_run_at! - this.now);
    const woke = core.wake(this.state, ctx(this.now));
    this.commit(woke);
    const start = woke.effects.find((e) => e.type === "start_attempt");
    if (start?.type !== "start_attempt") throw new Error("no attempt started");
    this.advance(ms);
    this.commit(
      core.attemptFinished(
        this.state,
        start.run_id,
        1,
        result(this.now - ms, status),
        ctx(this.now),
      ),
    );
    return start.run_id;
  }
  statements() {
    return this.sent.reduce((n, s) => n + s.rows.length + (s.index ? 1 : 0), 0);
  }
}

describe("history writes of a job object", () => {
  it("writes the index row of a new job at once", () => {
    const h = new Harness(everySecond(), T0);
    expect(h.sent).toHaveLength(1);
    expect(h.sent[0]!.index).toBe(h.state);
  });

  it("writes a fast run once, finished", () => {
    const h = new Harness(everySecond(), T0);
    h.sent.length = 0;
    const runId = h.fire(20);
    h.advance(FINISHED_ROW_DELAY_MS);
    const rows = h.sent.flatMap((s) => s.rows);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ run_id: runId, state: "succeeded" });
  });

  it("writes a slow run as running after RUNNING_ROW_DELAY_MS, then finished", () => {
    const h = new Harness(everySecond(), T0);
    h.sent.length = 0;
    h.advance(h.state.next_run_at! - h.now);
    const woke = core.wake(h.state, ctx(h.now));
    const startedAt = h.now;
    h.commit(woke);
    expect(h.sent.flatMap((s) => s.rows)).toHaveLength(0);
    h.advance(RUNNING_ROW_DELAY_MS);
    const running = h.sent.flatMap((s) => s.rows);
    expect(running).toHaveLength(1);
    expect(running[0]!.state).toBe("running");
    expect(h.sent.at(-1)!.at).toBe(startedAt + RUNNING_ROW_DELAY_MS);
  });

  it("times a pre-armed (or chained) run's running row from when its request leaves, not from its commit", () => {
    const h = new Harness(everySecond(), T0);
    h.sent.length = 0;
    // Taken 900 ms before its slot (a chained slot: an attempt's end took it).
    const slot = h.state.next_run_at!;
    h.advance(slot - 900 - h.now);
    const woke = core.wake(h.state, { ...ctx(h.now), leadMs: 1000 });
    expect(woke.effects.find((e) => e.type === "start_attempt")).toMatchObject({ at: slot });
    h.commit(woke);
    // 1 s after the commit, the request has been out only 100 ms: nothing written yet.
    h.advance(RUNNING_ROW_DELAY_MS);
    expect(h.sent.flatMap((s) => s.rows)).toHaveLength(0);
    // Answered 500 ms after it left: written once, finished.
    h.advance(slot + 500 - h.now);
    const runId = woke.state.active[0]!.run_id;
    h.commit(core.attemptFinished(h.state, runId, 1, result(slot), ctx(h.now)));
    h.advance(FINISHED_ROW_DELAY_MS);
    expect(h.sent.flatMap((s) => s.rows).map((r) => r.state)).toEqual(["succeeded"]);
  });

  it("sends retrying and failed rows at once", () => {
    const h = new Harness(everySecond(), T0);
    h.sent.length = 0;
    h.fire(10, 500);
    const states = h.sent.flatMap((s) => s.rows.map((r) => [s.at, r.state]));
    expect(states).toEqual([[h.now, "retrying"]]);
  });

  it("writes a manual (urgent) run's running row at once", () => {
    const h = new Harness(everySecond(), T0);
    h.sent.length = 0;
    h.commit(core.trigger(h.state, ctx(h.now)), true);
    expect(h.sent).toHaveLength(1);
    expect(h.sent[0]!.rows[0]!.state).toBe("running");
  });

  it("coalesces run progress in the index to one write per INDEX_REFRESH_MS, the latest state", () => {
    const h = new Harness(everySecond(), T0);
    h.sent.length = 0;
    for (let i = 0; i < 60; i++) h.fire(10);
    h.advance(INDEX_REFRESH_MS);
    const indexWrites = h.sent.filter((s) => s.index);
    // 60 runs over 60 s: 120 commits changed the progress fields; ~6 index writes.
    expect(indexWrites.length).toBeGreaterThanOrEqual(6);
    expect(indexWrites.length).toBeLessThanOrEqual(7);
    for (let i = 1; i < indexWrites.length; i++) {
      expect(indexWrites[i]!.at - indexWrites[i - 1]!.at).toBeGreaterThanOrEqual(INDEX_REFRESH_MS);
    }
    // The last change always lands: the index ends on the final state.
    expect(indexWrites.at(-1)!.index).toBe(h.state);
    expect(h.w.nextDue()).toBe(Number.POSITIVE_INFINITY);
    // 60 runs: 60 rows + ~6 index rows, instead of 180 statements.
    expect(h.statements()).toBeLessThanOrEqual(67);
  });

  it("writes status and configuration changes at once, even right after a progress write", () => {
    const h = new Harness(everySecond(), T0);
    h.fire(10);
    h.sent.length = 0;
    h.commit(core.pause(h.state, ctx(h.now)));
    expect(h.sent).toHaveLength(1);
    expect(h.sent[0]!.index!.status).toBe("paused");
    h.commit(core.resume(h.state, h.now + 1));
    h.commit(core.update(h.state, { name: "renamed" }, ctx(h.now + 2)));
    expect(h.sent).toHaveLength(3);
    expect(h.sent[2]!.index!.config.name).toBe("renamed");
  });

  it("sends everything pending when asked for all (settle), and nothing twice", () => {
    const h = new Harness(everySecond(), T0);
    h.fire(10);
    h.advance(h.state.next_run_at! - h.now);
    h.commit(core.wake(h.state, ctx(h.now)));
    expect(h.w.nextDue()).toBeLessThan(Number.POSITIVE_INFINITY);
    h.flush(true);
    // The first run's finished row (waiting for company) and the second's running row.
    expect(h.sent.at(-1)!.rows.map((r) => r.state)).toEqual(["succeeded", "running"]);
    expect(h.sent.at(-1)!.index).toBe(h.state);
    expect(h.w.nextDue()).toBe(Number.POSITIVE_INFINITY);
    const before = h.sent.length;
    h.flush(true);
    expect(h.sent).toHaveLength(before);
  });

  it("rewrites the index after a failed write", () => {
    const h = new Harness(everySecond(), T0);
    h.sent.length = 0;
    h.w.indexUnknown();
    h.commit({ state: h.state, effects: [] });
    expect(h.sent).toHaveLength(1);
    expect(h.sent[0]!.index).toBe(h.state);
  });

  it("drops what is pending on clear (the job was deleted)", () => {
    const h = new Harness(everySecond(), T0);
    h.advance(h.state.next_run_at! - h.now);
    h.commit(core.wake(h.state, ctx(h.now)));
    h.w.clear();
    expect(h.w.nextDue()).toBe(Number.POSITIVE_INFINITY);
    expect(h.w.take(h.now + INDEX_REFRESH_MS, true)).toEqual({ rows: [], index: null });
  });

  it("keeps the configuration object's identity across runs (the object stores it only on change)", () => {
    const h = new Harness(everySecond(), T0);
    const config = h.state.config;
    for (let i = 0; i < 3; i++) h.fire(10, i === 1 ? 500 : 200);
    h.commit(core.pause(h.state, ctx(h.now)));
    expect(h.state.config).toBe(config);
    expect(core.update(h.state, { name: "x" }, ctx(h.now)).state.config).not.toBe(config);
  });
  it("a job firing less often than INDEX_REFRESH_MS carries its index progress in each run's write", () => {
    const h = new Harness(newJob(T0, { schedule: "*/20 * * * * *" }), T0, true);
    h.fire(20);
    h.advance(INDEX_REFRESH_MS);
    h.sent.length = 0;
    for (let i = 0; i < 3; i++) h.fire(20);
    h.advance(INDEX_REFRESH_MS);
    // One write a run, the index in it: never a write for the index alone.
    expect(h.sent).toHaveLength(3);
    for (const s of h.sent) {
      expect(s.rows.map((r) => r.state)).toEqual(["succeeded"]);
      expect(s.index).not.toBeNull();
    }
    expect(h.sent.at(-1)!.index).toBe(h.state);
  });

  it("a job firing every second still writes its index progress at most every INDEX_REFRESH_MS", () => {
    const h = new Harness(everySecond(), T0, true);
    h.sent.length = 0;
    for (let i = 0; i < 30; i++) h.fire(20);
    h.advance(FINISHED_ROW_DELAY_MS);
    const indexWrites = h.sent.filter((s) => s.index).length;
    expect(h.sent.flatMap((s) => s.rows)).toHaveLength(30);
    expect(indexWrites).toBeGreaterThanOrEqual(2);
    expect(indexWrites).toBeLessThanOrEqual(4); // 30 s at one per 10 s
  });

  it("a new instance rewrites the index with the next run's row, or alone after INDEX_REFRESH_MS", () => {
    const slow = new Harness(newJob(T0, { schedule: "*/20 * * * * *" }), T0, true);
    slow.fire(20);
    slow.advance(12_000);
    slow.sent.length = 0;
    slow.w.indexStale(slow.state, slow.now); // evicted and reloaded 12 s after its run
    slow.advance(slow.state.next_run_at! - slow.now - 100);
    expect(slow.sent).toHaveLength(0); // the next run is due before the refresh: it waits
    slow.fire(20);
    expect(slow.sent).toHaveLength(1);
    expect(slow.sent[0]!.index).not.toBeNull();

    const idle = new Harness(newJob(T0, { schedule: "0 0 1 1 *" }), T0, true);
    idle.sent.length = 0;
    idle.w.indexStale(idle.state, idle.now);
    idle.advance(INDEX_REFRESH_MS);
    expect(idle.sent).toHaveLength(1);
    expect(idle.sent[0]!.index).toBe(idle.state);
  });
  it("a job firing every second sends its finished rows two or three to a message, none later than FINISHED_ROW_DELAY_MS", () => {
    const h = new Harness(everySecond(), T0, true);
    h.sent.length = 0;
    const finishedAt = new Map<string, number>();
    for (let i = 0; i < 30; i++) {
      const id = h.fire(20);
      finishedAt.set(id, h.now);
    }
    h.advance(FINISHED_ROW_DELAY_MS);
    const rows = h.sent.flatMap((s) => s.rows.map((r) => ({ at: s.at, r })));
    // Every run exactly once, finished; no running row (each answered within 20 ms).
    expect(rows.map(({ r }) => r.run_id).sort()).toEqual([...finishedAt.keys()].sort());
    expect(rows.every(({ r }) => r.state === "succeeded")).toBe(true);
    for (const { at, r } of rows) {
      expect(at - finishedAt.get(r.run_id)!).toBeGreaterThanOrEqual(0);
      expect(at - finishedAt.get(r.run_id)!).toBeLessThanOrEqual(FINISHED_ROW_DELAY_MS);
    }
    // 30 runs in about 10 to 12 writes (was 30), the index progress riding along.
    const withRows = h.sent.filter((s) => s.rows.length > 0);
    expect(withRows.length).toBeGreaterThanOrEqual(9);
    expect(withRows.length).toBeLessThanOrEqual(15);
  });

  it("a finished row waits only for a job whose next run comes within FINISHED_ROW_DELAY_MS, and never when urgent", () => {
    const slow = new Harness(newJob(T0, { schedule: "*/20 * * * * *" }), T0, true);
    slow.sent.length = 0;
    slow.fire(20);
    expect(slow.sent.flatMap((s) => s.rows).map((r) => r.state)).toEqual(["succeeded"]);
    expect(slow.sent.at(-1)!.at).toBe(slow.now);

    const fast = new Harness(everySecond(), T0, true);
    fast.sent.length = 0;
    fast.fire(20);
    expect(fast.sent.flatMap((s) => s.rows)).toHaveLength(0);
    // A pause (urgent, as every API call) takes the waiting row with it at once.
    fast.commit(core.pause(fast.state, ctx(fast.now)), true);
    expect(fast.sent.flatMap((s) => s.rows).map((r) => r.state)).toEqual(["succeeded"]);
    expect(fast.sent.at(-1)!.at).toBe(fast.now);
  });

  it("a failing every-second job's retrying rows go at once and carry the finished rows that wait", () => {
    const h = new Harness(everySecond(), T0, true);
    h.sent.length = 0;
    const ok = h.fire(20);
    expect(h.sent).toHaveLength(0);
    h.fire(20, 500); // retrying: due at once
    // One write, at once, with both rows.
    expect(h.sent).toHaveLength(1);
    expect(h.sent[0]!.at).toBe(h.now);
    const sent = h.sent[0]!.rows.map((r) => `${r.run_id === ok ? "first" : "second"} ${r.state}`);
    expect(sent.sort()).toEqual(["first succeeded", "second retrying"]);
  });
});
