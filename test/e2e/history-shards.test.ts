// Adding a history shard is a configuration change that moves no history (SPEC §14,
// README "History shards"): a real `wrangler dev` with HISTORY_SHARDS=HISTORY_1 records
// some jobs' runs; restarted on the same state with HISTORY_SHARDS=HISTORY_1,HISTORY_2,
// those jobs' history is still in HISTORY_1 and readable, their new runs go there too,
// and new jobs are spread over both shards.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Receiver, startReceiver } from "../helpers/receiver";
import { waitFor } from "../helpers/wait";
import { type CrondoServer, d1Query, startCrondo } from "../helpers/wrangler-dev";
import { allRuns, type Client, client, finishedRun, uniquePath } from "./client";

/** The run ids stored in one local D1 database of the state directory. */
async function runIdsIn(persistTo: string, binding: string): Promise<Map<string, string>> {
  const rows = await d1Query(persistTo, binding, "SELECT run_id, cron_id FROM runs");
  return new Map(rows.map((r) => [String(r.run_id), String(r.cron_id)]));
}

/** Waits (the server running) until every run is in one of the shards. */
async function landed(persistTo: string, runIds: string[]) {
  await waitFor(
    async () => {
      const h1 = await runIdsIn(persistTo, "HISTORY_1");
      const h2 = await runIdsIn(persistTo, "HISTORY_2");
      return runIds.every((r) => h1.has(r) || h2.has(r)) ? true : undefined;
    },
    { what: `${runIds.length} runs in the history shards`, timeoutMs: 60_000, stepMs: 500 },
  );
}

let receiver: Receiver;
let first: CrondoServer | undefined;
let second: CrondoServer | undefined;
beforeAll(async () => {
  receiver = await startReceiver();
});
afterAll(async () => {
  try {
    await second?.cleanup();
  } finally {
    try {
      await first?.cleanup();
    } finally {
      await receiver?.close();
    }
  }
});

async function createAndRun(api: Client, n: number, runsPer = 2) {
  const jobs: { cron_id: string; runs: string[] }[] = [];
  for (let i = 0; i < n; i++) {
    const res = await api.post("/v1/cron/create", {
      schedule: "0 0 1 1 *",
      url: `${receiver.url}${uniquePath()}`,
    });
    expect(res.status, res.text).toBe(201);
    const cron_id = res.body.data.cron_id as string;
    const runs: string[] = [];
    for (let k = 0; k < runsPer; k++) {
      const t = await api.post(`/v1/cron/trigger/${cron_id}`, {});
      expect(t.status, t.text).toBe(200);
      runs.push(t.body.data.run_id);
    }
    for (const r of runs) await finishedRun(api, cron_id, r);
    jobs.push({ cron_id, runs });
  }
  return jobs;
}

describe("adding a history shard", () => {
  it("leaves existing jobs' history where it was and readable; new jobs use every shard", async () => {
    first = await startCrondo({ vars: { HISTORY_SHARDS: "HISTORY_1" } });
    const key = await first.keyFor("e2e-shards");
    const api1 = client(first.url, key);
    const old = await createAndRun(api1, 3);
    const oldRuns = old.flatMap((j) => j.runs);
    // Landed before the stop: a local (miniflare) queue need not survive a restart.
    await landed(first.persistTo, oldRuns);
    await first.stop();
    const h1 = await runIdsIn(first.persistTo, "HISTORY_1");
    const h2 = await runIdsIn(first.persistTo, "HISTORY_2");
    for (const r of oldRuns) expect(h1.has(r), `${r} in HISTORY_1`).toBe(true);
    expect(oldRuns.filter((r) => h2.has(r))).toEqual([]);

    // The configuration gains a shard; the state directory is the same.
    second = await startCrondo({
      persistTo: first.persistTo,
      vars: { HISTORY_SHARDS: "HISTORY_1,HISTORY_2" },
    });
    const api2 = client(second.url, key);
    // The old jobs' history is readable as it was (a fresh object: read from HISTORY_1).
    for (const j of old) {
      const runs = await allRuns(api2, j.cron_id);
      expect(runs.map((r) => r.run_id).sort()).toEqual([...j.runs].sort());
      for (const r of j.runs) {
        const got = await api2.get(`/v1/cron/runs/get/${j.cron_id}/${r}`);
        expect(got.status, got.text).toBe(200);
        expect(got.body.data.state).toBe("succeeded");
      }
    }
    // An old job's new run joins its history in HISTORY_1; new jobs go to both shards.
    const more = await api2.post(`/v1/cron/trigger/${old[0]!.cron_id}`, {});
    expect(more.status).toBe(200);
    await finishedRun(api2, old[0]!.cron_id, more.body.data.run_id);
    const fresh = await createAndRun(api2, 14, 1);
    await landed(first.persistTo, [more.body.data.run_id, ...fresh.flatMap((j) => j.runs)]);
    await second.stop();
    const a1 = await runIdsIn(first.persistTo, "HISTORY_1");
    const a2 = await runIdsIn(first.persistTo, "HISTORY_2");
    for (const r of [...oldRuns, more.body.data.run_id]) expect(a1.has(r)).toBe(true);
    expect([...oldRuns, more.body.data.run_id].filter((r) => a2.has(r))).toEqual([]);
    const freshRuns = fresh.flatMap((j) => j.runs);
    for (const r of freshRuns)
      expect(a1.has(r) !== a2.has(r), `${r} in exactly one shard`).toBe(true);
    // 14 new jobs hashed over 2 shards: both get some (the chance of not is 2 × 2⁻¹⁴).
    expect(freshRuns.some((r) => a2.has(r))).toBe(true);
    expect(freshRuns.some((r) => a1.has(r))).toBe(true);
  }, 240_000);
});
