// The isolate's bound on requests in flight (src/delivery/capacity.ts, README "Under
// overload"): under `wrangler dev` every job object shares one process, so many jobs
// with hanging targets could together exhaust its file descriptors however small each
// job's max_concurrency. With MAX_REQUESTS_IN_FLIGHT=4, three jobs that would hold 3
// requests each hold 4 in total; the slots that find the isolate at its cap are recorded
// skipped (skip_reason "capacity"), nothing sent for them (an attempt that races past the
// check is refused at the send and recorded failed, also unsent), the API answers
// throughout, and the places come back once the hanging requests end. Judged from the
// receiver's own count and crondo's records.
import { describe, expect, it } from "vitest";
import { waitFor } from "../helpers/wait";
import { allRuns, finishedRun, requestsTo, uniquePath } from "./client";
import { serverWithReceiver } from "./server";

const LIMIT = 4;
const env = serverWithReceiver("e2e-capacity", { vars: { MAX_REQUESTS_IN_FLIGHT: String(LIMIT) } });

const GATE_ERROR = new RegExp(`^not sent: crondo already has ${LIMIT} requests in flight`);

describe("MAX_REQUESTS_IN_FLIGHT across jobs", () => {
  it("never has more requests out than the limit; slots at the cap are skipped unsent; places come back", async () => {
    const paths = [0, 1, 2].map(() => uniquePath("hang"));
    const ids: string[] = [];
    for (const path of paths) {
      const res = await env.api.post("/v1/cron/create", {
        name: "hanging target",
        schedule: "* * * * * *",
        url: `${env.receiver.url}${path}`,
        retries: 0,
        timeout_seconds: 90,
        max_concurrency: 3,
      });
      expect(res.status, res.text).toBe(201);
      ids.push(res.body.data.cron_id);
    }
    const received = () => paths.flatMap((p) => requestsTo(env.receiver.requests, p));

    // Until the gate has refused a few attempts, the API answers every call.
    await waitFor(
      async () => {
        for (const p of ["/v1/cron/list", `/v1/cron/get/${ids[0]}`]) {
          const res = await env.api.get(p);
          expect(res.status, `${p}: ${res.text}`).toBe(200);
        }
        expect(received().length).toBeLessThanOrEqual(LIMIT);
        let atCapacity = 0;
        for (const id of ids) {
          const res = await env.api.get(`/v1/cron/runs/list/${id}?state=skipped&limit=100`);
          expect(res.status, res.text).toBe(200);
          atCapacity += res.body.data.items.filter(
            (r: { skip_reason: string | null }) => r.skip_reason === "capacity",
          ).length;
        }
        return atCapacity >= 3;
      },
      { what: "three slots skipped at the isolate's cap", timeoutMs: 60_000, stepMs: 500 },
    );
    for (const id of ids) expect((await env.api.post(`/v1/cron/pause/${id}`)).status).toBe(200);

    // No hanging request ends before its 90 s timeout, so every request received is still
    // in flight. Once the runs started before the pause have left (pre-armed ones wait
    // for their instant), the requests out are exactly the runs running: the limit,
    // reached and never passed.
    const sameIds = (a: string[], b: string[]) =>
      a.length === b.length && a.every((x) => b.includes(x));
    const runs = await waitFor(
      async () => {
        expect(received().length).toBeLessThanOrEqual(LIMIT);
        const all = (await Promise.all(ids.map((id) => allRuns(env.api, id)))).flat();
        const running = all.filter((r) => r.state === "running").map((r) => r.run_id);
        const out = received().map((r) => r.headers["x-cron-run-id"] ?? "");
        return sameIds(running, out) ? all : null;
      },
      { what: "the runs running to be the requests received", timeoutMs: 20_000, stepMs: 500 },
    );
    expect(received()).toHaveLength(LIMIT);

    // crondo's records: every other slot skipped, at the isolate's cap or at the job's
    // own limit, with nothing sent; a failure can only be a refusal at the send.
    const skipped = runs.filter((r) => r.state === "skipped");
    expect(skipped.filter((r) => r.skip_reason === "capacity").length).toBeGreaterThanOrEqual(3);
    for (const r of skipped) {
      expect(["capacity", "concurrency_limit"]).toContain(r.skip_reason);
      expect(r.started_at).toBeNull();
    }
    for (const r of runs.filter((r) => r.state === "failed")) {
      expect(r.error).toMatch(GATE_ERROR);
      expect(r).toMatchObject({ attempts: 1, response_status: null });
    }
    expect(runs.filter((r) => !["running", "skipped", "failed"].includes(r.state))).toEqual([]);

    // Deleting the jobs aborts their requests, which gives the places back: a new job's
    // run is sent and succeeds.
    for (const id of ids) expect((await env.api.del(`/v1/cron/delete/${id}`)).status).toBe(200);
    const okPath = uniquePath("ok");
    const ok = await env.api.post("/v1/cron/create", {
      name: "after the hang",
      schedule: "0 0 1 1 *",
      url: `${env.receiver.url}${okPath}`,
      retries: 0,
    });
    expect(ok.status, ok.text).toBe(201);
    const okId = ok.body.data.cron_id as string;
    const run = await waitFor(
      async () => {
        const trig = await env.api.post(`/v1/cron/trigger/${okId}`);
        expect(trig.status, trig.text).toBe(200);
        const done = await finishedRun(env.api, okId, trig.body.data.run_id);
        return done.state === "succeeded" ? done : null;
      },
      { what: "a run sent once the places are free", timeoutMs: 30_000, stepMs: 1000 },
    );
    expect(run.response_status).toBe(200);
    expect(requestsTo(env.receiver.requests, okPath).length).toBeGreaterThanOrEqual(1);
  });
});
