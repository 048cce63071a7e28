// History write path benchmark (issue 19, SPEC §14): rows per second and D1 queries per
// 100 runs for the path before issue 19 ("today": one D1 batch per finished run into the
// one database) and crondo's path (job object outbox → history queue → one multi-row
// statement per shard per consumer batch), in the same run, at the same simulated load.
// The real code runs in a bench Worker (scripts/bench/history-worker.ts) on Miniflare:
// real Durable Object storage, real D1 (SQLite), a real local queue; no HTTP.
//
//   node scripts/bench/history.mjs [--rate 2000] [--seconds 10] [--jobs 1000]
//                                  [--max-wait 120] [--write | --no-write] [--verbose]
//
// --write puts the `history` section into BENCHMARKS.md (the default with the defaults).
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { parseArgs } from "node:util";
import {
  BENCHMARKS_FILE,
  bundleBenchWorker,
  fixed,
  int,
  machineInfo,
  machineLine,
  mdTable,
  migrationStatements,
  startMiniflare,
  writeSection,
} from "./lib.mjs";

const { values: args } = parseArgs({
  options: {
    rate: { type: "string", default: "2000" },
    seconds: { type: "string", default: "10" },
    jobs: { type: "string", default: "1000" },
    write: { type: "boolean" },
    "no-write": { type: "boolean", default: false },
    "max-wait": { type: "string", default: "120" },
    verbose: { type: "boolean", default: false },
  },
});
const cfg = { rate: Number(args.rate), seconds: Number(args.seconds), jobs: Number(args.jobs) };
const say = (m) => console.error(`[history] ${m}`);
const DBS = ["DB", "HISTORY_1", "HISTORY_2"];

