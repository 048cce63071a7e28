// GET /v1/cron/list's summary and GET /v1/cron/overview: what the dashboard's jobs page and
// overview draw, each in one request, from real runs against the real receiver.
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { CronPageSchema, OverviewSchema, successEnvelope } from "../../src/api/models";
import { waitFor } from "../helpers/wait";
import { api, createKey, receiverUrl, uniquePath, waitForRun } from "./helpers";

const strict = (schema: Parameters<typeof successEnvelope>[0], body: unknown) => {
  const r = successEnvelope(schema).safeParse(body);
  if (!r.success) throw new Error(JSON.stringify(r.error.issues).slice(0, 2000));
};

async function runs(key: string, id: string, n: number) {
  for (let i = 0; i < n; i++) {
    const t = await api("POST", `/v1/cron/trigger/${id}`, key);
    await waitForRun(key, id, t.body.data.run_id);
  }
}

describe("list summary and overview", () => {
  it("list: next run from the schedule (not a stale index), description and success of the last runs", async () => {
    const key = await createKey("summary");
    const every = await api("POST", "/v1/cron/create", key, {
      name: "every 5 s",
      schedule: "*/5 * * * * *",
      url: `${receiverUrl()}${uniquePath("ok")}`,
    });
    const weekly = await api("POST", "/v1/cron/create", key, {
      name: "weekly",
      schedule: "0 9 * * 1",
      timezone: "Europe/Berlin",
      url: `${receiverUrl()}${uniquePath("status/500")}`,
      retries: 0,
    });
    const everyId = every.body.data.cron_id;
    const weeklyId = weekly.body.data.cron_id;
    await api("POST", `/v1/cron/pause/${everyId}`, key); // no slot of its own meanwhile
    await api("POST", `/v1/cron/resume/${everyId}`, key);
    await runs(key, weeklyId, 2);
    // The index row lags an often-firing job (up to 10 s): make it as stale as that.
    await env.DB.prepare(
      "UPDATE jobs SET record = json_set(record, '$.next_run_at', ?) WHERE cron_id = ?",
    )
      .bind(new Date(Date.now() - 8_000).toISOString(), everyId)
      .run();
    const before = Date.now();
    const res = await api("GET", "/v1/cron/list", key);
    strict(CronPageSchema, res.body);
    const byId = new Map(res.body.data.items.map((j: any) => [j.cron_id, j]));
    const e: any = byId.get(everyId);
    expect(Date.parse(e.next_run_at)).toBeLessThan(before); // the record as the index has it
    const next = Date.parse(e.summary.next_run_at);
    expect(next).toBeGreaterThanOrEqual(before - 1);
    expect(next).toBeLessThanOrEqual(Date.now() + 5_000);
    expect(next % 5_000).toBe(0);
    expect(e.summary.description).toMatch(/every 5 seconds/i);
    expect(e.summary.success).toEqual({
      window: 100,
      runs: 0,
      succeeded: 0,
      failed: 0,
      rate: null,
    });
    const w: any = byId.get(weeklyId);
    expect(w.summary.next_run_at).toBe(w.next_run_at);
    expect(w.summary.description).toMatch(/Monday/);
    await waitFor(
      async () => {
        const l = await api("GET", "/v1/cron/list", key);
        const s = l.body.data.items.find((j: any) => j.cron_id === weeklyId).summary.success;
        return s.runs === 2 ? s : null;
      },
      { what: "both runs in the summary" },
    ).then((s) => expect(s).toEqual({ window: 100, runs: 2, succeeded: 0, failed: 2, rate: 0 }));
    // Paused: no next run.
    await api("POST", `/v1/cron/pause/${weeklyId}`, key);
    const paused = await api("GET", "/v1/cron/list?status=paused", key);
    expect(paused.body.data.items.map((j: any) => [j.cron_id, j.summary.next_run_at])).toEqual([
      [weeklyId, null],
    ]);
  });

  it("overview: runs per minute by state, fire-lag percentiles and the next 24 h of fires", async () => {
    const key = await createKey("overview");
    const empty = await api("GET", "/v1/cron/overview", key);
    strict(OverviewSchema, empty.body);
    expect(empty.body.data.runs_per_minute).toEqual([]);
    const ok = await api("POST", "/v1/cron/create", key, {
      schedule: "0 * * * *",
      url: `${receiverUrl()}${uniquePath("ok")}`,
    });
    const bad = await api("POST", "/v1/cron/create", key, {
      schedule: "30 2 * * *",
      url: `${receiverUrl()}${uniquePath("status/503")}`,
      retries: 0,
    });
    await runs(key, ok.body.data.cron_id, 3);
    await runs(key, bad.body.data.cron_id, 1);
    const data = await waitFor(
      async () => {
        const o = await api("GET", "/v1/cron/overview", key);
        const total = (s: "succeeded" | "failed") =>
          o.body.data.runs_per_minute.reduce((a: number, p: any) => a + p[s], 0);
        return total("succeeded") === 3 && total("failed") === 1 ? o.body : null;
      },
      { what: "the runs in the overview" },
    );
    strict(OverviewSchema, data);
    const o = data.data;
    expect(o.jobs).toEqual({ active: 2, paused: 0, completed: 0 });
    expect(o.fire_lag.reduce((a: number, p: any) => a + p.runs, 0)).toBe(4);
    for (const p of o.fire_lag) {
      expect(p.p50_seconds).toBeGreaterThanOrEqual(0);
      expect(p.p99_seconds).toBeGreaterThanOrEqual(p.p50_seconds);
    }
    // Timeline: the hourly job's 24 fires and the daily job's one, soonest job first
    // (which of the two is soonest depends on the time of day: 02:00–02:30 UTC, the daily one).
    expect(o.timeline.jobs).toHaveLength(2);
    const hourly = o.timeline.jobs.find((j: any) => j.cron_id === ok.body.data.cron_id);
    const daily = o.timeline.jobs.find((j: any) => j.cron_id === bad.body.data.cron_id);
    expect(hourly.fires).toHaveLength(24);
    expect(daily.fires).toHaveLength(1);
    const firsts = o.timeline.jobs.map((j: any) => Date.parse(j.fires[0]));
    expect(firsts).toEqual([...firsts].sort((a, b) => a - b));
    const from = Date.parse(o.timeline.from);
    const to = Date.parse(o.timeline.to);
    for (const j of o.timeline.jobs) {
      const ts = j.fires.map(Date.parse);
      expect(ts).toEqual([...ts].sort((a, b) => a - b));
      for (const t of ts) expect(t >= from && t < to).toBe(true);
    }
    expect((await api("GET", "/v1/cron/overview?hours=49", key)).status).toBe(400);
  });
});
