// `npm run bench`: every benchmark of crondo, one after the other, each writing its
// section of BENCHMARKS.md, then the `summary` section (each goal, the measured
// value, met / not met).
//
//   npm run bench [-- --full] [--duration 30] [--warmup 10] [--n 100,1000]
//                 [--requests 2000] [--clients 16] [--only precision,api,schedule,d1]
//                 [--wait-load 1.0] [--wait-max-min 20] [--no-write]
//
//   1. precision   N jobs every second (N = 100, 1000) on crondo (wrangler dev),
//                  BullMQ + redis-server, and a bare Node timer (the floor)
//   2. api         create/get/list/trigger/runs.list latency, 16 clients
//   3. schedule    next-fire-time computation vs croner (scripts/bench/schedule.mjs)
//   4. d1          scripts/bench/d1-scale.mjs as a child process: --quick by default
//                  (it then only prints; the d1-scale section keeps the last full
//                  run), the full 1,000,000-run data set with --full (which writes it)
//
// Default run: about 10–12 minutes on 2 cores. --full: the D1 bench at full size and
// a 60 s precision window. Progress goes to stderr. Exits non-zero only when
// something crashed, never because a goal was missed. --wait-load X first waits
// (up to --wait-max-min minutes) until the 1-minute load average is below X.
import { spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import { loadavg } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import * as apiLatency from "./api-latency.mjs";
import { startCrondo } from "./crondo-dev.mjs";
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
import * as precision from "./precision.mjs";
import { startReceiver } from "./receiver.mjs";
import * as schedule from "./schedule.mjs";

const { values: args } = parseArgs({
  options: {
    full: { type: "boolean", default: false },
    duration: { type: "string" },
    warmup: { type: "string", default: "10" },
    n: { type: "string", default: "100,1000" },
    requests: { type: "string", default: "2000" },
    clients: { type: "string", default: "16" },
    only: { type: "string", default: "precision,api,schedule,d1" },
    "wait-load": { type: "string" },
    "wait-max-min": { type: "string", default: "20" },
    "no-write": { type: "boolean", default: false },
  },
});

const started = performance.now();
const elapsed = () => `${((performance.now() - started) / 1000).toFixed(0)}s`;
const say = (m) => console.error(`[bench +${elapsed()}] ${m}`);
const only = new Set(args.only.split(",").map((s) => s.trim()));
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
  const childArgs = [join(ROOT, "scripts", "bench", "d1-scale.mjs"), ...flags];
  if (!write && args.full) childArgs.push("--no-write");
  say(`d1-scale: node scripts/bench/d1-scale.mjs ${flags.join(" ")}`);
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

const ms = (v) => `${fixed(v, 1)} ms`;
const verdict = (ok) => (ok === null ? "not measured" : ok ? "**met**" : "**not met**");

/** The workerd floor of the same N: what Durable Object alarms alone cost on this machine. */
const floorNote = (r) =>
  r?.dofloor?.delivered
    ? `; workerd floor (a DO that only persists, re-arms and POSTs) p99 ${ms(r.dofloor.p99)}`
    : "";

function summary({ info, prec, api, d1, d1Section }) {
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
  for (const op of ["get", "list"]) {
    const r = api?.results.find((x) => x.name === op);
    rows.push([
      `API ${op}: p99 ≤ 25 ms at ${clients} clients`,
      r ? `p99 ${ms(r.p99)} (p50 ${ms(r.p50)}, ${fixed(r.rps, 0)} req/s)` : "–",
      verdict(r ? r.p99 <= 25 && r.bad === 0 : null),
      "api-latency",
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
  return [
    "## Summary: goals",
    "",
    `Command: \`${command}\`. Machine: ${machineLine(info)}. Total run time ${fixed((performance.now() - started) / 60_000, 1)} min.`,
    "",
    "Goals of the benchmarks issue, against the figures of the sections below (crondo under local `wrangler dev`, not Cloudflare's edge). Reported as measured: the benchmark is not tuned to pass.",
    "",
    mdTable(["goal", "measured", "result", "section"], rows, ["l", "l", "l", "l"]),
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
  let d1;
  let crashed = false;

  if (only.has("precision") || only.has("api")) {
    const receiver = await startReceiver();
    const servers = new Set();
    const startServer = async (keys) => {
      const crondo = await startCrondo({ keys, log: (m) => say(`crondo: ${m}`) });
      servers.add(crondo);
      return crondo;
    };
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
      if (only.has("precision")) {
        try {
          say(`precision: N = ${ns.join(", ")}, ${duration} s each`);
          prec = await precision.run({
            startServer: () => startServer({ [precision.PRECISION_TENANT]: 32 }),
            receiver,
            ns,
            duration,
            warmup: Number(args.warmup),
            info,
            command,
            log: (m) => say(`precision: ${m}`),
          });
          await section("precision", prec.markdown);
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
          receiver.records.length = 0;
          api = await apiLatency.run({
            crondo,
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
      }
    } finally {
      await stopServers();
      await receiver.close();
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
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

  if (only.has("d1")) {
    const r = await runD1Scale();
    d1 = parseDeepPage(r.stdout);
    if (r.code !== 0) {
      crashed = true;
      say(`d1-scale exited with ${r.signal ?? `code ${r.code}`}`);
    }
    if (!args.full && !write) console.log(r.stdout);
  }

  // The d1-scale section as it stands (the last full run unless this one was --full).
  const text = await readFile(BENCHMARKS_FILE, "utf8").catch(() => "");
  const open = text.indexOf("<!-- bench:d1-scale -->");
  const close = text.indexOf("<!-- /bench:d1-scale -->", open);
  const d1Section = open !== -1 && close !== -1 ? parseDeepPage(text.slice(open, close)) : null;
  await section("summary", summary({ info, prec, api, d1, d1Section }));
  say(`done in ${fixed((performance.now() - started) / 60_000, 1)} min`);
  return crashed ? 1 : 0;
}

try {
  process.exitCode = await main();
} catch (e) {
  console.error(e?.stack ?? e);
  process.exitCode = 1;
}
