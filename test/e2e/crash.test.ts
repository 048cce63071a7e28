// The crash test (SPEC §5): 20 every-second jobs, `wrangler dev` SIGKILLed mid-flight
// (the whole process group: workerd dies with it), restarted on the same state directory.
// Nothing may be lost (every job is still there and fires again), no slot may get a
// second run, and the downtime is caught up with ONE run for the latest missed slot that
// records how many slots it missed — never a burst.
//
// A request in flight at the kill has nobody left to report it; after the restart it is
// counted as a failed attempt and retried under the SAME run id and slot (core.recover).
// SPEC's guarantee is one RUN per slot, so such re-deliveries are allowed and reported
// separately; what must never happen is a second run id for one slot.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Received, type Receiver, startReceiver } from "../helpers/receiver";
import { type CrondoServer, startCrondo } from "../helpers/wrangler-dev";
import { allRuns, client, requestsTo, sleep, uniquePath } from "./client";

const JOBS = 20;
const FIRE_MS = 5000;
const DOWN_MS = 3000;
const SLOW_MS = 500;

let first: CrondoServer | undefined;
let second: CrondoServer | undefined;
let receiver: Receiver | undefined;

beforeAll(async () => {
  receiver = await startReceiver();
  first = await startCrondo();
});

afterAll(async () => {
  try {
    // The restarted server does not own the state directory; the first one removes it.
    await second?.cleanup();
  } finally {
    try {
      await first?.cleanup();
    } finally {
      await receiver?.close();
    }
  }
});

const slotOf = (r: Received) => Date.parse(r.headers["x-cron-scheduled-at"] ?? "");
const runIdOf = (r: Received) => r.headers["x-cron-run-id"] ?? "";
const attemptOf = (r: Received) => Number(r.headers["x-cron-attempt"]);

