// GET /v1/cron/metrics (SPEC §13): counters that count each run once, when its finished
// row is first written, and that purges and deletes never take back. Real runs against the
// real receiver; the store-level cases write batches the way the history writer does.
import {
  createExecutionContext,
  createScheduledController,
  env,
  SELF,
  waitOnExecutionContext,
} from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { type Env, historyShards } from "../../src/env";
import worker from "../../src/index";
import { minuteScope } from "../../src/job/metrics";
import type { RunRow } from "../../src/job/types";
import { DAY } from "../../src/lib/time";
import { ulid } from "../../src/lib/ulid";
import { upsertRunStatement } from "../../src/store/runs";
import { waitFor } from "../helpers/wait";
import { api, createKey, receiverUrl, uniquePath, waitForRun } from "./helpers";

async function scrape(key: string, query = "") {
  const res = await SELF.fetch(`https://crondo.test/v1/cron/metrics${query}`, {
    headers: { authorization: `Bearer ${key}` },
  });
  return { status: res.status, type: res.headers.get("content-type"), text: await res.text() };
}

/** Samples of the text format: `name{labels}` → value. */
function samples(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const at = line.lastIndexOf(" ");
    out.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return out;
}

const get = (m: Map<string, number>, name: string) => {
  const v = m.get(name);
  if (v === undefined) throw new Error(`no sample ${name} in ${[...m.keys()].join(", ")}`);
  return v;
};

function finishedRow(tenant: string, cronId: string, over: Partial<RunRow> = {}): RunRow {
  const now = Date.now();
  return {
    run_id: `run_${ulid()}`,
    cron_id: cronId,
    tenant_id: tenant,
    trigger: "schedule",
    state: "succeeded",
    scheduled_for: now - 1000,
    fire_at: now - 1000,
    started_at: now - 990,
    finished_at: now - 900,
    fire_lag_ms: 10,
    attempts: 1,
    attempt_log: [
      { attempt: 1, started_at: now - 990, duration_ms: 90, response_status: 200, error: null },
    ],
    response_status: 200,
    duration_ms: 90,
    error: null,
    response_body: null,
    missed_slots: 0,
    skip_reason: null,
    backfill_id: null,
    replay_of: null,
    created_at: now - 1000,
    ...over,
  };
}

/** What the history writer sends for `rows`: their upserts, one batch. */
const writeBatch = (rows: RunRow[]) => env.DB.batch(rows.map((r) => upsertRunStatement(env.DB, r)));

