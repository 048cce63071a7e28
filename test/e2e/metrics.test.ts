// GET /v1/cron/metrics end to end (SPEC §13): a real `wrangler dev`, real receivers, the
// output checked by Prometheus's own `promtool check metrics`. Scraped before and after
// runs, across a restart on the same state and across the daily purge (the Cron Trigger,
// fired through wrangler's --test-scheduled endpoint): the counters move by exactly the
// runs made and never go back.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { promtool } from "../helpers/promtool";
import { type Receiver, startReceiver } from "../helpers/receiver";
import { waitFor } from "../helpers/wait";
import { type CrondoServer, startCrondo } from "../helpers/wrangler-dev";
import { allRuns, type Client, client, finishedRun, uniquePath } from "./client";

const ARGS = ["--test-scheduled"];
let receiver: Receiver | undefined;
let first: CrondoServer | undefined;
let second: CrondoServer | undefined;

beforeAll(async () => {
  [receiver, first] = await Promise.all([startReceiver(), startCrondo({ extraArgs: ARGS })]);
});
afterAll(async () => {
  try {
    await second?.cleanup(); // does not own the state directory; the first one removes it
  } finally {
    try {
      await first?.cleanup();
    } finally {
      await receiver?.close();
    }
  }
});

type Samples = Map<string, number>;

async function scrape(url: string, key: string, query = ""): Promise<{ text: string; m: Samples }> {
  const res = await fetch(`${url}/v1/cron/metrics${query}`, {
    headers: { authorization: `Bearer ${key}` },
  });
  const text = await res.text();
  expect(res.status, text).toBe(200);
  expect(res.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
  const m: Samples = new Map();
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const at = line.lastIndexOf(" ");
    m.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return { text, m };
}

/** Counter and histogram samples (not the gauges crondo_jobs and crondo_runs_in_progress). */
const counters = (m: Samples) =>
  [...m].filter(([k]) => !k.startsWith("crondo_jobs") && !k.startsWith("crondo_runs_in_progress"));

/** Every counter of `later` is at least its value in `earlier`; none disappeared. */
function neverBack(earlier: Samples, later: Samples, when: string) {
  for (const [k, v] of counters(earlier))
    expect(later.get(k), `${k} ${when}`).toBeGreaterThanOrEqual(v);
}

const OK = 'crondo_runs_total{state="succeeded",trigger="manual"}';
const FAIL = 'crondo_runs_total{state="failed",trigger="manual"}';
const delta = (a: Samples, b: Samples, k: string) =>
  (b.get(k) ?? Number.NaN) - (a.get(k) ?? Number.NaN);

async function runs(api: Client, cronId: string, n: number) {
  for (let i = 0; i < n; i++) {
    const t = await api.post(`/v1/cron/trigger/${cronId}`, {});
    expect(t.status, t.text).toBe(200);
    await finishedRun(api, cronId, t.body.data.run_id);
  }
}

/** The next scrape once the runs' D1 rows (and with them the counters) have landed. */
const scrapeWhen = (url: string, key: string, ok: (m: Samples) => boolean, what: string) =>
  waitFor(
    async () => {
      const s = await scrape(url, key);
      return ok(s.m) ? s : null;
    },
    { what, timeoutMs: 30_000, stepMs: 250 },
  );

describe("metrics across runs, a restart and a purge", () => {
  it("pass promtool, move by exactly the runs made and never go back", async () => {
    const key = await first!.keyFor("e2e-metrics");
    let api = client(first!.url, key);
    const mk = async (path: string) => {
      const res = await api.post("/v1/cron/create", {
        schedule: "0 0 1 1 *",
        url: `${receiver!.url}${path}`,
        retries: 0,
        retention_days: 0,
      });
      expect(res.status, res.text).toBe(201);
      return res.body.data.cron_id as string;
    };
    const ok = await mk(uniquePath("ok"));
    const bad = await mk(uniquePath("status/500"));

    const s0 = await scrape(first!.url, key);
    expect(promtool(s0.text)).toBe("");
    expect(s0.m.get(OK)).toBe(0);

    await runs(api, ok, 3);
    await runs(api, bad, 2);
    const s1 = await scrapeWhen(
      first!.url,
      key,
      (m) => m.get(OK) === 3 && m.get(FAIL) === 2,
      "5 runs counted",
    );
    expect(promtool(s1.text)).toBe("");
    expect(delta(s0.m, s1.m, 'crondo_attempts_total{outcome="success"}')).toBe(3);
    expect(delta(s0.m, s1.m, 'crondo_attempts_total{outcome="failure"}')).toBe(2);
    expect(delta(s0.m, s1.m, "crondo_run_duration_seconds_count")).toBe(5);
    expect(delta(s0.m, s1.m, "crondo_fire_lag_seconds_count")).toBe(5);
    neverBack(s0.m, s1.m, "after runs");
    const perJob = await scrape(first!.url, key, "?by=job");
    expect(promtool(perJob.text)).toBe("");
    expect(
      perJob.m.get(`crondo_runs_total{cron_id="${ok}",state="succeeded",trigger="manual"}`),
    ).toBe(3);

    // Restart on the same state: nothing is recounted, nothing lost.
    await first!.stop();
    second = await startCrondo({ persistTo: first!.persistTo, extraArgs: ARGS });
    api = client(second.url, key);
    const s2 = await scrape(second.url, key);
    expect(promtool(s2.text)).toBe("");
    expect(counters(s2.m)).toEqual(counters(s1.m));

    // The daily purge (retention 0: every finished run goes) takes no count back.
    const purge = await fetch(`${second.url}/__scheduled?cron=${encodeURIComponent("17 3 * * *")}`);
    expect(purge.status).toBe(200);
    await waitFor(
      async () => (await allRuns(api, ok)).length === 0 && (await allRuns(api, bad)).length === 0,
      {
        what: "the purge to delete the runs",
        timeoutMs: 30_000,
        stepMs: 250,
      },
    );
    const s3 = await scrape(second.url, key);
    expect(promtool(s3.text)).toBe("");
    expect(counters(s3.m)).toEqual(counters(s2.m));

    // And counting goes on from there: one more run, one more count.
    await runs(api, ok, 1);
    const s4 = await scrapeWhen(second.url, key, (m) => m.get(OK) === 4, "the run after the purge");
    expect(delta(s3.m, s4.m, OK)).toBe(1);
    expect(delta(s3.m, s4.m, FAIL)).toBe(0);
    expect(delta(s3.m, s4.m, "crondo_run_duration_seconds_count")).toBe(1);
    neverBack(s3.m, s4.m, "after the purge");
    expect(promtool(s4.text)).toBe("");
  });
});