describe("crash: SIGKILL of wrangler dev with 20 every-second jobs, restart on the same state", () => {
  it("loses no job, runs no slot twice, and catches up with one run carrying missed_slots", async () => {
    const key = await first!.keyFor("e2e-crash");
    const api1 = client(first!.url, key);
    const jobs: { cron_id: string; path: string }[] = [];
    await Promise.all(
      Array.from({ length: JOBS }, async (_, i) => {
        // A target taking 0.5 s, so that attempts are in flight when the server is killed.
        const path = uniquePath(`slow/${SLOW_MS}/crash-${i}`);
        const res = await api1.post("/v1/cron/create", {
          name: `crash ${i}`,
          schedule: "* * * * * *",
          url: `${receiver!.url}${path}`,
          // An attempt interrupted by the kill is retried ~1 s after the restart.
          retries: 2,
          retry_backoff_seconds: 1,
        });
        expect(res.status, res.text).toBe(201);
        jobs.push({ cron_id: res.body.data.cron_id, path });
      }),
    );

    await sleep(FIRE_MS);
    // Kill 250 ms into a second: every job's attempt for that slot is in flight.
    await sleep((1250 - (Date.now() % 1000)) % 1000);
    const killAt = Date.now();
    await first!.stop("SIGKILL");
    const killedAt = Date.now();
    const beforeKill = new Map(jobs.map((j) => [j.path, requestsTo(receiver!.requests, j.path)]));
    for (const j of jobs) {
      expect(beforeKill.get(j.path)!.length, `${j.path} fired before the kill`).toBeGreaterThan(0);
    }

    await sleep(DOWN_MS);
    const restartAt = Date.now();
    try {
      second = await startCrondo({ persistTo: first!.persistTo, port: first!.port });
    } catch {
      // The old port may be taken meanwhile; jobs target the receiver, not crondo.
      second = await startCrondo({ persistTo: first!.persistTo });
    }
    const readyAt = Date.now();
    await sleep(FIRE_MS);

    const api = client(second.url, key);
    await Promise.all(
      jobs.map(async (j) => {
        const res = await api.post(`/v1/cron/pause/${j.cron_id}`);
        expect(res.status, res.text).toBe(200);
      }),
    );
    const pausedAt = Date.now();
    // Let requests in flight land and interrupted attempts be retried.
    await sleep(2500);

    // Every job is still there.
    const list = await api.get("/v1/cron/list?limit=100");
    expect(list.status).toBe(200);
    expect(list.body.data.items).toHaveLength(JOBS);
    for (const j of jobs) expect((await api.get(`/v1/cron/get/${j.cron_id}`)).status).toBe(200);

    const report: string[] = [];
    let sameRunRedeliveries = 0;
    const violations: string[] = [];
    for (const [i, j] of jobs.entries()) {
      const all = requestsTo(receiver!.requests, j.path);
      const pre = beforeKill.get(j.path)!;
      const preRunIds = new Set(pre.map(runIdOf));
      const post = all.slice(pre.length);
      expect(
        post.every((r) => r.received_at >= killedAt),
        "nothing arrives while crondo is down",
      ).toBe(true);

      // One run per slot: at most one distinct run id for each X-Cron-Scheduled-At.
      const runsBySlot = new Map<number, Set<string>>();
      for (const r of all) {
        const s = runsBySlot.get(slotOf(r)) ?? new Set();
        s.add(runIdOf(r));
        runsBySlot.set(slotOf(r), s);
      }
      for (const [slot, ids] of runsBySlot) {
        if (ids.size > 1)
          violations.push(`${j.path}: slot ${new Date(slot).toISOString()} has runs ${[...ids]}`);
      }
      // A retry of a run from before the kill: same run id (or a later attempt of it).
      const isRedelivery = (r: Received) => preRunIds.has(runIdOf(r)) || attemptOf(r) > 1;
      const redeliveries = post.filter(isRedelivery);
      sameRunRedeliveries += redeliveries.length;
      for (const r of redeliveries) {
        expect(attemptOf(r), "a re-delivery is a later attempt").toBeGreaterThan(1);
        const original = pre.find((p) => runIdOf(p) === runIdOf(r));
        if (original) expect(slotOf(r), "a re-delivery keeps its slot").toBe(slotOf(original));
      }
      const fresh = post.filter((r) => !isRedelivery(r));

      // Fired after the restart.
      expect(fresh.length, `job ${i}: new runs delivered after the restart`).toBeGreaterThan(0);
      const back = fresh[0]!.received_at;
      // No burst: the catch-up run plus on-time slots. Normally 2 arrive in the first
      // second back and 3 in two; on a loaded 2-core CI machine the restarted server's
      // first on-time slots can arrive late and bunch up by one more (seen in CI: 3 in
      // 1 s). A burst of the ~8 missed slots would show up as many more, and the
      // old-slots check below is the exact, timing-free form of this guarantee.
      const in1s = fresh.filter((r) => r.received_at < back + 1000).length;
      const in2s = fresh.filter((r) => r.received_at < back + 2000).length;
      // Slots already due when the job came back: only the catch-up one may be run.
      const oldSlots = new Set(fresh.filter((r) => slotOf(r) <= back).map(slotOf));
      report.push(
        `job ${i}: pre ${pre.length}, post ${fresh.length} (+${redeliveries.length} re-deliveries), ` +
          `back ${back - killAt} ms after the kill, in 1 s ${in1s}, in 2 s ${in2s}, old slots ${oldSlots.size}`,
      );
      expect(in1s, `job ${i}: deliveries within 1 s of coming back`).toBeLessThanOrEqual(3);
      expect(in2s, `job ${i}: deliveries within 2 s of coming back`).toBeLessThanOrEqual(4);
      expect(oldSlots.size, `job ${i}: slots older than the restart delivered after it`).toBe(1);
      // Paused: nothing scheduled after the pause was sent.
      expect(all.filter((r) => slotOf(r) > pausedAt)).toHaveLength(0);

      // The catch-up run: the first run scheduled after the kill, with missed_slots.
      const runs = (await allRuns(api, j.cron_id))
        .filter((r) => r.trigger === "schedule")
        .sort((a, b) => Date.parse(a.scheduled_for) - Date.parse(b.scheduled_for));
      const idx = runs.findIndex((r) => Date.parse(r.scheduled_for) > killAt);
      expect(idx, `job ${i}: a run scheduled after the kill`).toBeGreaterThan(0);
      const catchUp = runs[idx]!;
      const prev = runs[idx - 1]!;
      const downSeconds = (Date.parse(catchUp.started_at) - killAt) / 1000;
      const gapSlots =
        (Date.parse(catchUp.scheduled_for) - Date.parse(prev.scheduled_for)) / 1000 - 1;
      report.push(
        `   catch-up ${catchUp.scheduled_for} missed_slots ${catchUp.missed_slots}, ` +
          `down ${downSeconds.toFixed(1)} s, slots since the previous recorded run ${gapSlots}`,
      );
      expect(catchUp.missed_slots, `job ${i}: missed_slots of the catch-up run`).toBeGreaterThan(0);
      expect(Math.abs(catchUp.missed_slots - downSeconds)).toBeLessThanOrEqual(2);
      expect(catchUp.run_id).toBe(runIdOf(fresh[0]!));
      // Exactly: the slots between the last one run before the kill and the catch-up one.
      const lastRunSlot = Math.max(
        ...all.map(slotOf).filter((s) => s < Date.parse(catchUp.scheduled_for)),
      );
      expect(catchUp.missed_slots, `job ${i}: missed_slots = slots never run`).toBe(
        (Date.parse(catchUp.scheduled_for) - lastRunSlot) / 1000 - 1,
      );

      // The history survived the crash: every run sent is recorded, and none is left
      // in progress once everything has landed.
      const recorded = new Map(runs.map((r) => [r.run_id, r]));
      for (const id of new Set(all.map(runIdOf))) {
        if (!recorded.has(id)) violations.push(`${j.path}: run ${id} was sent but is not recorded`);
      }
      for (const r of redeliveries) {
        const run = recorded.get(runIdOf(r));
        expect(run?.attempt_log?.[0]?.error, "the interrupted attempt is logged").toMatch(
          /interrupted/,
        );
      }
      for (const r of runs) {
        if (!["succeeded", "failed"].includes(r.state))
          violations.push(`${j.path}: run ${r.run_id} (${r.scheduled_for}) left ${r.state}`);
      }
    }
    console.log(
      [
        `crash: killed at +0, restart began +${restartAt - killAt} ms, served +${readyAt - killAt} ms`,
        `same-run re-deliveries (an attempt in flight at the kill, retried): ${sameRunRedeliveries}`,
        ...report,
      ].join("\n"),
    );
    expect(violations, "slots with more than one run, lost or unfinished history").toEqual([]);
  });
});
