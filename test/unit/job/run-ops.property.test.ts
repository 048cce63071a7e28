// Property test of SPEC §11 run operations against the whole core: under random
// sequences of slots, attempt results (fresh and stale), cancels, replays (one and bulk),
// triggers and resumes — with a random overlap policy, retries, concurrency and
// pause_after_failures —
//   1. no run ever has more than one attempt in flight,
//   2. a cancelled run never gets another attempt,
//   3. a job with pause_after_failures N pauses exactly at the N-th consecutive failure:
//      it is never active with N failures in a row since it was last resumed, and it
//      pauses itself only in the step where that count reaches N.
// Random seeds: the invariants must hold for every one.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import * as core from "../../../src/job/core";
import { type JobState, OVERLAP_POLICIES, type RunRow } from "../../../src/job/types";
import { newJob, result, SEC } from "./fixtures";

const T0 = Date.parse("2026-06-01T12:00:00Z");

type Op =
  | { kind: "tick"; ms: number }
  | { kind: "report"; pick: number; ok: boolean }
  | { kind: "stale"; pick: number }
  | { kind: "cancel"; pick: number }
  | { kind: "replay" }
  | { kind: "bulk"; n: number }
  | { kind: "trigger" }
  | { kind: "resume" };

const op: fc.Arbitrary<Op> = fc.oneof(
  {
    arbitrary: fc.record({
      kind: fc.constant("tick" as const),
      ms: fc.integer({ min: 1, max: 40_000 }),
    }),
    weight: 4,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant("report" as const),
      pick: fc.nat(),
      ok: fc.boolean(),
    }),
    weight: 6,
  },
  { arbitrary: fc.record({ kind: fc.constant("stale" as const), pick: fc.nat() }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant("cancel" as const), pick: fc.nat() }), weight: 2 },
  { arbitrary: fc.constant({ kind: "replay" as const }), weight: 1 },
  {
    arbitrary: fc.record({ kind: fc.constant("bulk" as const), n: fc.integer({ min: 1, max: 4 }) }),
    weight: 1,
  },
  { arbitrary: fc.constant({ kind: "trigger" as const }), weight: 1 },
  { arbitrary: fc.constant({ kind: "resume" as const }), weight: 1 },
);

const original = (i: number): Pick<RunRow, "run_id" | "scheduled_for"> => ({
  run_id: `run_orig${i}`,
  scheduled_for: T0 - i * SEC,
});

describe("run operations (property)", () => {
  it("one attempt in flight per run, none after a cancel, and a pause exactly at N failures", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...OVERLAP_POLICIES),
        fc.integer({ min: 0, max: 2 }),
        fc.integer({ min: 1, max: 3 }),
        fc.option(fc.integer({ min: 1, max: 4 }), { nil: null }),
        fc.array(op, { minLength: 1, maxLength: 120 }),
        (policy, retries, maxConcurrency, pauseAfter, ops) => {
          let seq = 0;
          let now = T0;
          const ctx = (): core.CoreCtx => ({
            now,
            newRunId: () => `run_${String(++seq).padStart(6, "0")}`,
            random: () => 0.5,
          });
          let s: JobState = newJob(T0, {
            schedule: "*/10 * * * * *",
            overlap_policy: policy,
            retries,
            retry_backoff_seconds: 1,
            timeout_seconds: 20,
            max_concurrency: maxConcurrency,
            pause_after_failures: pauseAfter,
            notify_url: "https://hooks.example.com/n",
            notify_events: ["run.failed", "job.paused"],
          });
          /** The shell's view: each run's attempt in flight, until reported, aborted or timed out. */
          const inFlight = new Map<string, { attempt: number; until: number }>();
          const cancelled = new Set<string>();
          const finished: string[] = [];
          let streak = 0; // failed runs in a row since the last success or resume
          let originals = 0;

          const apply = (step: core.Step, manual = false) => {
            const before = s;
            const streakBefore = streak;
            for (const e of step.effects) {
              if (e.type === "abort_attempt") inFlight.delete(e.run_id);
              else if (e.type === "start_attempt") {
                expect(cancelled.has(e.run_id), `attempt of cancelled ${e.run_id}`).toBe(false);
                expect(inFlight.has(e.run_id), `second attempt in flight for ${e.run_id}`).toBe(
                  false,
                );
                const run = step.state.active.find((r) => r.run_id === e.run_id)!;
                inFlight.set(e.run_id, { attempt: e.attempt, until: run.deadline! });
              } else if (e.type === "write_run") {
                const { row } = e;
                if (row.state === "cancelled") {
                  cancelled.add(row.run_id);
                  inFlight.delete(row.run_id);
                }
                if (row.state === "failed") streak++;
                if (row.state === "succeeded") streak = 0;
                if (row.finished_at !== null) finished.push(row.run_id);
              }
            }
            s = step.state;
            if (pauseAfter === null) return;
            // Never active with N failures in a row (since the last resume).
            if (s.status === "active") expect(streak).toBeLessThan(pauseAfter);
            // It pauses itself only in the step where the count reaches N.
            if (!manual && before.status === "active" && s.status === "paused") {
              expect(s.paused_reason).toBe("consecutive_failures");
              expect(streakBefore).toBeLessThan(pauseAfter);
              expect(streak).toBeGreaterThanOrEqual(pauseAfter);
              expect(
                step.effects.some((e) => e.type === "notify" && e.event === "job.paused"),
              ).toBe(true);
            }
          };

          for (const o of ops) {
            if (o.kind === "tick") {
              now += o.ms;
              // The sender's own timeout ends an attempt by its deadline.
              for (const [id, f] of inFlight) if (f.until <= now) inFlight.delete(id);
              apply(core.wake(s, ctx()));
            } else if (o.kind === "report") {
              const entries = [...inFlight.entries()];
              if (entries.length === 0) continue;
              const [runId, f] = entries[o.pick % entries.length]!;
              inFlight.delete(runId);
              now += 1;
              apply(
                core.attemptFinished(s, runId, f.attempt, result(o.ok ? 200 : 500, now), ctx()),
              );
            } else if (o.kind === "stale") {
              const ids = [...cancelled];
              if (ids.length === 0) continue;
              const id = ids[o.pick % ids.length]!;
              const step = core.attemptFinished(s, id, 1, result(500, now), ctx());
              expect(step.effects.filter((e) => e.type !== "write_run")).toEqual([]);
              apply(step);
            } else if (o.kind === "cancel") {
              const ids = [
                ...s.active.map((r) => r.run_id),
                ...s.queue.map((q) => q.run_id),
                ...s.replays.map((r) => r.run_id),
              ];
              if (ids.length === 0) continue;
              const id = ids[o.pick % ids.length]!;
              const step = core.cancel(s, id, "cancelled", ctx());
              expect(step.found).toBe(true);
              apply(step);
              expect(core.inProgress(s, id)).toBe(false);
            } else if (o.kind === "replay") {
              apply(core.replay(s, original(++originals), ctx()));
            } else if (o.kind === "bulk") {
              const list = Array.from({ length: o.n }, () => original(++originals));
              apply(core.replayMany(s, list, ctx()));
            } else if (o.kind === "trigger") {
              apply(core.trigger(s, ctx()));
            } else if (s.status === "paused") {
              streak = 0; // pause_after_failures counts anew from a resume
              apply(core.resume(s, now), true);
            }
            // The state agrees with the shell: a running run has its one attempt in flight.
            for (const r of s.active) {
              if (r.state === "running" && (r.deadline ?? 0) > now)
                expect(inFlight.get(r.run_id)?.attempt, r.run_id).toBe(r.attempt);
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
