// Random event sequences against the pure core: the guarantees hold whatever happens.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import * as core from "../../../src/job/core";
import { NOTIFY_DEFAULTS, WINDOW_DEFAULTS } from "../../../src/job/defaults";
import type { AttemptResult, JobConfig, JobState } from "../../../src/job/types";

const T0 = Date.parse("2026-03-07T00:00:00Z");

type Ev =
  | { kind: "advance"; ms: number }
  | { kind: "finish"; pick: number; status: number }
  | { kind: "trigger" }
  | { kind: "pause" }
  | { kind: "resume" }
  | {
      kind: "update";
      policy: JobConfig["overlap_policy"];
      maxRuns: number | null;
      maxConcurrency: number;
    }
  | { kind: "stale"; pick: number }
  | { kind: "restart" }
  | { kind: "backfill"; back: number; span: number }
  /** The isolate's requests in flight reach MAX_REQUESTS_IN_FLIGHT, or fall below it. */
  | { kind: "capacity"; full: boolean };

const POLICIES = ["allow", "skip", "queue", "buffer_one", "replace"] as const;

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
      policy: fc.constantFrom(...POLICIES),
      maxRuns: fc.option(fc.integer({ min: 1, max: 30 }), { nil: null }),
      maxConcurrency: fc.integer({ min: 1, max: 12 }),
    }),
  },
  // A late report of an attempt that is no longer in flight (lost, replaced, cancelled).
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("stale" as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("restart" as const) }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("backfill" as const),
      back: fc.integer({ min: 1, max: 3_600_000 }),
      span: fc.integer({ min: 1, max: 600_000 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant("capacity" as const), full: fc.boolean() }),
  },
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
        fc.constantFrom(...POLICIES),
        fc.option(fc.integer({ min: 1, max: 20 }), { nil: null }),
        fc.integer({ min: 0, max: 5 }),
        fc.integer({ min: 1, max: 12 }),
        fc.constantFrom(0, 300),
        fc.array(event, { minLength: 1, maxLength: 120 }),
        fc.constantFrom("run_once" as const, "run_all" as const, "skip" as const),
        fc.constantFrom(0, 7, 3600),
        fc.constantFrom(60, 3600),
        fc.constantFrom(0, 1000),
        (
          expr,
          policy,
          maxRuns,
          retries,
          maxConcurrency,
          leadMs,
          events,
          misfire,
          jitter,
          window,
          chainLeadMs,
        ) => {
          let seq = 0;
          let now = T0;
          let capacityFull = false;
          const ctx = (): core.CoreCtx => ({
            now,
            newRunId: () => `run_${++seq}`,
            random: () => 0.5,
            leadMs,
            chainLeadMs,
            capacityFull,
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
                max_concurrency: maxConcurrency,
                max_runs: maxRuns,
                on_failure_webhook: "https://example.com/f",
                retention_days: 30,
                ...WINDOW_DEFAULTS,
                ...NOTIFY_DEFAULTS,
                misfire_policy: misfire,
                jitter_seconds: jitter,
                catchup_window_seconds: window,
              },
              enabled: true,
            },
            now,
          ).state;
          const slotOwner = new Map<number, string>();
          let lastFiredSlot = -Infinity;
          /** run_all's catch-up runs: in slot order among themselves, beside the on-time ones. */
          let lastCatchupSlot = -Infinity;
          const laneOf = new Map<string, string | null>();
          const backfillSlots = new Map<string, number[]>();
          let backfills = 0;
          const finished = new Set<string>();
          const cancelled = new Set<string>();
          const everStarted: { run_id: string; attempt: number }[] = [];

          const apply = (step: core.Step) => {
            for (const r of step.state.active)
              if (!laneOf.has(r.run_id)) laneOf.set(r.run_id, r.lane);
            // SPEC §10: at most one run of each lane in flight.
            for (const lane of ["catchup", "backfill"]) {
              expect(step.state.active.filter((r) => r.lane === lane).length).toBeLessThanOrEqual(
                1,
              );
            }
            for (const e of step.effects) {
              if (e.type === "write_run") {
                const r = e.row;
                expect(finished.has(r.run_id), `no write after a run finished (${r.run_id})`).toBe(
                  false,
                );
                if (r.trigger === "schedule") {
                  const owner = slotOwner.get(r.scheduled_for!);
                  const catchup = laneOf.get(r.run_id) === "catchup";
                  if (owner === undefined) {
                    if (catchup) {
                      expect(r.scheduled_for!).toBeGreaterThan(lastCatchupSlot);
                      lastCatchupSlot = r.scheduled_for!;
                    } else {
                      expect(r.scheduled_for!).toBeGreaterThan(lastFiredSlot);
                      lastFiredSlot = r.scheduled_for!;
                    }
                    slotOwner.set(r.scheduled_for!, r.run_id);
                  } else expect(owner, "one run per slot").toBe(r.run_id);
                  expect(r.fire_at! - r.scheduled_for!).toBeGreaterThanOrEqual(0);
                  expect(r.fire_at! - r.scheduled_for!).toBeLessThan(Math.max(1, jitter * 1000));
                }
                if (r.trigger === "backfill") {
                  const list = backfillSlots.get(r.backfill_id!) ?? [];
                  if (!list.includes(r.scheduled_for!)) {
                    // One backfill's slots in slot order, each once.
                    expect(r.scheduled_for!).toBeGreaterThan(list[list.length - 1] ?? -Infinity);
                    list.push(r.scheduled_for!);
                  }
                  backfillSlots.set(r.backfill_id!, list);
                }
                if (["succeeded", "failed", "skipped", "cancelled"].includes(r.state))
                  finished.add(r.run_id);
                if (r.state === "cancelled") cancelled.add(r.run_id);
                if (r.state === "skipped") expect(r.skip_reason).not.toBeNull();
                else expect(r.skip_reason).toBeNull();
              } else if (e.type === "start_attempt") {
                const run = step.state.active.find((r) => r.run_id === e.run_id);
                expect(run?.state).toBe("running");
                expect(run?.attempt).toBe(e.attempt);
                expect(e.attempt).toBeLessThanOrEqual(retries + 1);
                expect(cancelled.has(e.run_id), "a cancelled run never gets another attempt").toBe(
                  false,
                );
                // Never sent before its slot, nor before now; pre-armed at most leadMs early
                // (chainLeadMs when an attempt's end took it).
                expect(e.at).toBeGreaterThanOrEqual(now);
                if (run!.trigger === "schedule" && e.attempt === 1) {
                  // Never before its fire time (the slot plus its jitter).
                  expect(e.at).toBeGreaterThanOrEqual(run!.fire_at);
                  expect(e.at - now).toBeLessThanOrEqual(Math.max(leadMs, chainLeadMs));
                }
                if (e.attempt === 1) {
                  // SPEC §6: no job ever has more than max_concurrency runs in progress.
                  expect(step.state.active.length).toBeLessThanOrEqual(
                    step.state.config.max_concurrency,
                  );
                }
                everStarted.push({ run_id: e.run_id, attempt: e.attempt });
              }
            }
            s = step.state;
            expect(s.queue.length).toBeLessThanOrEqual(core.MAX_QUEUED);
            if (step.effects.some((e) => e.type === "write_run" && e.row.state === "queued")) {
              if (s.config.overlap_policy === "buffer_one") expect(s.queue.length).toBe(1);
            }
            if (s.config.max_runs !== null && s.status !== "paused") {
              expect(s.run_count <= s.config.max_runs || s.status === "completed").toBe(true);
            }
            if (s.status !== "active") expect(s.next_run_at).toBeNull();
            else expect(s.next_run_at).not.toBeNull();
            if (s.status === "active" && s.last_slot !== null)
              expect(s.next_run_at!).toBeGreaterThan(s.last_slot);
            if (s.active.length > 0) expect(core.wakeAt(s)).not.toBeNull();
          };

          // The shell records the slots skipped meanwhile before every API call (object
          // current()); wake, attemptFinished and recover do it themselves.
          const settle = () => apply(core.settleSkippedSlots(s, ctx()));
          for (const ev of events) {
            switch (ev.kind) {
              case "advance": {
                // Time passes; the alarm fires when something is due (sometimes late).
                now += ev.ms;
                const due = core.wakeAt(s, leadMs);
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
                settle();
                apply(core.trigger(s, ctx()));
                break;
              case "pause":
                settle();
                apply(core.pause(s, ctx()));
                break;
              case "resume":
                apply(core.resume(s, now));
                break;
              case "update":
                settle();
                apply(
                  core.update(
                    s,
                    {
                      overlap_policy: ev.policy,
                      max_runs: ev.maxRuns,
                      max_concurrency: ev.maxConcurrency,
                    },
                    ctx(),
                  ),
                );
                break;
              case "stale": {
                // Reports of attempts no longer in flight change nothing.
                const gone = everStarted.filter(
                  (a) =>
                    !s.active.some(
                      (r) =>
                        r.run_id === a.run_id && r.state === "running" && r.attempt === a.attempt,
                    ),
                );
                if (gone.length === 0) break;
                const a = gone[ev.pick % gone.length]!;
                settle(); // what passed meanwhile is recorded first; then the report is a no-op
                const result: AttemptResult = {
                  started_at: now,
                  duration_ms: 1,
                  ok: true,
                  response_status: 200,
                  error: null,
                  response_body: null,
                  retry_after_seconds: null,
                };
                const step = core.attemptFinished(s, a.run_id, a.attempt, result, ctx());
                expect(step.effects).toEqual([]);
                expect(step.state).toBe(s);
                break;
              }
              case "restart":
                apply(core.recover(s, ctx()));
                break;
              case "backfill": {
                const to = now - ev.back;
                const slots = core.backfillSlots(s, to - ev.span, to);
                if (slots.first === null || slots.count > core.MAX_BACKFILL_SLOTS) break;
                if (s.backfills.length >= core.MAX_BACKFILLS) break;
                settle();
                apply(core.backfill(s, `bf_${++backfills}`, slots as never, ctx()));
                break;
              }
              case "capacity":
                capacityFull = ev.full;
                break;
            }
          }
          // Overlap: with skip or queue, never two scheduled runs in progress together.
          if (s.config.overlap_policy !== "allow") {
            expect(s.queue.every((q) => q.scheduled_for <= (s.last_slot ?? Infinity))).toBe(true);
          }
        },
      ),
      { numRuns: 400 },
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
                max_concurrency: 10,
                max_runs: null,
                on_failure_webhook: null,
                retention_days: 1,
                ...WINDOW_DEFAULTS,
                ...NOTIFY_DEFAULTS,
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