async function call(mf, op, body = {}) {
  const res = await mf.dispatchFetch(`http://bench.local/${op}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${op}: HTTP ${res.status}: ${text.slice(0, 800)}`);
  return JSON.parse(text);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * `rate` deliveries a second for `seconds`, round-robin over `jobs`: every 50 ms one
 * tick request to the bench Worker with the deliveries due by then (each one RPC to
 * its job's object). Ticks are not awaited in line, so a slow path falls behind rather
 * than slowing the offered load; resolves once every tick has answered.
 */
async function driveLoad(mf, jobs, mode, total) {
  const tickMs = 50;
  const started = Date.now();
  const ticks = [];
  let sent = 0;
  let i = 0;
  while (sent < total) {
    const due = Math.min(total, Math.floor(((Date.now() - started) / 1000) * cfg.rate) + 1);
    const batch = [];
    while (sent < due) {
      batch.push(jobs[i++ % jobs.length]);
      sent++;
    }
    if (batch.length > 0) ticks.push(call(mf, "tick", { jobs: batch, mode }));
    await sleep(tickMs);
  }
  const sentMs = Date.now() - started;
  const answers = await Promise.all(ticks);
  return {
    sent,
    sent_ms: sentMs,
    done_ms: Date.now() - started,
    errors: answers.reduce((n, a) => n + a.errors, 0),
    first_error: answers.find((a) => a.first_error)?.first_error ?? null,
  };
}

/** One mode: fresh jobs, `rate` deliveries a second for `seconds`, until every row landed. */
async function runMode(mf, mode) {
  const tenant = `bench-${mode}`;
  const jobs = Array.from(
    { length: cfg.jobs },
    (_, i) => `cron_${mode}_${String(i).padStart(6, "0")}`,
  );
  for (let i = 0; i < jobs.length; i += 200)
    await call(mf, "create", { jobs: jobs.slice(i, i + 200), tenant });
  const before = await call(mf, "counts");
  await call(mf, "reset");
  const total = cfg.rate * cfg.seconds;
  say(`${mode}: ${int(total)} deliveries over ${cfg.jobs} jobs at ${cfg.rate}/s`);
  const t0 = Date.now();
  const drive = await driveLoad(mf, jobs, mode, total);
  // Until every run is in the history (the deliveries and the queue's consumer may still
  // be at work), at most --max-wait seconds after the last delivery was offered.
  const rowsBefore = DBS.reduce((n, d) => n + before.dbs[d].rows, 0);
  let after;
  let landedMs = null;
  const deadline = Date.now() + Number(args["max-wait"]) * 1000;
  for (;;) {
    after = await call(mf, "counts");
    const rows = DBS.reduce((n, d) => n + after.dbs[d].rows, 0) - rowsBefore;
    if (rows >= total) {
      landedMs = Date.now() - t0;
      break;
    }
    if (Date.now() > deadline) break;
    await sleep(250);
  }
  const elapsedMs = landedMs ?? Date.now() - t0;
  if (drive.first_error) say(`${mode}: first error: ${drive.first_error}`);
  const rows = DBS.reduce((n, d) => n + after.dbs[d].rows, 0) - rowsBefore;
  const perDb = Object.fromEntries(
    DBS.map((d) => [
      d,
      {
        rows: after.dbs[d].rows - before.dbs[d].rows,
        batches: after.dbs[d].batches,
        statements: after.dbs[d].statements,
        ms: after.dbs[d].ms,
      },
    ]),
  );
  const batches = DBS.reduce((n, d) => n + perDb[d].batches, 0);
  const statements = DBS.reduce((n, d) => n + perDb[d].statements, 0);
  const windowS = drive.done_ms / 1000;
  const r = {
    mode,
    total,
    sent: drive.sent,
    errors: drive.errors,
    offeredRate: drive.sent / (drive.sent_ms / 1000),
    deliveredRate: drive.sent / windowS,
    rows,
    landedMs,
    rowsPerSec: rows / (elapsedMs / 1000),
    elapsedMs,
    batches,
    statements,
    batchesPer100: (100 * batches) / rows,
    statementsPer100: (100 * statements) / rows,
    perDb,
    // Per-database query rate over the time the load lasted (to the last row landed).
    perDbRate: Object.fromEntries(DBS.map((d) => [d, perDb[d].statements / (elapsedMs / 1000)])),
    consumer: after.consumer,
  };
  say(`${mode}: ${JSON.stringify(r)}`);
  return r;
}

function section(info, results) {
  const cmd = `node scripts/bench/history.mjs --rate ${cfg.rate} --seconds ${cfg.seconds} --jobs ${cfg.jobs}`;
  const rows = results.map((r) => [
    r.mode === "today"
      ? "today (main b59c1fe: one batch per run)"
      : "issue 19 (outbox → queue → shards)",
    int(r.total),
    fixed(r.deliveredRate, 0),
    fixed(r.rowsPerSec, 0),
    r.landedMs === null
      ? `not all after ${fixed(r.elapsedMs / 1000, 0)} (${int(r.rows)} of ${int(r.total)})`
      : fixed(r.landedMs / 1000, 1),
    fixed(r.batchesPer100, 2),
    fixed(r.statementsPer100, 2),
    DBS.map((d) => `${d} ${fixed(r.perDbRate[d], 0)}`).join(" · "),
    DBS.map((d) => `${d} ${int(r.perDb[d].rows)}`).join(" · "),
    DBS.filter((d) => r.perDb[d].batches > 0)
      .map((d) => `${d} ${fixed(r.perDb[d].ms / r.perDb[d].batches, 1)}`)
      .join(" · "),
  ]);
  const fresh = results.find((r) => r.mode === "new");
  const ok =
    fresh &&
    fresh.statementsPer100 <= 5 &&
    DBS.every((d) => fresh.perDbRate[d] < 1000) &&
    fresh.rows === fresh.total;
  return [
    "## History writes: one D1 batch per run vs. batched through the history queue",
    "",
    `Command: \`${cmd}\`. Machine: ${machineLine(info)}.`,
    "",
    `Both paths run in one bench Worker (\`scripts/bench/history-worker.ts\`) on Miniflare, one after the other, each on ${int(cfg.jobs)} fresh jobs (one Durable Object each) receiving ${int(cfg.rate)} simulated deliveries a second for ${cfg.seconds} s, round-robin (each job finishes a run every ${fixed(cfg.jobs / cfg.rate, 1)} s); no HTTP. A delivery is what the job object does with a finished run: **today** is main b59c1fe's path (the state saved, then \`HistoryWriter.flush\`: one \`db.batch\` of the run's upsert plus the jobs-index upsert when the 10 s refresh is due, into the one database); **issue 19** is crondo's path now (\`HistoryWriter.stage\` → \`JobStorage.save\`: state and outbox row in one transaction → one queue message → \`consumeHistory\` in the Worker's \`queue()\` handler → per batch of up to 100 messages one multi-row \`INSERT … SELECT … FROM json_each(?) … ON CONFLICT\` per shard and one round trip to the primary for the index rows and the jobs-still-exist check). Every D1 binding is wrapped with a counter of \`db.batch\` calls and statements (the only way either path writes). Rows/s is runs in the history ÷ time from the first delivery until the last row landed (or until --max-wait s after the last delivery was offered, when not all had landed by then). The statements per database per second are over that same time.`,
    "",
    mdTable(
      [
        "path",
        "runs",
        "deliveries/s reached",
        "rows/s into history",
        "last row landed (s)",
        "D1 round trips / 100 runs",
        "D1 statements / 100 runs",
        "statements/s per database",
        "rows per database",
        "ms per round trip (mean, waiting included)",
      ],
      rows,
    ),
    "",
    fresh
      ? `Goal (issue 19): ≤ 5 D1 queries per 100 runs and every database under ~1,000 queries/s at 2,000 deliveries/s — ${ok ? "**met**" : "**not met**"}: ${fixed(fresh.statementsPer100, 2)} statements (${fixed(fresh.batchesPer100, 2)} round trips) per 100 runs; busiest database ${fixed(Math.max(...DBS.map((d) => fresh.perDbRate[d])), 0)} statements/s. Consumer: ${int(fresh.consumer.batches)} batches, ${fixed(fresh.consumer.messages / Math.max(1, fresh.consumer.batches), 1)} messages a batch on average.`
      : "",
    "",
    "Miniflare runs the queue, the Durable Objects and the three SQLite databases in one workerd process on this machine, so absolute rates are this machine's, not Cloudflare's; the counts per 100 runs are the code's and do not depend on the machine. docs/capacity.md scales them to 1,000–100,000 deliveries/s against Cloudflare's published limits.",
  ].join("\n");
}

const info = machineInfo();
const dir = await mkdtemp(join(tmpdir(), "crondo-history-bench-"));
let mf;
try {
  const scriptPath = await bundleBenchWorker("history-worker", join(dir, "history-worker.js"));
  mf = await startMiniflare({
    modules: true,
    scriptPath,
    modulesRoot: dirname(scriptPath),
    compatibilityDate: "2026-11-01",
    d1Databases: Object.fromEntries(DBS.map((d) => [d, `bench-${d}`])),
    durableObjects: {
      BENCH_JOB: { className: "BenchJob", useSQLite: true },
      JOB: { className: "BenchJob", useSQLite: true },
    },
    kvNamespaces: ["KEYS"],
    ratelimits: { RATE_LIMITER: { namespace_id: "1001", simple: { limit: 600, period: 60 } } },
    queueProducers: { HISTORY_QUEUE: { queueName: "crondo-history" } },
    queueConsumers: {
      "crondo-history": {
        maxBatchSize: 100,
        maxBatchTimeout: 1,
        maxRetries: 10,
        deadLetterQueue: "crondo-history-dlq",
      },
    },
    bindings: { HISTORY_SHARDS: "HISTORY_1,HISTORY_2" },
    resourcePersistencePath: join(dir, "state"),
    handleStructuredLogs: (log) => {
      if (args.verbose) console.error(`[worker] ${log.message}`);
    },
  });
  for (const d of DBS) {
    const db = await mf.getD1Database(d);
    for (const m of await migrationStatements())
      for (const s of m.statements) await db.prepare(s).run();
  }
  const results = [];
  for (const mode of ["today", "new"]) results.push(await runMode(mf, mode));
  const md = section(info, results);
  console.log(md);
  const write = args.write ?? !args["no-write"];
  if (write) {
    await writeSection(BENCHMARKS_FILE, "history", md);
    say(`wrote the history section of ${BENCHMARKS_FILE}`);
  }
} finally {
  await mf?.dispose();
  await rm(dir, { recursive: true, force: true });
}
