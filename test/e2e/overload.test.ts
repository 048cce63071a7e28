// A target that hangs (SPEC §6, issue 14): under overlap_policy allow the job never has
// more than max_concurrency requests in flight, later slots are recorded skipped with
// skip_reason "concurrency_limit" (nothing sent for them), and crondo's own API keeps
// answering meanwhile. Judged from the receiver's own in-flight count and crondo's
// records, not from timing.
import { describe, expect, it } from "vitest";
import { waitFor } from "../helpers/wait";
import { allRuns, requestsTo, uniquePath } from "./client";
import { serverWithReceiver } from "./server";

const env = serverWithReceiver("e2e-overload");

describe("a target that never answers", () => {
  it("holds at most max_concurrency requests in flight per job; the API answers throughout", async () => {
    const MAX = 3;
    const path = uniquePath("hang");
    const created = await env.api.post("/v1/cron/create", {
      name: "hanging target",
      schedule: "* * * * * *",
      url: `${env.receiver.url}${path}`,
      retries: 0,
      timeout_seconds: 60,
      max_concurrency: MAX,
    });
    expect(created.status, created.text).toBe(201);
    const id = created.body.data.cron_id as string;
    expect(created.body.data).toMatchObject({ overlap_policy: "allow", max_concurrency: MAX });

    // While the job fills its places and then skips, the API answers every call.
    const skipped = await waitFor(
      async () => {
        for (const p of [`/v1/cron/get/${id}`, "/v1/cron/list", `/v1/cron/runs/list/${id}`]) {
          const res = await env.api.get(p);
          expect(res.status, `${p}: ${res.text}`).toBe(200);
        }
        const res = await env.api.get(`/v1/cron/runs/list/${id}?state=skipped&limit=100`);
        expect(res.status, res.text).toBe(200);
        return res.body.data.items.length >= 3 ? res.body.data.items : null;
      },
      { what: "three slots skipped at the concurrency limit", timeoutMs: 40_000, stepMs: 500 },
    );
    for (const run of skipped) {
      expect(run).toMatchObject({ trigger: "schedule", state: "skipped", started_at: null });
      expect(run.skip_reason).toBe("concurrency_limit");
    }

    const paused = await env.api.post(`/v1/cron/pause/${id}`);
    expect(paused.status, paused.text).toBe(200);

    // The receiver's own count: never more than MAX of this job's requests at once, and
    // MAX reached (the limit, not the schedule, is what held the rest back).
    const got = requestsTo(env.receiver.requests, path);
    expect(got.length).toBe(MAX);
    expect(Math.max(...got.map((r) => r.concurrent))).toBe(MAX);

    // crondo's records agree: MAX runs started (still in flight), every other slot skipped.
    const runs = await allRuns(env.api, id);
    const started = runs.filter((r) => r.state === "running");
    expect(started).toHaveLength(MAX);
    expect(new Set(started.map((r) => r.run_id))).toEqual(
      new Set(got.map((r) => r.headers["x-cron-run-id"])),
    );
    const others = runs.filter((r) => r.state !== "running");
    expect(others.length).toBeGreaterThanOrEqual(3);
    for (const r of others)
      expect(r).toMatchObject({ state: "skipped", skip_reason: "concurrency_limit" });

    // A manual trigger at the limit is refused the same way: recorded, nothing sent.
    const trig = await env.api.post(`/v1/cron/trigger/${id}`);
    expect(trig.status, trig.text).toBe(200);
    expect(trig.body.data).toMatchObject({ state: "skipped", skip_reason: "concurrency_limit" });
    expect(requestsTo(env.receiver.requests, path)).toHaveLength(MAX);

    // Deleting the job aborts what is in flight.
    expect((await env.api.del(`/v1/cron/delete/${id}`)).status).toBe(200);
  });
});
