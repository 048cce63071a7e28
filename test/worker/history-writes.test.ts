// The job object's coalesced D1 writes, end to end (the pure plan is in
// test/unit/job/history-writes.test.ts): cron.list shows status changes at once and
// run progress within INDEX_REFRESH_MS, through the object's own timer.
import { describe, expect, it } from "vitest";
import { INDEX_REFRESH_MS } from "../../src/job/history-plan";
import { waitFor } from "../helpers/wait";
import { api, createKey, receiverUrl, uniquePath, waitForRun } from "./helpers";

const listed = async (key: string, cronId: string) => {
  const res = await api("GET", "/v1/cron/list?limit=100", key);
  expect(res.status).toBe(200);
  const item = res.body.data.items.find((r: { cron_id: string }) => r.cron_id === cronId);
  if (!item) return undefined;
  // The record as the index holds it; `summary` is what list adds beside it (read time).
  const { summary, ...record } = item;
  expect(summary).toHaveProperty("next_run_at");
  return record;
};

describe("the jobs index behind cron.list", () => {
  it("catches up with a run's outcome within INDEX_REFRESH_MS, without another request", async () => {
    const key = await createKey("index-progress");
    const created = await api("POST", "/v1/cron/create", key, {
      schedule: "0 0 1 1 *",
      url: `${receiverUrl()}${uniquePath()}`,
    });
    expect(created.status).toBe(201);
    const id = created.body.data.cron_id;
    const trig = await api("POST", `/v1/cron/trigger/${id}`, key);
    expect(trig.status).toBe(200);
    await waitForRun(key, id, trig.body.data.run_id);
    const fresh = (await api("GET", `/v1/cron/get/${id}`, key)).body.data;
    expect(fresh.last_run_state).toBe("succeeded");
    // The trigger wrote the index at once ("running"); the outcome follows on the timer.
    const t0 = Date.now();
    const caught = await waitFor(
      async () => {
        const item = await listed(key, id);
        return item?.last_run_state === "succeeded" ? item : undefined;
      },
      { what: "cron.list to show the run", timeoutMs: INDEX_REFRESH_MS + 5_000, stepMs: 250 },
    );
    expect(Date.now() - t0).toBeLessThan(INDEX_REFRESH_MS + 5_000);
    expect(caught).toEqual(fresh);
  }, 30_000);

  it("shows a status change at once, with the run progress of that moment", async () => {
    const key = await createKey("index-status");
    const created = await api("POST", "/v1/cron/create", key, {
      schedule: "* * * * * *",
      url: `${receiverUrl()}${uniquePath()}`,
    });
    expect(created.status).toBe(201);
    const id = created.body.data.cron_id;
    await waitFor(
      async () => {
        const rec = (await api("GET", `/v1/cron/get/${id}`, key)).body.data;
        return rec.run_count >= 2 ? rec : undefined;
      },
      { what: "run_count to reach 2", timeoutMs: 10_000 },
    );
    const paused = await api("POST", `/v1/cron/pause/${id}`, key);
    expect(paused.status).toBe(200);
    const item = await listed(key, id);
    expect(item).toMatchObject({ status: "paused", enabled: false, next_run_at: null });
    expect(item.run_count).toBe(paused.body.data.run_count);
    expect(item.last_run_at).toBe(paused.body.data.last_run_at);
  }, 30_000);
});
