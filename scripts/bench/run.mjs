// `npm run bench`: every benchmark of crondo, one after the other, each writing its
// section of BENCHMARKS.md, then the `summary` section (each goal, the measured
// value, met / not met).
//
//   npm run bench [-- --full] [--duration 30] [--warmup 10] [--n 100,1000]
//                 [--requests 2000] [--clients 16]
//                 [--overload-n 300,1000] [--overload-duration 45]
//                 [--only precision,dofloor,cpu,api,overload,schedule,d1,tenantruns,
//                         history,observability]
//                 [--wait-load 1.0] [--wait-max-min 20] [--no-write]
//
//   1. precision   N jobs every second (N = 100, 1000) on crondo (wrangler dev),
//                  BullMQ + redis-server, a bare Node timer (the floor) and the
//                  workerd floors; writes the lag chart docs/bench/fire-lag-n100.svg
//   2. dofloor     the bare Durable Object floor, alarm at the slot vs early wake
//                  (from the same precision run; alone: only the floors are run)
//   3. cpu         crondo's CPU per delivery at N = 100 by process, beside the figures
//                  before pre-armed firing (alone: a crondo-only precision run, N = 100)
//   4. api         create/get/list/trigger/runs.list latency, 16 clients, get and list
//                  also against a bare Worker under the same wrangler dev harness
//   5. overload    300 and 1,000 jobs every second against a target that holds each
//                  request 25 s: API latency and errors, requests in flight per job,
//                  what became of each slot (scripts/bench/overload.mjs)
//   6. schedule    next-fire-time computation vs croner (scripts/bench/schedule.mjs)
//   7. d1          scripts/bench/d1-scale.mjs as a child process: --quick by default
//                  (it then only prints; the d1-scale section keeps the last full
//                  run), the full 1,000,000-run data set with --full (which writes it)
//   8. tenantruns  the tenant-wide runs list (GET /v1/cron/runs/list) paging through
//                  10,000 runs of 100 jobs: first vs deep pages, plan, stable cursor
//                  (scripts/bench/tenant-runs.mjs)
//   9. history     scripts/bench/history.mjs as a child process: the run-history write
//                  path before issue 19 and now, 2,000 deliveries a second, no HTTP
//   10. observability  GET /metrics, /overview and /list for one tenant with 10,000 jobs
//                  and 1,000,000 runs (scripts/bench/observability.mjs)
//
// Default run: about 15–20 minutes on 2 cores. --full: the D1 bench at full size and
// a 60 s precision window. Progress goes to stderr. Exits non-zero only when
// something crashed, never because a goal was missed. --wait-load X first waits
// (up to --wait-max-min minutes) until the 1-minute load average is below X.
import { spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import { loadavg } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import * as apiLatency from "./api-latency.mjs";
import * as cpu from "./cpu.mjs";
import { startBareWorker, startCrondo, startFloorApiWorker } from "./crondo-dev.mjs";
import {
  BENCHMARKS_FILE,
  fixed,
  int,
  machineInfo,
  machineLine,
  mdTable,
  ROOT,
  writeSection,
} from "./lib.mjs";
import * as observability from "./observability.mjs";
import * as overload from "./overload.mjs";
import * as precision from "./precision.mjs";
import { startReceiver } from "./receiver.mjs";
import * as schedule from "./schedule.mjs";
import * as tenantRuns from "./tenant-runs.mjs";

const { values: args } = parseArgs({
  options: {
    full: { type: "boolean", default: false },
    duration: { type: "string" },
    warmup: { type: "string", default: "10" },
    n: { type: "string", default: "100,1000" },
    requests: { type: "string", default: "2000" },
    clients: { type: "string", default: "16" },
    only: {
      type: "string",
      default: "precision,dofloor,cpu,api,overload,schedule,d1,tenantruns,history,observability",
    },
    "overload-n": { type: "string", default: "300,1000" },
    "overload-duration": { type: "string", default: "45" },
    "wait-load": { type: "string" },
    "wait-max-min": { type: "string", default: "20" },
    "no-write": { type: "boolean", default: false },
  },
});

const started = performance.now();
const elapsed = () => `${((performance.now() - started) / 1000).toFixed(0)}s`;
const say = (m) => console.error(`[bench +${elapsed()}] ${m}`);
const only = new Set(args.only.split(",").map((s) => s.trim()));
const KNOWN = [
  "precision",
  "dofloor",
  "cpu",
  "api",
  "overload",
  "schedule",
  "d1",
  "tenantruns",
  "history",
  "observability",
];
for (const name of only) {
  if (!KNOWN.includes(name)) {
    console.error(`unknown --only name "${name}" (known: ${KNOWN.join(", ")})`);
    process.exit(2);
  }
}
const duration = Number(args.duration ?? (args.full ? 60 : 30));
const ns = args.n.split(",").map(Number);
const clients = Number(args.clients);
const write = !args["no-write"];
const command = `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(" ")}` : ""}`;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function section(id, markdown) {
  if (!write) {
    console.log(markdown);
    return;
  }
  await writeSection(BENCHMARKS_FILE, id, markdown);
  say(`wrote the ${id} section of BENCHMARKS.md`);
}

/** Puts an empty summary block right after the header, so the summary comes first. */
async function placeSummaryFirst() {
  const { existsSync } = await import("node:fs");
  const { writeFile } = await import("node:fs/promises");
  if (!existsSync(BENCHMARKS_FILE)) return;
  const text = await readFile(BENCHMARKS_FILE, "utf8");
  if (text.includes("<!-- bench:summary -->")) return;
  const at = text.indexOf("<!-- bench:");
  if (at === -1) return;
  const block = "<!-- bench:summary -->\n<!-- /bench:summary -->\n\n";
  await writeFile(BENCHMARKS_FILE, text.slice(0, at) + block + text.slice(at));
}

async function waitForQuiet() {
  if (!args["wait-load"]) return;
  const limit = Number(args["wait-load"]);
  const deadline = Date.now() + Number(args["wait-max-min"]) * 60_000;
  while (loadavg()[0] >= limit && Date.now() < deadline) {
    say(`1-minute load average ${fixed(loadavg()[0])} ≥ ${limit}: waiting`);
    await sleep(30_000);
  }
  say(`1-minute load average ${fixed(loadavg()[0])}: starting`);
}

/** d1-scale.mjs as a child: its stderr (progress) passes through; stdout is its section. */
function runD1Scale() {
  const flags = args.full ? [] : ["--quick"];
  if (!write && args.full) flags.push("--no-write");
  return runChild("d1-scale.mjs", flags);
}

/** A benchmark script of scripts/bench as a child process; resolves with its stdout. */
function runChild(script, flags) {
  const childArgs = [join(ROOT, "scripts", "bench", script), ...flags];
  say(`${script}: node scripts/bench/${script} ${flags.join(" ")}`);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, childArgs, {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "inherit"],
    });
    const stop = () => child.kill("SIGTERM");
    process.once("exit", stop);
    let stdout = "";
    child.stdout.setEncoding("utf8").on("data", (d) => {
      stdout += d;
    });
    child.once("error", reject);
    child.once("exit", (code, signal) => {
      process.off("exit", stop);
      resolve({ code, signal, stdout });
    });
  });
}

/** The deep-page figures of a d1-scale section (markdown), or null. */
function parseDeepPage(md) {
  const m =
    /Deep page within 2× of the first: \*\*(met|not met)\*\* — worst p50 ratio ([\d.]+) for the ([\d,]+)-run job alone, ([\d.]+) for the same job in the ([\d,]+)-row table, ([\d.]+) over all rows above; on the query alone \(SQLite\) the worst ratio is ([\d.]+)/.exec(
      md,
    );
  if (!m) return null;
  const date = /Machine: .*?; (\d{4}-\d{2}-\d{2})/.exec(md)?.[1] ?? "?";
  const quick = /d1-scale\.mjs --quick/.test(md);
  return {
    met: m[1] === "met",
    solo: Number(m[2]),
    hotRuns: m[3],
    inTable: Number(m[4]),
    tableRows: m[5],
    worst: Number(m[6]),
    sql: Number(m[7]),
    date,
    quick,
  };
}

/** The deep-page figure of the tenant-runs section (markdown), or null. */
function parseTenantRuns(md) {
  const m =
    /Deep page within 2× of the first: \*\*(met|not met)\*\* — worst p50 ratio (\d+(?:\.\d+)?)/.exec(
      md,
    );
  if (!m) return null;
  return { worst: Number(m[2]), date: /Machine: .*?; (\d{4}-\d{2}-\d{2})/.exec(md)?.[1] ?? "?" };
}

const ms = (v) => `${fixed(v, 1)} ms`;
const verdict = (ok) => (ok === null ? "not measured" : ok ? "**met**" : "**not met**");

/** The bindings floor beside crondo for an API op, as a clause of a summary row. */
function apiFloorNote(results, op) {
  const f = apiLatency.bareRatio(results, op, "bindings floor");
  return f ? `; bindings floor p99 ${ms(f.bare.p99)}: crondo ${fixed(f.ratio, 2)}× it` : "";
}

/** The workerd floor of the same N: what Durable Object alarms alone cost on this machine. */
const floorNote = (r) =>
  r?.dofloor?.delivered
    ? `; workerd floor (a DO that only persists, re-arms and POSTs) p99 ${ms(r.dofloor.p99)}${r.dofloorEarly?.delivered ? `, with early wake p99 ${ms(r.dofloorEarly.p99)}` : ""}`
    : "";

const EARLIER = " (earlier run)";

/**
 * The rows of the summary table as it stands in BENCHMARKS.md: goal → its cells. A run of
 * some benchmarks only (--only) keeps the other goals' rows from there, marked.
 */
function previousSummaryRows(text) {
  const open = text.indexOf("<!-- bench:summary -->");
  const close = text.indexOf("<!-- /bench:summary -->", open);
  const rows = new Map();
  if (open === -1 || close === -1) return rows;
  for (const line of text.slice(open, close).split("\n")) {
    if (!line.startsWith("| ") || line.startsWith("| goal ") || line.startsWith("|--")) continue;
    const cells = line
      .slice(2, -2)
      .split(" | ")
      .map((c) => c.replaceAll("\\|", "|"));
    if (cells.length === 4) rows.set(cells[0], cells);
  }
  return rows;
}

/** A previous summary row, its result marked as from an earlier run (once). */
const earlier = ([goal, measured, result, section]) => [
  goal,
  measured,
  result.endsWith(EARLIER) ? result : result + EARLIER,
  section,
];

/** This run's rows, with what it did not measure taken from the previous summary. */
function mergeRows(rows, previous) {
  const out = rows.map((row) => {
    const old = previous.get(row[0]);
    return row[1] !== "–" || !old || old[1] === "–" ? row : earlier(old);
  });
  const have = new Set(rows.map((r) => r[0]));
  for (const [goal, old] of previous) if (!have.has(goal) && old[1] !== "–") out.push(earlier(old));
  return out;
}

function summary({ info, prec, chart, api, over, d1, d1Section, tenantRunsSection, previous }) {
  const rows = [];
  const byN = (n) => prec?.results.find((r) => r.n === n);
  const p100 = byN(100);
  const p1000 = byN(1000);
  const precisionRows = (r, n, p99Goal) => {
    const c = r?.crondo;
    const none = c && c.delivered === 0;
    const partial =
      c && c.active < c.requested
        ? ` (only ${int(c.active)} of ${int(c.requested)} jobs could be resumed)`
        : "";
    const late = c
      ? `deliveries arriving during the window: ${fixed(c.rate, 0)}/s of ${c.active}/s expected, lag p50 ${ms(c.arrivalP50)}, p99 ${ms(c.arrivalP99)}`
      : "";
    rows.push([
      `N=${n}: p99 fire lag ≤ ${p99Goal >= 1000 ? `${p99Goal / 1000} s` : `${p99Goal} ms`}`,
      !c
        ? "–"
        : none
          ? `no slot of the window delivered within 60 s after it${partial}; ${late}${floorNote(r)}`
          : `p99 ${ms(c.p99)} (p50 ${ms(c.p50)}, max ${ms(c.max)})${partial}${floorNote(r)}`,
      verdict(c ? !none && c.p99 <= p99Goal : null),
      "precision",
    ]);
    rows.push([
      `N=${n}: zero missed slots`,
      c ? `${int(c.missed)} missed of ${int(c.expected)}${partial}` : "–",
      verdict(c ? c.missed === 0 : null),
      "precision",
    ]);
    rows.push([
      `N=${n}: zero duplicates`,
      !c
        ? "–"
        : none
          ? "nothing delivered, so not measurable"
          : `${c.duplicates} duplicate deliveries, ${c.multiRun} slots with >1 run id (${int(c.deliveries)} deliveries)`,
      none ? "not measurable" : verdict(c ? c.duplicates === 0 && c.multiRun === 0 : null),
      "precision",
    ]);
  };
  precisionRows(p100, 100, 50);
  precisionRows(p1000, 1000, 1000);
  const c = p100?.crondo;
  const b = p100?.bullmq;
  rows.push([
    "N=100: crondo p99 no worse than BullMQ's",
    c && b ? `${ms(c.p99)} vs ${ms(b.p99)} (ratio ${fixed(c.p99 / b.p99, 2)})` : "–",
    verdict(c && b ? c.p99 <= b.p99 : null),
    "precision",
  ]);
  const cOk = c?.delivered > 0 && b?.delivered > 0;
  rows.push([
    "N=100: crondo p99 ≤ 0.5 × BullMQ's p99 (same run)",
    cOk ? `ratio ${fixed(c.p99 / b.p99, 2)} (${ms(c.p99)} / ${ms(b.p99)})` : "–",
    verdict(cOk ? c.p99 <= 0.5 * b.p99 : null),
    "precision",
  ]);
  rows.push([
    "N=100: lag chart of crondo, BullMQ and the workerd floor (one SVG)",
    chart ? `[${precision.LAG_CHART}](${precision.LAG_CHART})` : "–",
    chart ? (write ? "written" : "drawn (not written: --no-write)") : "not measured",
    "precision",
  ]);
  for (const r of prec?.results ?? []) {
    const a = r.dofloor;
    const e = r.dofloorEarly;
    if (!a && !e) continue;
    const cr = r.crondo?.delivered ? r.crondo : null;
    const both = a?.delivered && e?.delivered;
    rows.push([
      `N=${r.n}: bare Durable Object floor, alarm at the slot vs early wake (no threshold: the gap to the runtime's limit)`,
      both
        ? `p99 ${ms(a.p99)} → ${ms(e.p99)} with early wake (p50 ${ms(a.p50)} → ${ms(e.p50)})${cr ? `; crondo p99 ${ms(cr.p99)}, ${ms(cr.p99 - e.p99)} above the early-wake floor` : ""}`
        : "–",
      both ? "shown" : "not measured",
      "dofloor",
    ]);
  }
  const nowCpu = cpu.cpuSplit(p100?.crondo);
  const before = cpu.BEFORE[0];
  rows.push([
    `N=100: CPU per delivery, workerd vs wrangler's node (before: ${fixed(before.total, 2)} ms = workerd ${fixed(before.workerd, 2)} + node ${fixed(before.node, 2)})`,
    nowCpu
      ? `${fixed(nowCpu.total, 2)} ms = workerd ${fixed(nowCpu.workerd, 2)} + node ${fixed(nowCpu.node, 2)}${nowCpu.other > 0.005 ? ` + other ${fixed(nowCpu.other, 2)}` : ""}`
      : "–",
    nowCpu
      ? `${nowCpu.total <= before.total ? "lower" : "higher"} than before (no threshold${info.cpuModel === cpu.BEFORE_CPU ? "" : "; before was measured on another CPU"})`
      : "not measured",
    "cpu",
  ]);
  for (const op of ["get", "list"]) {
    const r = api?.results.find((x) => x.name === op);
    rows.push([
      `API ${op}: p99 ≤ 25 ms at ${clients} clients`,
      r ? `p99 ${ms(r.p99)} (p50 ${ms(r.p50)}, ${fixed(r.rps, 0)} req/s)` : "–",
      verdict(r ? r.p99 <= 25 && r.bad === 0 : null),
      "api-latency",
    ]);
  }
  for (const op of ["get", "list"]) {
    const r = api ? apiLatency.bareRatio(api.results, op) : null;
    rows.push([
      `API ${op}: p99 ≤ 1.5 × a bare Worker's under the same wrangler dev, ${clients} clients`,
      r
        ? `${fixed(r.ratio, 2)}× (crondo p99 ${ms(r.crondo.p99)}, bare Worker p99 ${ms(r.bare.p99)}; ${r.crondo.bad + r.bare.bad} non-200)${apiFloorNote(api.results, op)}`
        : "–",
      verdict(r ? r.ratio <= 1.5 && r.crondo.bad === 0 : null),
      "api-latency",
    ]);
  }
  for (const o of over?.results ?? []) {
    const n = `Overload N=${int(o.n)}`;
    if (o.error) {
      rows.push([
        `${n} (25 s target)`,
        `crashed: ${o.error.split("\n")[0].slice(0, 160)}`,
        "not measured",
        "overload",
      ]);
      continue;
    }
    const a = o.api;
    const failedCreates = o.notCreated + (a.failed.create ?? 0);
    const failedPauses = o.notPaused + (a.failed.pause ?? 0);
    rows.push([
      `${n}: no job above max_concurrency (10) requests in flight`,
      `max ${o.maxPerJob} per job at the receiver (${o.jobsOverLimit} jobs above 10; ${int(o.inFlightMax)} in flight at most, all jobs)`,
      verdict(o.maxPerJob <= 10),
      "overload",
    ]);
    rows.push([
      `${n}: the API keeps answering (zero 5xx, zero failed creates and pauses)`,
      `${int(o.fiveXX.total)} 5xx, ${int(failedCreates)} creates and ${int(failedPauses)} pauses failed; reads (get + list + runs.list) p50 ${ms(a.reads.p50)}, p99 ${ms(a.reads.p99)}; pause + resume p99 ${ms(a.pairs.p99)}`,
      verdict(
        o.fiveXX.total === 0 && failedCreates === 0 && failedPauses === 0 && a.noAnswer === 0,
      ),
      "overload",
    ]);
    const sk = Object.values(o.slots.skipped).reduce((x, y) => x + y, 0);
    // Issue 14: every slot is delivered or recorded — skipped with its reason, or counted
    // in a run's missed_slots (the misfire rule after a late wake-up; overload.mjs
    // foldedSlots matches each run's count to the slots it stands for).
    rows.push([
      `${n}: every slot reached the target, was recorded skipped, or was counted in a run's missed_slots`,
      `${int(o.slots.reached)} reached, ${int(sk)} skipped, ${int(o.slots.recordedNotReached)} recorded not arrived, ${int(o.slots.folded ?? 0)} counted in missed_slots, ${int(o.slots.missed)} neither, of ${int(o.slots.expected)}${o.slots.firstMissed > o.slots.missed ? ` (${int(o.slots.firstMissed - o.slots.missed)} rows landed after the first read-back)` : ""}`,
      verdict(o.slots.expected > 0 && o.slots.missed === 0),
      "overload",
    ]);
  }
  // At 1,000,000 rows: this run's figures with --full, else the last full run's
  // (the d1-scale section); a --quick run of this invocation is shown beside it.
  const primary = args.full && d1 ? d1 : d1Section && !d1Section.quick ? d1Section : null;
  const extra = !args.full && d1 ? d1 : null;
  const parts = [];
  if (primary) {
    parts.push(
      `worst deep/first p50 ratio ${fixed(primary.worst, 2)} (${fixed(primary.inTable, 2)} for the ${primary.hotRuns}-run job in the ${primary.tableRows}-row table; SQLite alone ${fixed(primary.sql, 2)}), ${primary === d1 ? "this run" : `full run of ${primary.date}`}`,
    );
  }
  if (extra) {
    parts.push(`this run (--quick, ${extra.tableRows} rows): ${fixed(extra.worst, 2)}`);
  }
  const d1Value = parts.length ? parts.join("; ") : "–";
  const d1Ok = primary ? primary.worst <= 2 : null;
  rows.push([
    "runs.list deep page within 2× of the first at 1,000,000 rows",
    d1Value,
    verdict(d1Ok),
    "d1-scale",
  ]);
  // The tenant-wide runs list (issue 16): this run's figure, else the section as it stands.
  const tr = tenantRunsSection;
  rows.push([
    "tenant-wide runs list: deep page within 2× of the first, 10,000 runs of 100 jobs",
    tr ? `worst deep/first p50 ratio ${fixed(tr.worst, 2)} (${tr.date})` : "–",
    verdict(tr ? tr.worst <= 2 : null),
    "tenant-runs",
  ]);
  return [
    "## Summary: goals",
    "",
    `Command: \`${command}\`. Machine: ${machineLine(info)}. Total run time ${fixed((performance.now() - started) / 60_000, 1)} min.`,
    "",
    "Goals of the benchmarks issue, against the figures of the sections below (crondo under local `wrangler dev`, not Cloudflare's edge). Reported as measured: the benchmark is not tuned to pass.",
    "",
    `Rows marked "${EARLIER.trim()}" were not measured by this command: they are kept from the summary as it stood.`,
    "",
    mdTable(["goal", "measured", "result", "section"], mergeRows(rows, previous), [
      "l",
      "l",
      "l",
      "l",
    ]),
    "",
  ].join("\n");
}

