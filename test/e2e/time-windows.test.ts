// Time windows and catch-up against a real `wrangler dev` (SPEC §5 misfire, §10, issue 15):
//   - SIGKILL for a few seconds, restart on the same state: run_once catches up with one run
//     carrying missed_slots; run_all delivers every missed slot once, in slot order, one after
//     another; skip runs none and the next on-time run counts them; a short catch-up window
//     leaves older slots counted, not run;
//   - a backfill of 30 past slots, delivered one at a time in slot order with the right
//     X-Cron-Scheduled-At, while the job's scheduled runs keep firing every slot;
//   - a jittered job with end_at: each request carries its nominal slot, each run fires at
//     its fire_at, nothing after end_at, and the job completes.
// Timing is judged from crondo's records (scheduled_for, fire_at, started_at, finished_at).
import { describe, expect, it } from "vitest";
import type { Received } from "../helpers/receiver";
import { waitFor } from "../helpers/wait";
import { allRuns, client, requestsTo, sleep, uniquePath } from "./client";
import { crashServers, restartOnSameState } from "./crash-servers";

/** How long crondo stays down. */
const DOWN_MS = 4000;
const SEC = 1000;
const FINAL = new Set(["succeeded", "failed", "skipped", "cancelled"]);

const servers = crashServers();

/** A client of the server running now (the restarted one, once the crash test has run). */
async function currentApi(tenant: string) {
  const server = servers.second ?? servers.first!;
  return client(server.url, await server.keyFor(tenant));
}

/** Creates a job calling the receiver at `path`; returns its record. */
async function createJob(api: ReturnType<typeof client>, path: string, body: object) {
  const res = await api.post("/v1/cron/create", {
    url: `${servers.receiver!.url}${path}`,
    ...body,
  });
  expect(res.status, res.text).toBe(201);
  return res.body.data;
}

const slotOf = (r: Received) => Date.parse(r.headers["x-cron-scheduled-at"] ?? "");
const t = (iso: string) => Date.parse(iso);
const bySlot = (runs: any[]) => [...runs].sort((a, b) => t(a.scheduled_for) - t(b.scheduled_for));

/** Waits until every run of the job is recorded and final; returns them (oldest slot first). */
async function settledRuns(api: ReturnType<typeof client>, cronId: string, started: number) {
  return waitFor(
    async () => {
      const runs = await allRuns(api, cronId);
      return runs.length >= started && runs.every((r) => FINAL.has(r.state)) && bySlot(runs);
    },
    { what: `every run of ${cronId} to be recorded and final`, timeoutMs: 60_000, stepMs: 500 },
  );
}

