// CPU per delivery of crondo at N = 100 (jobs every second), split by process as in
// BENCHMARKS.md "Where the time goes": workerd (crondo's Worker and job objects) vs
// wrangler's node process (it prints every log line workerd emits) — for the code as
// it is now, from the precision run's crondo window, beside the figures measured
// before pre-armed firing and the workerd floors of the same run.
// Written by scripts/bench/run.mjs (`--only cpu`) as the `cpu` section.
import { fixed, machineLine, mdTable } from "./lib.mjs";

/**
 * The figures before (BENCHMARKS.md "Where the time goes", 2026-11-24: the variant
 * "crondo as committed", and the crondo row of that day's full bench run at N = 100).
 */
/** The CPU the before figures were measured on (BENCHMARKS.md of 2026-11-24). */
export const BEFORE_CPU = "Intel(R) Xeon(R) Processor";

export const BEFORE = [
  {
    label: "before: crondo as committed, 2026-11-24 (precision.mjs, 20 s window)",
    total: 3.5,
    workerd: 2.69,
    node: 0.8,
    other: null,
    p99: 191,
  },
  {
    label: "before: full bench run of 2026-11-24 (30 s window)",
    total: 3.42,
    workerd: 2.76,
    node: 0.65,
    other: 0.02,
    p99: 209.1,
  },
];

/** `{ total, workerd, node, other, p99 }` per delivery of one precision stats object. */
export function cpuSplit(s) {
  if (!s?.arrivalsInWindow) return null;
  const per = (v) => v / s.arrivalsInWindow;
  const by = s.cpuByName ?? {};
  const workerd = by.workerd ?? 0;
  const node = by.node ?? 0;
  const other = Object.entries(by)
    .filter(([k]) => k !== "workerd" && k !== "node")
    .reduce((a, [, v]) => a + v, 0);
  return {
    total: per(s.cpuTotalMs),
    workerd: per(workerd),
    node: per(node),
    other: per(other),
    p99: s.p99,
    deliveries: s.arrivalsInWindow,
    cores: s.cores,
  };
}

export function render({ result, unchained, info, command, duration }) {
  const now = cpuSplit(result?.crondo);
  const off = cpuSplit(unchained?.crondo);
  const f = (v) => (v === null || v === undefined ? "–" : fixed(v, 2));
  const row = (label, x) =>
    x ? [label, f(x.total), f(x.workerd), f(x.node), f(x.other), fixed(x.p99, 1)] : [label, "–"];
  const rows = [
    ...BEFORE.map((b) => row(b.label, b)),
    row(`**now: crondo with pre-armed and chained firing (this run, ${duration} s window)**`, now),
    row(`crondo with CHAINED_FIRING=off (this run, next ${duration} s window)`, off),
    row("workerd floor, alarm at the slot (this run)", cpuSplit(result?.dofloor)),
    row("workerd floor, early wake (this run)", cpuSplit(result?.dofloorEarly)),
  ];
  const before = BEFORE[0];
  const lines = [
    "## CPU per delivery: where crondo's time goes",
    "",
    `Command: \`${command}\`. Machine: ${machineLine(info)}.`,
    "",
    "N = 100 jobs every second, the precision section's crondo window: CPU time (utime + stime from `/proc/<pid>/stat`) of each process of `wrangler dev`'s process group over the window ÷ deliveries that arrived in it. **workerd** runs crondo's Worker and every job object; **wrangler's node** is the `wrangler dev` process, which (among other things) receives and prints each log line workerd emits; *other* is esbuild. The *before* rows are the figures of BENCHMARKS.md “Where the time goes” (measured 2026-11-24, before pre-armed firing and the concurrency limit); the workerd floors are the bare Durable Objects of the precision section, same run.",
    "",
    mdTable(
      ["variant", "CPU ms/delivery", "workerd", "wrangler's node", "other", "p99 lag ms"],
      rows,
    ),
    "",
  ];
  if (now && off) {
    lines.push(
      `- Chained firing (an attempt's result takes the next slot in the same commit: one storage commit a delivery instead of two, README "Chained firing"): **${fixed(now.workerd, 2)} ms** of workerd CPU per delivery with it, ${fixed(off.workerd, 2)} ms with \`CHAINED_FIRING=off\` in a window right after (${now.workerd <= off.workerd ? "−" : "+"}${fixed(Math.abs(now.workerd - off.workerd), 2)} ms); p99 lag ${fixed(now.p99, 1)} vs ${fixed(off.p99, 1)} ms.`,
    );
  }
  if (now) {
    lines.push(
      `- Now vs before (${fixed(before.total, 2)} ms): **${fixed(now.total, 2)} ms** per delivery (${now.total <= before.total ? "−" : "+"}${fixed(Math.abs(now.total - before.total), 2)} ms; workerd ${fixed(now.workerd, 2)} vs ${fixed(before.workerd, 2)}, node ${fixed(now.node, 2)} vs ${fixed(before.node, 2)}); ${Math.round(now.deliveries)} deliveries, ${fixed(now.cores, 2)} of ${info.cores} cores. CPU figures on a shared 2-core machine vary by some tenths of a millisecond between runs.${info.cpuModel === BEFORE_CPU ? "" : ` The before figures were measured on another CPU (${BEFORE_CPU}; this run: ${info.cpuModel}), so the comparison is indicative only.`}`,
    );
  }
  lines.push("");
  return lines.join("\n");
}