async function main() {
  await waitForQuiet();
  const info = machineInfo();
  say(`machine: ${machineLine(info)}`);
  if (write) await placeSummaryFirst();
  let prec;
  let api;
  let over;
  let chart = null;
  let d1;
  let crashed = false;
  const wantPrec = only.has("precision");
  const wantFloor = only.has("dofloor");
  const wantCpu = only.has("cpu");

  if (wantPrec || wantFloor || wantCpu || only.has("api") || only.has("overload")) {
    const receiver = await startReceiver();
    const servers = new Set();
    const track = async (server) => {
      servers.add(server);
      return server;
    };
    const startServer = (keys, vars) =>
      startCrondo({ keys, vars, log: (m) => say(`crondo: ${m}`) }).then(track);
    const stopServers = async () => {
      for (const c of servers) await c.cleanup();
      servers.clear();
    };
    const onSignal = async (sig) => {
      say(`${sig}: stopping`);
      await stopServers();
      await receiver.close();
      process.exit(130);
    };
    process.once("SIGINT", onSignal);
    process.once("SIGTERM", onSignal);
    try {
      // precision, dofloor and cpu come from one precision run: the floors and the
      // CPU split are of the same windows as the lag figures. Asked for alone, dofloor
      // runs only the floors and cpu only crondo at N = 100.
      if (wantPrec || wantFloor || wantCpu) {
        try {
          const precNs = wantPrec || wantFloor ? ns : [100];
          say(`precision: N = ${precNs.join(", ")}, ${duration} s each`);
          const precisionKeys = { [precision.PRECISION_TENANT]: 32 };
          const common = { receiver, duration, warmup: Number(args.warmup), info, command };
          prec = await precision.run({
            ...common,
            startServer: () => startServer(precisionKeys),
            ns: precNs,
            skipBullmq: !wantPrec,
            skipFloor: !wantPrec,
            skipDoFloor: !(wantPrec || wantFloor),
            skipCrondo: !(wantPrec || wantCpu),
            log: (m) => say(`precision: ${m}`),
          });
          if (wantPrec) {
            await section("precision", prec.markdown);
            chart = await precision.writeLagChart(prec.svg, write);
            if (chart) say(`precision: lag chart ${chart}`);
          }
          const params = { results: prec.results, info, command, duration };
          if (wantFloor) await section("dofloor", precision.renderDoFloor(params));
          if (wantCpu) {
            const result = prec.results.find((r) => r.n === 100);
            // The same code with chained firing off (CHAINED_FIRING=off, README): the
            // before/after of that change in one run, a crondo-only window of N = 100.
            await stopServers();
            say("cpu: crondo with CHAINED_FIRING=off, N = 100");
            const off = await precision.run({
              ...common,
              startServer: () => startServer(precisionKeys, { CHAINED_FIRING: "off" }),
              ns: [100],
              skipBullmq: true,
              skipFloor: true,
              skipDoFloor: true,
              log: (m) => say(`cpu (chained firing off): ${m}`),
            });
            if (off.crashed) crashed = true;
            const unchained = off.results.find((r) => r.n === 100);
            await section("cpu", cpu.render({ ...params, result, unchained }));
          }
          if (prec.crashed) crashed = true;
        } catch (e) {
          crashed = true;
          say(`precision crashed: ${e?.stack ?? e}`);
        }
        await stopServers();
      }
      if (only.has("api")) {
        try {
          const crondo = await startServer({
            [apiLatency.API_TENANT]: clients * apiLatency.KEYS_PER_CLIENT,
          });
          const bare = await startBareWorker({ log: (m) => say(`bare Worker: ${m}`) }).then(track);
          const floor = await startFloorApiWorker({
            log: (m) => say(`bindings floor: ${m}`),
          }).then(track);
          receiver.records.length = 0;
          api = await apiLatency.run({
            crondo,
            bare,
            floor,
            receiver,
            clients,
            requests: Number(args.requests),
            info,
            command,
            log: (m) => say(`api-latency: ${m}`),
          });
          await section("api-latency", api.markdown);
        } catch (e) {
          crashed = true;
          say(`api-latency crashed: ${e?.stack ?? e}`);
        }
        await stopServers();
      }
      if (only.has("overload")) {
        try {
          const overloadNs = args["overload-n"].split(",").map(Number);
          const overloadDuration = Number(args["overload-duration"]);
          say(`overload: N = ${overloadNs.join(", ")}, ${overloadDuration} s of load each`);
          over = await overload.run({
            startServer: () => startServer({ [overload.OVERLOAD_TENANT]: overload.OVERLOAD_KEYS }),
            receiver,
            ns: overloadNs,
            duration: overloadDuration,
            info,
            command,
            log: (m) => say(`overload: ${m}`),
          });
          await section("overload", over.markdown);
          if (over.crashed) crashed = true;
        } catch (e) {
          crashed = true;
          say(`overload crashed: ${e?.stack ?? e}`);
        }
        await stopServers();
      }
    } finally {
      await stopServers();
      await receiver.close();
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
    }
  }

  if (only.has("observability")) {
    try {
      say("observability: /metrics, the overview and list for 10,000 jobs and 1,000,000 runs");
      await section("observability", (await observability.run()).markdown);
    } catch (e) {
      crashed = true;
      say(`observability crashed: ${e?.stack ?? e}`);
    }
  }

  if (only.has("schedule")) {
    try {
      say("schedule: next fire time, crondo vs croner");
      await section("schedule", await schedule.run());
    } catch (e) {
      crashed = true;
      say(`schedule crashed: ${e?.stack ?? e}`);
    }
  }

  if (only.has("tenantruns")) {
    try {
      say("tenantruns: the tenant-wide runs list over 10,000 runs of 100 jobs");
      const r = await tenantRuns.run({ log: (m) => say(`tenantruns: ${m}`) });
      await section("tenant-runs", r.md);
    } catch (e) {
      crashed = true;
      say(`tenantruns crashed: ${e?.stack ?? e}`);
    }
  }

  if (only.has("d1")) {
    const r = await runD1Scale();
    d1 = parseDeepPage(r.stdout);
    if (r.code !== 0) {
      crashed = true;
      say(`d1-scale exited with ${r.signal ?? `code ${r.code}`}`);
    }
    if (!args.full && !write) console.log(r.stdout);
  }

  if (only.has("history")) {
    // It writes its own `history` section of BENCHMARKS.md (unless --no-write).
    const r = await runChild("history.mjs", write ? ["--write"] : ["--no-write"]);
    if (r.code !== 0) {
      crashed = true;
      say(`history exited with ${r.signal ?? `code ${r.code}`}`);
    }
    if (!write) console.log(r.stdout);
  }

  // The d1-scale section as it stands (the last full run unless this one was --full).
  const text = await readFile(BENCHMARKS_FILE, "utf8").catch(() => "");
  const open = text.indexOf("<!-- bench:d1-scale -->");
  const close = text.indexOf("<!-- /bench:d1-scale -->", open);
  const d1Section = open !== -1 && close !== -1 ? parseDeepPage(text.slice(open, close)) : null;
  const trOpen = text.indexOf("<!-- bench:tenant-runs -->");
  const trClose = text.indexOf("<!-- /bench:tenant-runs -->", trOpen);
  const tenantRunsSection =
    trOpen !== -1 && trClose !== -1 ? parseTenantRuns(text.slice(trOpen, trClose)) : null;
  await section(
    "summary",
    summary({
      info,
      prec,
      chart,
      api,
      over,
      d1,
      d1Section,
      tenantRunsSection,
      previous: previousSummaryRows(text),
    }),
  );
  say(`done in ${fixed((performance.now() - started) / 60_000, 1)} min`);
  return crashed ? 1 : 0;
}

try {
  process.exitCode = await main();
} catch (e) {
  console.error(e?.stack ?? e);
  process.exitCode = 1;
}