describe("misfire policies across a SIGKILL of wrangler dev", () => {
  it("run_once, run_all, skip and a short catch-up window each do what SPEC §10 says", async () => {
    const key = await servers.first!.keyFor("e2e-misfire");
    const api1 = client(servers.first!.url, key);

    const specs = {
      run_once: { misfire_policy: "run_once" },
      run_all: { misfire_policy: "run_all" },
      skip: { misfire_policy: "skip" },
      // Woken several seconds late, a 2 s window keeps only the last 2–3 slots.
      window: { misfire_policy: "run_all", catchup_window_seconds: 2 },
    } as const;
    const jobs: Record<string, { cron_id: string; path: string }> = {};
    for (const [name, over] of Object.entries(specs)) {
      const path = uniquePath(`ok/misfire-${name}`);
      const job = await createJob(api1, path, {
        name: `misfire ${name}`,
        schedule: "* * * * * *",
        ...over,
      });
      expect(job).toMatchObject(over);
      jobs[name] = { cron_id: job.cron_id, path };
    }
    const delivered = (name: string) => requestsTo(servers.receiver!.requests, jobs[name]!.path);
    await waitFor(() => Object.keys(jobs).every((n) => delivered(n).length >= 3), {
      what: "3 deliveries of every job before the kill",
      timeoutMs: 30_000,
    });

    const killAt = Date.now();
    await servers.first!.stop("SIGKILL");
    // Not a wait for an event: the downtime itself, the span of slots missed.
    await sleep(DOWN_MS);
    const restartBegan = Date.now();
    const second = await restartOnSameState(servers);
    const api = client(second.url, key);
    const restartAt = Date.now();
    // Every job is back and delivers on-time slots for a few seconds (run_all's catch-up
    // lane meanwhile), then it is paused.
    await waitFor(
      () =>
        Object.keys(jobs).every((n) => delivered(n).some((r) => slotOf(r) >= restartAt + 3 * SEC)),
      { what: "every job to deliver a slot 3 s after the restart", timeoutMs: 60_000 },
    );
    const started = new Map<string, number>();
    for (const [name, j] of Object.entries(jobs)) {
      const res = await api.post(`/v1/cron/pause/${j.cron_id}`);
      expect(res.status, res.text).toBe(200);
      started.set(name, res.body.data.run_count);
    }
    const report: string[] = [];
    for (const [name, j] of Object.entries(jobs)) {
      const runs = (await settledRuns(api, j.cron_id, started.get(name)!)).filter(
        (r) => r.trigger === "schedule",
      );
      // One run per slot, whatever the policy.
      const slots = runs.map((r) => t(r.scheduled_for));
      expect(new Set(slots).size, `${name}: one run per slot`).toBe(slots.length);
      // Runs the old process started (before the kill) and the new one (after the restart).
      const before = runs.filter((r) => t(r.started_at) < restartBegan);
      const after = runs.filter((r) => t(r.started_at) >= restartBegan);
      expect(before.length, `${name}: runs before the kill`).toBeGreaterThan(0);
      expect(after.length, `${name}: runs after the restart`).toBeGreaterThan(0);
      const lastBefore = Math.max(...before.map((r) => t(r.scheduled_for)));
      // The moment the job came back: the first run the new process started.
      const back = Math.min(...after.map((r) => t(r.started_at)));
      /** Slots that passed while crondo was down: after the last run before, due when back. */
      const missedSlots = Math.floor((back - lastBefore) / SEC);
      const caughtUp = after.filter((r) => t(r.scheduled_for) <= back);
      const onTime = after.filter((r) => t(r.scheduled_for) > back);
      const describe = (list: any[]) =>
        list
          .map(
            (r) =>
              `+${t(r.scheduled_for) - killAt} (started +${t(r.started_at) - killAt}, missed ${r.missed_slots})`,
          )
          .join(", ");
      report.push(
        `${name}: ${missedSlots} slots missed; caught up ${describe(caughtUp)}; then ${describe(onTime.slice(0, 2))}`,
      );
      expect(missedSlots, `${name}: slots passed while down`).toBeGreaterThanOrEqual(DOWN_MS / SEC);
      for (const r of onTime.slice(1))
        expect(r.missed_slots, `${name}: on-time run ${r.run_id}`).toBe(0);

      if (name === "run_once") {
        // One catch-up run, for the latest missed slot, counting the others.
        expect(caughtUp, `${name}: catch-up runs`).toHaveLength(1);
        expect(caughtUp[0].missed_slots).toBe(
          (t(caughtUp[0].scheduled_for) - lastBefore) / SEC - 1,
        );
        expect(caughtUp[0].missed_slots).toBeGreaterThan(0);
      } else if (name === "run_all") {
        // Every missed slot ran, once, in slot order, one after another.
        expect(caughtUp.map((r) => t(r.scheduled_for))).toEqual(
          Array.from({ length: caughtUp.length }, (_, i) => lastBefore + (i + 1) * SEC),
        );
        expect(caughtUp.length).toBe(missedSlots);
        for (let i = 1; i < caughtUp.length; i++) {
          expect(
            t(caughtUp[i].started_at),
            `${name}: catch-up run ${i} started after run ${i - 1} finished`,
          ).toBeGreaterThanOrEqual(t(caughtUp[i - 1].finished_at));
        }
        for (const r of caughtUp) expect(r.missed_slots).toBe(0);
        // Each delivered once, in slot order.
        const ids = new Set(caughtUp.map((r) => r.run_id));
        const sent = delivered(name).filter((r) => ids.has(r.headers["x-cron-run-id"] ?? ""));
        expect(sent.map(slotOf)).toEqual(caughtUp.map((r) => t(r.scheduled_for)));
        // No slot of the job's life is without its run.
        expect(slots).toEqual(Array.from({ length: slots.length }, (_, i) => slots[0]! + i * SEC));
      } else if (name === "skip") {
        // None of the missed slots ran; the next on-time run counts them.
        expect(caughtUp.filter((r) => t(r.scheduled_for) < back - SEC)).toEqual([]);
        const next = bySlot(after)[0];
        const gap = (t(next.scheduled_for) - lastBefore) / SEC - 1;
        expect(gap, `${name}: slots without a run`).toBeGreaterThanOrEqual(DOWN_MS / SEC);
        expect(next.missed_slots, `${name}: missed_slots of the first run back`).toBe(gap);
      } else {
        // A 2 s window: only the last slots ran (in order); the older ones were counted.
        expect(caughtUp.length).toBeGreaterThan(0);
        expect(caughtUp.length).toBeLessThanOrEqual(3);
        const firstCaught = t(caughtUp[0].scheduled_for);
        expect(firstCaught, "the slot before the window was not run").toBeGreaterThan(
          lastBefore + SEC,
        );
        expect(caughtUp[0].missed_slots).toBe((firstCaught - lastBefore) / SEC - 1);
        expect(caughtUp.map((r) => t(r.scheduled_for))).toEqual(
          Array.from({ length: caughtUp.length }, (_, i) => firstCaught + i * SEC),
        );
        // Inside the window when the job came back.
        expect(back - firstCaught).toBeLessThanOrEqual(2 * SEC + SEC);
      }
    }
    console.log(report.join("\n"));
  });
});

