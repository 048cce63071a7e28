import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { CrondoClient, CrondoError } from "../../src/client";
import { waitFor } from "../helpers/wait";
import { createKey, receiverUrl } from "./helpers";

describe("typed client", () => {
  it("round-trips create → trigger → runs.list against the app", async () => {
    const apiKey = await createKey("client");
    const crondo = new CrondoClient({
      baseUrl: "https://crondo.test/",
      apiKey,
      fetch: (input, init) => SELF.fetch(input, init),
    });
    const job = await crondo.create(
      { name: "client job", schedule: "0 0 1 1 *", url: `${receiverUrl()}/ok/client`, retries: 1 },
      { idempotencyKey: "client-create" },
    );
    expect(job).toMatchObject({ name: "client job", retries: 1, status: "active" });
    const again = await crondo.create(
      { name: "client job", schedule: "0 0 1 1 *", url: `${receiverUrl()}/ok/client`, retries: 1 },
      { idempotencyKey: "client-create" },
    );
    expect(again.cron_id).toBe(job.cron_id);

    const run = await crondo.trigger(job.cron_id);
    expect(run).toMatchObject({ cron_id: job.cron_id, trigger: "manual" });
    const finished = await waitFor(
      async () => {
        const page = await crondo.runs.list(job.cron_id, { limit: 5 });
        return page.items[0]?.state === "succeeded" ? page : null;
      },
      { what: "the triggered run to succeed in runs.list" },
    );
    expect(finished.items).toHaveLength(1);
    expect(finished.items[0]!.run_id).toBe(run.run_id);
    expect((await crondo.runs.get(job.cron_id, run.run_id)).response_status).toBe(200);
    expect((await crondo.list()).items.map((j) => j.cron_id)).toContain(job.cron_id);
    expect(await crondo.retention.set(job.cron_id, 5)).toEqual({
      cron_id: job.cron_id,
      retention_days: 5,
    });
    expect((await crondo.stats(job.cron_id)).counts.succeeded).toBe(1);
    expect((await crondo.preview({ schedule: "@hourly", count: 2 })).next).toHaveLength(2);
    const backfill = await crondo.backfill(
      job.cron_id,
      { from: "2023-06-01T00:00:00Z", to: "2025-06-01T00:00:00Z" },
      { idempotencyKey: "client-backfill" },
    );
    expect(backfill).toMatchObject({
      cron_id: job.cron_id,
      slots: 2,
      first_slot: "2024-01-01T00:00:00.000Z",
      last_slot: "2025-01-01T00:00:00.000Z",
    });

    const err = await crondo.update(job.cron_id, { retries: 99 }).catch((e) => e);
    expect(err).toBeInstanceOf(CrondoError);
    expect(err).toMatchObject({ status: 400, code: "VALIDATION_ERROR" });
    expect(err.details[0].path).toBe("retries");
    expect(err.requestId).toMatch(/^req_/);

    expect(await crondo.delete(job.cron_id)).toEqual({ cron_id: job.cron_id, deleted: true });
    await expect(crondo.get(job.cron_id)).rejects.toMatchObject({ code: "NOT_FOUND", status: 404 });
  });

  it("covers the run operations: replay, replayMany, cancel, listAll, rotateSecret, audit", async () => {
    const apiKey = await createKey("client-ops");
    const crondo = new CrondoClient({
      baseUrl: "https://crondo.test",
      apiKey,
      fetch: (input, init) => SELF.fetch(input, init),
    });
    const job = await crondo.create({
      schedule: "0 0 1 1 *",
      url: `${receiverUrl()}/status/500/client-ops`,
      retries: 0,
      pause_after_failures: 5,
      notify_events: ["run.failed", "job.paused"],
    });
    expect(job).toMatchObject({ pause_after_failures: 5, paused_reason: null });
    const run = await crondo.trigger(job.cron_id);
    await waitFor(async () => (await crondo.runs.get(job.cron_id, run.run_id)).state === "failed", {
      what: "the run to fail",
    });
    const replay = await crondo.runs.replay(job.cron_id, run.run_id);
    expect(replay).toMatchObject({ trigger: "replay", replay_of: run.run_id });
    await waitFor(
      async () => (await crondo.runs.get(job.cron_id, replay.run_id)).state === "failed",
      {
        what: "the replay to fail",
      },
    );
    const many = await crondo.runs.replayMany(job.cron_id, { state: "failed", limit: 1 });
    expect(many).toMatchObject({ cron_id: job.cron_id, replayed: 1 });
    const err = await crondo.runs.cancel(job.cron_id, run.run_id).catch((e) => e);
    expect(err).toMatchObject({ status: 409, code: "RUN_FINISHED" });
    const all = await crondo.runs.listAll({ limit: 10, state: "failed" });
    expect(all.items.map((r) => r.run_id)).toContain(run.run_id);
    const rotated = await crondo.rotateSecret(job.cron_id);
    expect(rotated.previous_secret_expires_at).not.toBeNull();
    const audit = await crondo.audit(job.cron_id, { limit: 2 });
    expect(audit.items.map((e) => e.action)).toEqual(["rotate-secret", "replay"]);
    expect(audit.next_cursor).not.toBeNull();
  });
});

describe("typed client: metrics, overview and the list summary", () => {
  it("reads the Prometheus text, the overview and each listed job's summary", async () => {
    const apiKey = await createKey("client-obs", { scopes: ["read"] });
    const crondo = new CrondoClient({
      baseUrl: "https://crondo.test/",
      apiKey,
      fetch: (input, init) => SELF.fetch(input, init),
    });
    const text = await crondo.metrics();
    expect(text).toMatch(/^# HELP crondo_jobs /);
    expect(await crondo.metrics({ by: "job" })).toContain("# TYPE crondo_runs_total counter");
    const overview = await crondo.overview({ hours: 2 });
    expect(overview.jobs).toEqual({ active: 0, paused: 0, completed: 0 });
    expect(Date.parse(overview.now) - Date.parse(overview.from)).toBe(2 * 3_600_000);
    expect((await crondo.list()).items).toEqual([]);
    const bad = await crondo.overview({ hours: 0 }).catch((e) => e);
    expect(bad).toBeInstanceOf(CrondoError);
    expect(bad.code).toBe("VALIDATION_ERROR");
    const wrong = new CrondoClient({
      baseUrl: "https://crondo.test/",
      apiKey: "nope",
      fetch: (input, init) => SELF.fetch(input, init),
    });
    const err = await wrong.metrics().catch((e) => e);
    expect(err).toBeInstanceOf(CrondoError);
    expect(err.status).toBe(401);
  });
});
