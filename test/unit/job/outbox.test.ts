// The notification outbox (SPEC §12), pure: in order, one at a time, each event retried up
// to 3 times after its backoff under the same id, then given up; bodies as specified.
import { describe, expect, it } from "vitest";
import {
  enqueue,
  eventBody,
  failureBody,
  MAX_OUTBOX,
  NOTIFY_BACKOFF_MS,
  NOTIFY_LEASE_MS,
  NOTIFY_RETRIES,
  type Notification,
  notificationsOf,
  outboxWakeAt,
  sendFinished,
  takeDue,
} from "../../../src/job/outbox";
import { newJob } from "./fixtures";

const T0 = Date.parse("2026-06-01T12:00:00Z");
const event = (id: string, at = T0): Notification => ({
  id,
  type: "run.failed",
  run_id: null,
  created_at: at,
  target: "https://hooks.example.com/n",
  body: "{}",
  attempts: 0,
  next_at: at,
});

describe("outbox", () => {
  it("sends the head only, leased, and the next one only after it", () => {
    let box = enqueue([], [event("evt_1"), event("evt_2")]).outbox;
    const first = takeDue(box, T0);
    expect(first.send).toMatchObject({ id: "evt_1", attempts: 1, next_at: T0 + NOTIFY_LEASE_MS });
    box = first.outbox;
    // While evt_1 is leased nothing else goes: events of one job are sent in order.
    expect(takeDue(box, T0 + 1).send).toBeNull();
    expect(outboxWakeAt(box)).toBe(T0 + NOTIFY_LEASE_MS);
    box = sendFinished(box, "evt_1", "delivered", T0 + 10).outbox;
    expect(takeDue(box, T0 + 10).send?.id).toBe("evt_2");
  });

  it("retries a failed send after its backoff, 3 times, under the same id; then gives up", () => {
    let box = enqueue([], [event("evt_1"), event("evt_2")]).outbox;
    let now = T0;
    const sends: string[] = [];
    for (let i = 0; i <= NOTIFY_RETRIES; i++) {
      const due = takeDue(box, now);
      expect(due.send?.id).toBe("evt_1");
      sends.push(due.send!.id);
      const done = sendFinished(due.outbox, "evt_1", "failed", now);
      box = done.outbox;
      expect(done.gaveUp).toBe(i === NOTIFY_RETRIES);
      if (i < NOTIFY_RETRIES) {
        expect(box[0]!.next_at).toBe(now + NOTIFY_BACKOFF_MS[i]!);
        expect(takeDue(box, box[0]!.next_at - 1).send).toBeNull();
        now = box[0]!.next_at;
      }
    }
    expect(sends).toEqual(["evt_1", "evt_1", "evt_1", "evt_1"]); // 1 send + 3 retries
    expect(box.map((n) => n.id)).toEqual(["evt_2"]);
  });

  it("a target the URL guard refuses is given up at once", () => {
    const due = takeDue([event("evt_1")], T0);
    expect(sendFinished(due.outbox, "evt_1", "refused", T0)).toEqual({ outbox: [], gaveUp: true });
  });

  it("a send cut short by a restart is sent again once its lease runs out", () => {
    const leased = takeDue([event("evt_1")], T0).outbox;
    expect(takeDue(leased, T0 + NOTIFY_LEASE_MS).send).toMatchObject({ id: "evt_1", attempts: 2 });
  });

  it("holds at most MAX_OUTBOX events, giving up the oldest", () => {
    const many = Array.from({ length: MAX_OUTBOX + 2 }, (_, i) => event(`evt_${i}`));
    const { outbox, dropped } = enqueue([], many);
    expect(outbox).toHaveLength(MAX_OUTBOX);
    expect(dropped.map((d) => d.id)).toEqual(["evt_0", "evt_1"]);
  });

  it("bodies: {type, id, created_at, data} with the job and the run; the legacy failure body", () => {
    const job = newJob(T0, { name: "nightly" });
    const row = {
      run_id: "run_1",
      cron_id: job.cron_id,
      tenant_id: "t",
      trigger: "schedule" as const,
      state: "failed" as const,
      scheduled_for: T0,
      fire_at: T0,
      started_at: T0,
      finished_at: T0 + 5,
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
      created_at: T0,
    };
    expect(eventBody(job, "run.failed", row, "evt_1", T0 + 6)).toMatchObject({
      type: "run.failed",
      id: "evt_1",
      created_at: new Date(T0 + 6).toISOString(),
      data: { cron_id: job.cron_id, name: "nightly", run: { run_id: "run_1", state: "failed" } },
    });
    expect(eventBody(job, "job.paused", null, "evt_2", T0).data).toEqual({
      cron_id: job.cron_id,
      name: "nightly",
      status: "active",
      paused_reason: null,
    });
    expect(failureBody(job, row)).toMatchObject({
      type: "cron.run.failed",
      run_id: "run_1",
      attempts: 1,
      error: "HTTP 500",
    });
  });

  it("notificationsOf: one entry per target, each with its own id and body", () => {
    const job = newJob(T0, {
      notify_url: "https://hooks.example.com/n",
      notify_events: ["run.failed", "job.paused"],
      on_failure_webhook: "https://hooks.example.com/legacy",
    });
    let n = 0;
    const row = { run_id: "run_1", scheduled_for: T0, finished_at: T0, attempt_log: [] } as never;
    const entries = notificationsOf(
      job,
      [
        { type: "write_run", row },
        { type: "notify", event: "run.failed", row, to_notify_url: true, legacy: true },
        { type: "notify", event: "job.paused", row: null, to_notify_url: true, legacy: false },
      ],
      T0,
      () => `evt_${++n}`,
    );
    expect(entries.map((e) => [e.id, e.type, e.target, e.run_id])).toEqual([
      ["evt_1", "run.failed", "https://hooks.example.com/n", "run_1"],
      ["evt_2", "run.failed", "https://hooks.example.com/legacy", "run_1"],
      ["evt_3", "job.paused", "https://hooks.example.com/n", null],
    ]);
    expect(JSON.parse(entries[0]!.body)).toMatchObject({ type: "run.failed", id: "evt_1" });
    expect(JSON.parse(entries[1]!.body)).toMatchObject({
      type: "cron.run.failed",
      run_id: "run_1",
    });
    expect(entries.every((e) => e.attempts === 0 && e.next_at === T0)).toBe(true);
  });
});
