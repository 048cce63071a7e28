// Microseconds per next-fire computation: crondo's src/schedule against croner 11.
// `node scripts/bench/schedule.mjs` prints a Markdown section; `run()` returns it
// (for scripts/bench/run.mjs). Bounded: about 0.4 s per row, ~3 s in all.
import { mkdir } from "node:fs/promises";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { Cron } from "croner";
import { build } from "esbuild";
import { fixed, machineLine, mdTable, ROOT as root } from "./lib.mjs";

const CASES = [
  ["*/5 * * * *", "UTC"],
  ["0 9 * * 1-5", "America/New_York"],
  ["*/10 * * * * *", "Europe/Berlin"],
  ["0 0 L * *", "UTC"],
  ["30 2 * * *", "America/New_York"],
  ["0 0 29 2 *", "Europe/Berlin"],
  ["*/15 * * * *", "Pacific/Chatham"],
];

async function bundle(entry, name) {
  const outfile = join(root, ".wrangler", "bench", name);
  await mkdir(dirname(outfile), { recursive: true });
  await build({
    entryPoints: [entry],
    bundle: true,
    format: "esm",
    platform: "neutral",
    mainFields: ["module", "main"],
    outfile,
    logLevel: "warning",
  });
  return import(`${pathToFileURL(outfile).href}?t=${Date.now()}`);
}

const loadSchedule = () => bundle(join(root, "src", "schedule", "index.ts"), "schedule.mjs");

// The brute-force reference of the tests (test/unit/schedule/reference.ts): a walk over
// real time, minute by minute, reading the wall clock with Intl. Its figure is the cost
// of "the obviously right answer"; predicates here are written by hand per expression.
const REFERENCE_EXPRS = {
  "*/5 * * * *": {
    fixed: false,
    matches: (w) => w.minute % 5 === 0 && w.second === 0,
    horizon: 10,
  },
  "0 9 * * 1-5": {
    fixed: true,
    matches: (w) =>
      w.minute === 0 && w.hour === 9 && w.weekday >= 1 && w.weekday <= 5 && w.second === 0,
    horizon: 4 * 1440,
  },
  "30 2 * * *": {
    fixed: true,
    matches: (w) => w.minute === 30 && w.hour === 2 && w.second === 0,
    horizon: 1500,
  },
};

function referenceNext(ref, expr, zone) {
  const spec = REFERENCE_EXPRS[expr];
  if (!spec) return null;
  const refExpr = {
    text: expr,
    hasSeconds: false,
    fixed: spec.fixed,
    matches: spec.matches,
    matchesDay: () => true,
  };
  return (t) => {
    const from = Math.floor(t / 60_000) * 60_000;
    // Start 3 h early: the reference needs the wall times already shown before `from`.
    const track = new ref.WallTrack(
      zone,
      from - 3 * 3_600_000,
      from + spec.horizon * 60_000,
      60_000,
    );
    return ref.referenceFires(refExpr, track, t)[0] ?? null;
  };
}

/**
 * Mean µs per call of `next(t)`, chaining from the previous result and restarting
 * from fresh start instants spread over 2026–2027 (so DST nights are included).
 */
function measure(next, budgetMs = 200) {
  const start = Date.UTC(2026, 0, 1);
  const span = 2 * 365 * 86_400_000;
  let seed = 12345;
  const random = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  // Warm-up (JIT, per-zone caches).
  for (let i = 0; i < 200; i++) next(start + Math.floor(random() * span));
  let calls = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < budgetMs) {
    let t = start + Math.floor(random() * span);
    for (let i = 0; i < 50; i++) {
      const n = next(t);
      calls++;
      if (n === null) break;
      t = n;
    }
  }
  return ((performance.now() - t0) * 1000) / calls;
}

export async function run() {
  const schedule = await loadSchedule();
  const ref = await bundle(join(root, "test", "unit", "schedule", "reference.ts"), "reference.mjs");
  const rows = [];
  for (const [expr, tz] of CASES) {
    const s = schedule.compileSchedule(expr, tz);
    const ours = measure((t) => schedule.nextFireAfter(s, t));
    const cron = new Cron(expr, { timezone: tz, paused: true, fixedTimeRule: "no-wildcard" });
    const theirs = measure((t) => cron.nextRun(new Date(t))?.getTime() ?? null);
    const refNext = referenceNext(ref, expr, tz);
    const reference = refNext ? measure(refNext, 300) : null;
    rows.push([
      `\`${expr}\``,
      tz,
      fixed(ours),
      fixed(theirs),
      `${fixed(theirs / ours, 0)}×`,
      reference === null ? "–" : fixed(reference, 0),
    ]);
  }
  return [
    "## Schedule: next fire time",
    "",
    "Microseconds per call, chained runs of 50 from random instants in 2026–2027 (DST nights",
    "included), after warm-up; crondo's `nextFireAfter` (src/schedule, bundled with esbuild)",
    "against croner 11's `nextRun`, and the tests' brute-force reference (a minute-by-minute",
    "walk with Intl, from 3 h before the instant; measured for three expressions).",
    "Script: `scripts/bench/schedule.mjs`.",
    "",
    machineLine(),
    "",
    mdTable(
      ["expression", "zone", "crondo µs", "croner 11 µs", "ratio", "brute-force reference µs"],
      rows,
      ["l", "l", "r", "r", "r", "r"],
    ),
    "",
  ].join("\n");
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  console.log(await run());
}