describe("backfill while the schedule fires", () => {
  it("delivers 30 past slots one at a time in slot order; scheduled runs keep every slot", async () => {
    const api = await currentApi("e2e-backfill");
    const path = uniquePath("slow/150/backfill");
    const id = (await createJob(api, path, { name: "backfill", schedule: "* * * * * *" })).cron_id;
    const sent = () => requestsTo(servers.receiver!.requests, path);
    await waitFor(() => sent().length >= 2, { what: "two scheduled deliveries" });

    const from = Math.floor(Date.now() / SEC) * SEC - 60 * SEC;
    const to = from + 30 * SEC;
    const res = await api.post(
      `/v1/cron/backfill/${id}`,
      { from: new Date(from).toISOString(), to: new Date(to).toISOString() },
      { headers: { "idempotency-key": "e2e-backfill-1" } },
    );
    expect(res.status, res.text).toBe(202);
    expect(res.body.data).toMatchObject({
      cron_id: id,
      slots: 30,
      first_slot: new Date(from).toISOString(),
      last_slot: new Date(to - SEC).toISOString(),
    });
    const { backfill_id } = res.body.data;

    const backfilled = await waitFor(
      async () => {
        const runs = (await allRuns(api, id)).filter((r) => r.trigger === "backfill");
        return runs.length === 30 && runs.every((r) => r.state === "succeeded") && bySlot(runs);
      },
      { what: "30 backfill runs to succeed", timeoutMs: 60_000, stepMs: 500 },
    );
    const paused = await api.post(`/v1/cron/pause/${id}`);
    expect(paused.status).toBe(200);

    expect(backfilled.map((r) => t(r.scheduled_for))).toEqual(
      Array.from({ length: 30 }, (_, i) => from + i * SEC),
    );
    for (const r of backfilled) expect(r.backfill_id).toBe(backfill_id);
    // One at a time: each started once the previous one had finished.
    for (let i = 1; i < backfilled.length; i++) {
      expect(t(backfilled[i].started_at)).toBeGreaterThanOrEqual(t(backfilled[i - 1].finished_at));
    }
    // Each request carried its own slot, and they went out in slot order.
    const ids = new Map(backfilled.map((r) => [r.run_id, r]));
    const requests = sent().filter((r) => ids.has(r.headers["x-cron-run-id"] ?? ""));
    expect(requests).toHaveLength(30);
    for (const r of requests)
      expect(r.headers["x-cron-scheduled-at"]).toBe(
        ids.get(r.headers["x-cron-run-id"]!)!.scheduled_for,
      );
    expect(requests.map(slotOf)).toEqual(backfilled.map((r) => t(r.scheduled_for)));

    // Meanwhile the schedule kept firing: every slot from the first to the last backfill run
    // has its scheduled run, none missed, each started before the next slot came.
    const start = t(backfilled[0].started_at);
    const end = t(backfilled[29].finished_at);
    const all = await settledRuns(api, id, paused.body.data.run_count);
    // Backfill runs are not counted in run_count (nor towards max_runs).
    expect(paused.body.data.run_count).toBe(all.filter((r) => r.trigger === "schedule").length);
    const scheduled = all.filter(
      (r) => r.trigger === "schedule" && t(r.scheduled_for) >= start && t(r.scheduled_for) <= end,
    );
    const slots = scheduled.map((r) => t(r.scheduled_for));
    expect(slots.length, "scheduled runs during the backfill").toBeGreaterThanOrEqual(
      Math.floor((end - start) / SEC) - 1,
    );
    expect(slots).toEqual(Array.from({ length: slots.length }, (_, i) => slots[0]! + i * SEC));
    for (const r of scheduled) {
      expect(r.missed_slots).toBe(0);
      expect(r.fire_lag_ms, `${r.scheduled_for} started before the next slot`).toBeLessThan(SEC);
    }
  });
});

