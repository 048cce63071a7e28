// Random event sequences against the pure core: the guarantees hold whatever happens.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import * as core from "../../../src/job/core";
import type { AttemptResult, JobConfig, JobState } from "../../../src/job/types";

const T0 = Date.parse("2026-03-07T00:00:00Z");

type Ev =
  | { kind: "advance"; ms: number }
  | { kind: "finish"; pick: number; status: number }
  | { kind: "trigger" }
  | { kind: "pause" }
  | { kind: "resume" }
  | { kind: "update"; policy: JobConfig["overlap_policy"]; maxRuns: number | null }
  | { kind: "restart" };

const event: fc.Arbitrary<Ev> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant("advance" as const),
      ms: fc.integer({ min: 1, max: 200_000 }),
    }),
  },
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant("finish" as const),
      pick: fc.nat(),
      status: fc.constantFrom(200, 204, 429, 500, 503),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("trigger" as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("pause" as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("resume" as const) }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("update" as const),
      policy: fc.constantFrom("allow" as const, "skip" as const, "queue" as const),
      maxRuns: fc.option(fc.integer({ min: 1, max: 30 }), { nil: null }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("restart" as const) }) },
);

const schedule = fc.constantFrom(
  "* * * * *",
  "*/2 * * * *",
  "*/20 * * * * *",
  "0 * * * *",
  "30 2 * * *",
);