describe("GET /v1/cron/metrics", () => {
  it("counts a finished row once: repeated writes, running rows and other tenants add nothing", async () => {
    const key = await createKey("metrics-store");
    const cronId = `cron_${ulid()}`;
    const base = samples((await scrape(key)).text);
    expect(get(base, 'crondo_runs_total{state="succeeded",trigger="schedule"}')).toBe(0);

    const ok = finishedRow("metrics-store", cronId);
    const running = { ...ok, state: "running" as const, finished_at: null, duration_ms: null };
    await writeBatch([running]); // in progress: not counted yet
    let m = samples((await scrape(key)).text);
    expect(get(m, 'crondo_runs_total{state="succeeded",trigger="schedule"}')).toBe(0);
    expect(get(m, "crondo_runs_in_progress")).toBe(1);

    const failed = finishedRow("metrics-store", cronId, {
      state: "failed",
      trigger: "manual",
      attempts: 2,
      attempt_log: [
        { attempt: 1, started_at: 0, duration_ms: 5, response_status: 500, error: null },
        { attempt: 2, started_at: 0, duration_ms: 5, response_status: null, error: "timeout" },
      ],
      fire_lag_ms: 2_000,
      duration_ms: 40_000,
      missed_slots: 3,
    });
    const skipped = finishedRow("metrics-store", cronId, {
      state: "skipped",
      skip_reason: "overlap",
      attempts: 0,
      attempt_log: [],
      fire_lag_ms: null,
      duration_ms: null,
      started_at: null,
    });
    const other = finishedRow("metrics-other", `cron_${ulid()}`);
    for (let i = 0; i < 3; i++) await writeBatch([ok, failed, skipped, other]); // replayed writes
    // A stale version redelivered after the final one does not move the row back, so the
    // final one coming again counts nothing either.
    await writeBatch([running]);
    await writeBatch([ok]);
    const row = await env.DB.prepare("SELECT state FROM runs WHERE run_id = ?")
      .bind(ok.run_id)
      .first<{ state: string }>();
    expect(row?.state).toBe("succeeded");
    m = samples((await scrape(key)).text);
    expect(get(m, 'crondo_runs_total{state="succeeded",trigger="schedule"}')).toBe(1);
    expect(get(m, 'crondo_runs_total{state="failed",trigger="manual"}')).toBe(1);
    expect(get(m, 'crondo_runs_total{state="skipped",trigger="schedule"}')).toBe(1);
    expect(get(m, 'crondo_attempts_total{outcome="success"}')).toBe(1);
    expect(get(m, 'crondo_attempts_total{outcome="failure"}')).toBe(2);
    expect(get(m, 'crondo_skipped_total{reason="overlap"}')).toBe(1);
    expect(get(m, "crondo_missed_slots_total")).toBe(3);
    expect(get(m, "crondo_runs_in_progress")).toBe(0);
    // Histograms: cumulative buckets, sum in seconds, count = observations.
    expect(get(m, 'crondo_fire_lag_seconds_bucket{le="0.01"}')).toBe(1);
    expect(get(m, 'crondo_fire_lag_seconds_bucket{le="1"}')).toBe(1);
    expect(get(m, 'crondo_fire_lag_seconds_bucket{le="2.5"}')).toBe(2);
    expect(get(m, 'crondo_fire_lag_seconds_bucket{le="+Inf"}')).toBe(2);
    expect(get(m, "crondo_fire_lag_seconds_sum")).toBe(2.01);
    expect(get(m, "crondo_fire_lag_seconds_count")).toBe(2);
    expect(get(m, 'crondo_run_duration_seconds_bucket{le="30"}')).toBe(1);
    expect(get(m, 'crondo_run_duration_seconds_bucket{le="60"}')).toBe(2);
    expect(get(m, "crondo_run_duration_seconds_sum")).toBe(40.09);

    // by=job: the job's own series, with its cron_id, and no tenant-wide totals beside them.
    const byJob = samples((await scrape(key, "?by=job")).text);
    expect(
      get(byJob, `crondo_runs_total{cron_id="${cronId}",state="succeeded",trigger="schedule"}`),
    ).toBe(1);
    expect(get(byJob, `crondo_fire_lag_seconds_count{cron_id="${cronId}"}`)).toBe(2);
    expect(byJob.has('crondo_runs_total{state="succeeded",trigger="schedule"}')).toBe(false);
  });

  it("moves by exactly the runs made, and neither a purge nor a delete takes a count back", async () => {
    const key = await createKey("metrics-api");
    const created = await api("POST", "/v1/cron/create", key, {
      schedule: "0 0 1 1 *",
      url: `${receiverUrl()}${uniquePath("ok")}`,
      retention_days: 0,
      retries: 0,
    });
    const failing = await api("POST", "/v1/cron/create", key, {
      schedule: "0 0 1 1 *",
      url: `${receiverUrl()}${uniquePath("status/500")}`,
      retries: 0,
      retention_days: 0,
    });
    const before = samples((await scrape(key)).text);
    expect(get(before, 'crondo_jobs{status="active"}')).toBe(2);
    const id = created.body.data.cron_id;
    const failId = failing.body.data.cron_id;
    for (let i = 0; i < 3; i++) {
      const t = await api("POST", `/v1/cron/trigger/${id}`, key);
      await waitForRun(key, id, t.body.data.run_id);
    }
    const f = await api("POST", `/v1/cron/trigger/${failId}`, key);
    expect((await waitForRun(key, failId, f.body.data.run_id)).state).toBe("failed");
    const ok = 'crondo_runs_total{state="succeeded",trigger="manual"}';
    const bad = 'crondo_runs_total{state="failed",trigger="manual"}';
    // The run is answered finished by its object; its D1 row (and counters) land just after.
    const after = await waitFor(
      async () => {
        const m = samples((await scrape(key)).text);
        return get(m, ok) === 3 && get(m, bad) === 1 ? m : null;
      },
      { what: "the runs to be counted" },
    );
    expect(get(after, 'crondo_attempts_total{outcome="success"}')).toBe(3);
    expect(get(after, 'crondo_attempts_total{outcome="failure"}')).toBe(1);
    expect(get(after, "crondo_run_duration_seconds_count")).toBe(4);

    // The daily purge (retention 0: every finished run goes) leaves the counters alone;
    // only the overview's per-minute counters older than two days go — in every shard
    // (each shard's triggers count the runs it holds).
    const shards = historyShards(env as unknown as Env);
    const old = minuteScope(Date.now() - 3 * DAY);
    for (const { db } of shards)
      await db
        .prepare(
          "INSERT INTO run_counters (tenant_id, scope, state, trigger, skip_reason, runs) VALUES ('metrics-api', ?, 'succeeded', '', '', 1)",
        )
        .bind(old)
        .run();
    const minutes = async () => {
      const scopes: string[] = [];
      for (const { db } of shards) {
        const r = await db
          .prepare(
            "SELECT scope FROM run_counters WHERE tenant_id = 'metrics-api' AND scope >= 'm'",
          )
          .all<{ scope: string }>();
        scopes.push(...r.results.map((x) => x.scope));
      }
      return scopes;
    };
    expect(await minutes()).toContain(old);
    expect((await minutes()).length).toBeGreaterThan(1);
    const controller = createScheduledController({ scheduledTime: Date.now(), cron: "17 3 * * *" });
    const ctx = createExecutionContext();
    await worker.scheduled(controller, env, ctx);
    await waitOnExecutionContext(ctx);
    // Gone from the job's shard (its object may still show a run it sent in the last
    // RECENT_MS: history-writer.ts).
    for (const { db } of shards) {
      const left = await db
        .prepare("SELECT COUNT(*) AS n FROM runs WHERE cron_id = ?")
        .bind(id)
        .first<{ n: number }>();
      expect(left?.n).toBe(0);
    }
    const purged = samples((await scrape(key)).text);
    const kept = await minutes();
    expect(kept).not.toContain(old);
    expect(kept.length).toBeGreaterThan(0);
    for (const [name, v] of after)
      if (!name.startsWith("crondo_jobs")) expect(purged.get(name), name).toBe(v);

    // A deleted job's own series go; the tenant's totals keep what it did.
    expect((await api("DELETE", `/v1/cron/delete/${id}`, key)).status).toBe(200);
    const gone = samples((await scrape(key, "?by=job")).text);
    expect([...gone.keys()].some((k) => k.includes(id))).toBe(false);
    expect([...gone.keys()].some((k) => k.includes(failId))).toBe(true);
    const totals = samples((await scrape(key)).text);
    expect(get(totals, ok)).toBe(3);
    expect(get(totals, 'crondo_jobs{status="active"}')).toBe(1);
  });

  it("answers the text format to a read-only key; 400 for an unknown parameter, 401 without a key", async () => {
    const reader = await createKey("metrics-read", { scopes: ["read"] });
    const res = await scrape(reader);
    expect(res.status).toBe(200);
    expect(res.type).toBe("text/plain; version=0.0.4; charset=utf-8");
    expect(res.text).toMatch(/^# HELP crondo_jobs /);
    expect(res.text.endsWith("\n")).toBe(true);
    expect((await scrape(reader, "?by=tenant")).status).toBe(400);
    expect((await scrape(reader, "?x=1")).status).toBe(400);
    const anon = await SELF.fetch("https://crondo.test/v1/cron/metrics");
    expect(anon.status).toBe(401);
  });
});