describe("a jittered job with end_at", () => {
  it("sends the nominal slot, fires each run at its fire_at, nothing after end_at, then completes", async () => {
    const api = await currentApi("e2e-end-at");
    const path = uniquePath("ok/end-at");
    const endAt = Date.now() + 6 * SEC;
    const created = await createJob(api, path, {
      name: "ends",
      schedule: "*/2 * * * * *",
      jitter_seconds: 1,
      end_at: new Date(endAt).toISOString(),
    });
    const id = created.cron_id;
    expect(created).toMatchObject({ jitter_seconds: 1, status: "active" });

    const done = await waitFor(
      async () => {
        const job = (await api.get(`/v1/cron/get/${id}`)).body.data;
        return job.status === "completed" && job;
      },
      { what: "the job to complete after end_at", timeoutMs: 30_000, stepMs: 250 },
    );
    expect(done).toMatchObject({ enabled: false, next_run_at: null });
    const runs = await settledRuns(api, id, done.run_count);
    expect(runs.length).toBeGreaterThanOrEqual(2);
    for (const r of runs) {
      expect(r.trigger).toBe("schedule");
      expect(t(r.scheduled_for) % (2 * SEC)).toBe(0);
      expect(t(r.scheduled_for)).toBeLessThanOrEqual(endAt);
      const offset = t(r.fire_at) - t(r.scheduled_for);
      expect(offset).toBeGreaterThanOrEqual(0);
      expect(offset).toBeLessThan(SEC);
      expect(t(r.started_at), "never sent before its fire time").toBeGreaterThanOrEqual(
        t(r.fire_at),
      );
      expect(r.fire_lag_ms).toBe(t(r.started_at) - t(r.fire_at));
    }
    // The last slot at or before end_at was the last one run.
    expect(t(runs[runs.length - 1].scheduled_for)).toBeGreaterThan(endAt - 2 * SEC);
    const requests = requestsTo(servers.receiver!.requests, path);
    expect(requests.map(slotOf)).toEqual(runs.map((r) => t(r.scheduled_for)));
    expect(new Set(runs.map((r) => t(r.fire_at) - t(r.scheduled_for))).size).toBeGreaterThan(1);
  });
});
