// Every slot that came due while a job was active is accounted for (issue 14: "every
// slot either delivered or recorded"): it has a run of its own — started, queued,
// skipped with its reason — or it is counted in some run's missed_slots, or, while no
// run has reported it yet, in the job's pending_missed. Random late alarms, pauses and
// resumes, capacity, results and restarts against the pure core.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import * as core from "../../../src/job/core";
import type { JobState, RunRow } from "../../../src/job/types";
import { newJob, result, SEC } from "./fixtures";

const T0 = Date.parse("2026-03-07T00:00:00Z");

type Ev =
  | { kind: "advance"; ms: number; alarm: boolean }
  | { kind: "finish"; pick: number; status: number }
  | { kind: "pause" }
  | { kind: "resume" }
  | { kind: "capacity"; full: boolean }
  | { kind: "restart" };

const event: fc.Arbitrary<Ev> = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.record({
      kind: fc.constant("advance" as const),
      ms: fc.integer({ min: 1, max: 40_000 }),
      // false: the alarm is late (a busy isolate) and does not fire within this step.
      alarm: fc.boolean(),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant("finish" as const),
      pick: fc.nat(),
      status: fc.constantFrom(200, 500),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("pause" as const) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("resume" as const) }) },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant("capacity" as const), full: fc.boolean() }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("restart" as const) }) },
);

describe("slot accounting (property)", () => {
  it("every slot due while active has its own run or is counted in missed_slots", () => {
    fc.assert(
      fc.property(
        fc.record({
          period: fc.constantFrom(1, 5),
          misfire: fc.constantFrom("run_once" as const, "run_all" as const, "skip" as const),
          overlap: fc.constantFrom(
            "allow" as const,
            "skip" as const,
            "queue" as const,
            "buffer_one" as const,
            "replace" as const,
          ),
          maxConcurrency: fc.integer({ min: 1, max: 3 }),
          window: fc.constantFrom(20, 3600),
          leadMs: fc.constantFrom(0, 600),
          chainLeadMs: fc.constantFrom(0, 1000),
        }),
        fc.array(event, { minLength: 1, maxLength: 60 }),
        (cfg, events) => {
          let now = T0;
          let seq = 0;
          let capacityFull = false;
          const ctx = (): core.CoreCtx => ({
            now,
            newRunId: () => `run_${String(++seq).padStart(8, "0")}`,
            random: () => 0.5,
            leadMs: cfg.leadMs,
            chainLeadMs: cfg.chainLeadMs,
            capacityFull,
          });
          let s: JobState = newJob(T0, {
            schedule: cfg.period === 1 ? "* * * * * *" : "*/5 * * * * *",
            misfire_policy: cfg.misfire,
            overlap_policy: cfg.overlap,
            max_concurrency: cfg.maxConcurrency,
            catchup_window_seconds: cfg.window,
            retries: 1,
            retry_backoff_seconds: 1,
            timeout_seconds: 30,
          });
          const period = cfg.period * SEC;
          // The slots owed: (resumed at, paused at], each active span on its own — or up to
          // the slot a pre-armed wake-up decided inside its lead before the pause.
          let owed = 0;
          let activeSince: number | null = T0;
          const closeSpan = () => {
            if (activeSince === null) return;
            const end = Math.max(now, s.last_slot ?? now);
            owed += Math.max(0, Math.floor(end / period) - Math.floor(activeSince / period));
            activeSince = null;
          };
          const runs = new Map<string, RunRow>();
          const apply = (step: core.Step) => {
            for (const e of step.effects) {
              if (e.type !== "write_run" || e.row.trigger !== "schedule") continue;
              const first = runs.get(e.row.run_id);
              if (first)
                expect(e.row.missed_slots, "missed_slots never changes").toBe(first.missed_slots);
              else runs.set(e.row.run_id, e.row);
            }
            s = step.state;
          };
          const settle = () => apply(core.settleSkippedSlots(s, ctx()));

          for (const ev of events) {
            switch (ev.kind) {
              case "advance": {
                now += ev.ms;
                const due = core.wakeAt(s, cfg.leadMs);
                if (ev.alarm && due !== null && due <= now) apply(core.wake(s, ctx()));
                break;
              }
              case "finish": {
                const running = s.active.filter((r) => r.state === "running");
                if (running.length === 0) break;
                const run = running[ev.pick % running.length]!;
                apply(
                  core.attemptFinished(s, run.run_id, run.attempt, result(ev.status, now), ctx()),
                );
                break;
              }
              case "pause":
                settle();
                if (s.status === "active") {
                  apply(core.pause(s, ctx()));
                  closeSpan();
                }
                break;
              case "resume":
                if (s.status === "paused") {
                  apply(core.resume(s, now));
                  // Resume computes from now (SPEC §3): the first slot after it — or after
                  // a slot pre-armed before the pause, which has its run already.
                  activeSince = Math.max(now, s.last_slot ?? now);
                  expect(s.next_slot).toBe((Math.floor(activeSince / period) + 1) * period);
                }
                break;
              case "capacity":
                capacityFull = ev.full;
                break;
              case "restart":
                apply(core.recover(s, ctx()));
                break;
            }
          }
          // The end: a pause decides whatever came due and counts what no run reported.
          now += 1;
          settle();
          if (s.status === "active") {
            apply(core.pause(s, ctx()));
            closeSpan();
          }
          const slots = new Set([...runs.values()].map((r) => r.scheduled_for));
          expect(slots.size, "one run per slot").toBe(runs.size);
          const counted = [...runs.values()].reduce((n, r) => n + r.missed_slots, 0);
          expect(runs.size + counted + s.pending_missed).toBe(owed);
        },
      ),
      { numRuns: 500 },
    );
  });
});