describe("core properties", () => {
  it("each slot fires at most once, in increasing order; limits and statuses stay consistent", () => {
    fc.assert(
      fc.property(
        schedule,
        fc.constantFrom("allow" as const, "skip" as const, "queue" as const),
        fc.option(fc.integer({ min: 1, max: 20 }), { nil: null }),
        fc.integer({ min: 0, max: 5 }),
        fc.array(event, { minLength: 1, maxLength: 120 }),
        (expr, policy, maxRuns, retries, events) => {
          let seq = 0;
          let now = T0;
          const ctx = (): core.CoreCtx => ({
            now,
            newRunId: () => `run_${++seq}`,
            random: () => 0.5,
          });
          let s: JobState = core.createJob(
            {
              cron_id: "cron_P",
              tenant_id: "t",
              signing_secret: "s",
              config: {
                name: "p",
                schedule: expr,
                run_at: null,
                url: "https://example.com/",
                method: "POST",
                payload: null,
                headers: {},
                timezone: "America/New_York",
                retries,
                retry_backoff_seconds: 5,
                timeout_seconds: 60,
                overlap_policy: policy,
                max_runs: maxRuns,
                on_failure_webhook: "https://example.com/f",
                retention_days: 30,
              },
              enabled: true,
            },
            now,
          ).state;
          const slotOwner = new Map<number, string>();
          let lastFiredSlot = -Infinity;
          const finished = new Set<string>();

          const apply = (step: core.Step) => {
            for (const e of step.effects) {
              if (e.type === "write_run") {
                const r = e.row;
                expect(finished.has(r.run_id), `no write after a run finished (${r.run_id})`).toBe(
                  false,
                );
                if (r.trigger === "schedule") {
                  const owner = slotOwner.get(r.scheduled_for!);
                  if (owner === undefined) {
                    expect(r.scheduled_for!).toBeGreaterThan(lastFiredSlot);
                    lastFiredSlot = r.scheduled_for!;
                    slotOwner.set(r.scheduled_for!, r.run_id);
                  } else expect(owner, "one run per slot").toBe(r.run_id);
                }
                if (["succeeded", "failed", "skipped"].includes(r.state)) finished.add(r.run_id);
              } else if (e.type === "start_attempt") {
                const run = step.state.active.find((r) => r.run_id === e.run_id);
                expect(run?.state).toBe("running");
                expect(run?.attempt).toBe(e.attempt);
                expect(e.attempt).toBeLessThanOrEqual(retries + 1);
              }
            }
            s = step.state;
            expect(s.queue.length).toBeLessThanOrEqual(core.MAX_QUEUED);
            if (s.config.max_runs !== null && s.status !== "paused") {
              expect(s.run_count <= s.config.max_runs || s.status === "completed").toBe(true);
            }
            if (s.status !== "active") expect(s.next_run_at).toBeNull();
            else expect(s.next_run_at).not.toBeNull();
            if (s.status === "active" && s.last_slot !== null)
              expect(s.next_run_at!).toBeGreaterThan(s.last_slot);
            if (s.active.length > 0) expect(core.wakeAt(s)).not.toBeNull();
          };

          for (const ev of events) {
            switch (ev.kind) {
              case "advance": {
                // Time passes; the alarm fires when something is due (sometimes late).
                now += ev.ms;
                const due = core.wakeAt(s);
                if (due !== null && due <= now) apply(core.wake(s, ctx()));
                break;
              }
              case "finish": {
                const running = s.active.filter((r) => r.state === "running");
                if (running.length === 0) break;
                const run = running[ev.pick % running.length]!;
                const ok = ev.status < 300;
                const result: AttemptResult = {
                  started_at: run.attempt_started_at ?? now,
                  duration_ms: 1,
                  ok,
                  response_status: ev.status,
                  error: ok ? null : `HTTP ${ev.status}`,
                  response_body: null,
                  retry_after_seconds: ev.status === 429 ? 2 : null,
                };
                apply(core.attemptFinished(s, run.run_id, run.attempt, result, ctx()));
                break;
              }
              case "trigger":
                apply(core.trigger(s, ctx()));
                break;
              case "pause":
                apply(core.pause(s, now));
                break;
              case "resume":
                apply(core.resume(s, now));
                break;
              case "update":
                apply({
                  state: core.update(s, { overlap_policy: ev.policy, max_runs: ev.maxRuns }, now)
                    .state,
                  effects: [],
                });
                break;
              case "restart":
                apply(core.recover(s, ctx()));
                break;
            }
          }
          // Overlap: with skip or queue, never two scheduled runs in progress together.
          if (s.config.overlap_policy !== "allow") {
            expect(s.queue.every((q) => q.scheduled_for <= (s.last_slot ?? Infinity))).toBe(true);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it("skip and queue never have two runs in progress when only scheduled runs exist", () => {
    fc.assert(
      fc.property(
        fc.constantFrom("skip" as const, "queue" as const),
        fc.array(fc.integer({ min: 1, max: 120_000 }), { minLength: 1, maxLength: 80 }),
        fc.array(fc.boolean(), { minLength: 80, maxLength: 80 }),
        (policy, steps, finishes) => {
          let now = T0;
          let seq = 0;
          const ctx = (): core.CoreCtx => ({
            now,
            newRunId: () => `run_${++seq}`,
            random: () => 0.5,
          });
          let s = core.createJob(
            {
              cron_id: "c",
              tenant_id: "t",
              signing_secret: "s",
              config: {
                name: "n",
                schedule: "*/10 * * * * *",
                run_at: null,
                url: "https://e.com/",
                method: "POST",
                payload: null,
                headers: {},
                timezone: "UTC",
                retries: 0,
                retry_backoff_seconds: 1,
                timeout_seconds: 900,
                overlap_policy: policy,
                max_runs: null,
                on_failure_webhook: null,
                retention_days: 1,
              },
              enabled: true,
            },
            now,
          ).state;
          steps.forEach((ms, i) => {
            now += ms;
            if ((core.wakeAt(s) ?? Infinity) <= now) s = core.wake(s, ctx()).state;
            expect(s.active.length).toBeLessThanOrEqual(1);
            const run = s.active[0];
            if (run && finishes[i]) {
              const r: AttemptResult = {
                started_at: now,
                duration_ms: 1,
                ok: true,
                response_status: 200,
                error: null,
                response_body: null,
                retry_after_seconds: null,
              };
              s = core.attemptFinished(s, run.run_id, run.attempt, r, ctx()).state;
              expect(s.active.length).toBeLessThanOrEqual(1);
            }
          });
        },
      ),
      { numRuns: 200 },
    );
  });
});
