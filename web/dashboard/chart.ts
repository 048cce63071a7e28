// Duration and fire lag of a job's last runs (uPlot, bundled). Lines in two neutral
// colours; each run's points are drawn in the colour of its state (circle: duration,
// square: fire lag), with an HTML legend, so colour is never the only cue.
import uPlot from "uplot";
import type { CronRun, RunState } from "../../src/client";
import { h } from "./dom";
import { dateTime, duration } from "./format";

export const STATE_COLORS: Record<RunState, string> = {
  succeeded: "#1a7f37",
  failed: "#cf222e",
  retrying: "#b35900",
  running: "#0969da",
  queued: "#6e7781",
  skipped: "#8250df",
  cancelled: "#57606a",
};

const css = (name: string) =>
  getComputedStyle(document.documentElement).getPropertyValue(name).trim() || "#57606a";

type Series = { xs: number[]; dur: (number | null)[]; lag: (number | null)[]; states: RunState[] };

function series(runs: CronRun[]): Series {
  const sorted = runs
    .map((r) => ({
      r,
      x: r.scheduled_for === null ? Number.NaN : Date.parse(r.scheduled_for) / 1000,
    }))
    .filter((p) => Number.isFinite(p.x))
    .sort((a, b) => a.x - b.x);
  return {
    xs: sorted.map((p) => p.x),
    dur: sorted.map((p) => p.r.duration_ms),
    lag: sorted.map((p) => p.r.fire_lag_ms),
    states: sorted.map((p) => p.r.state),
  };
}

function drawPoints(u: uPlot, s: Series) {
  const ctx = u.ctx;
  const r = 3.5 * uPlot.pxRatio;
  const { left, top, width, height } = u.bbox;
  ctx.save();
  ctx.beginPath();
  ctx.rect(left - r, top - r, width + 2 * r, height + 2 * r);
  ctx.clip();
  for (const [values, scale, square] of [
    [s.dur, "dur", false],
    [s.lag, "lag", true],
  ] as const) {
    values.forEach((v, i) => {
      if (v === null) return;
      const cx = u.valToPos(s.xs[i]!, "x", true);
      const cy = u.valToPos(v, scale, true);
      ctx.fillStyle = STATE_COLORS[s.states[i]!];
      ctx.beginPath();
      if (square) ctx.rect(cx - r, cy - r, 2 * r, 2 * r);
      else ctx.arc(cx, cy, r, 0, 2 * Math.PI);
      ctx.fill();
    });
  }
  ctx.restore();
}

/** Whole milliseconds, then round seconds and minutes: no "3 ms, 3 ms" tick labels. */
const MS_INCRS = [
  1, 2, 5, 10, 20, 50, 100, 200, 500, 1e3, 2e3, 5e3, 1e4, 2e4, 3e4, 6e4, 12e4, 3e5, 6e5, 9e5,
];
/** Time ticks of whole seconds and up (no "01:06:19, 01:06:19" at half seconds). */
const TIME_INCRS = [
  1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 172800,
  604800,
];
const fromZero = (_u: uPlot, min: number, max: number): [number, number] => [
  Math.min(0, min),
  max > 0 ? max * 1.12 : 1,
];
/** Axis width from its longest tick label. */
const axisSize = (_u: uPlot, values: string[] | null) =>
  24 + 7 * Math.max(3, ...(values ?? []).map((v) => v.length));

/**
 * The runs' own time span plus a small margin (a minute around a single run). Computed
 * from the data: for one point uPlot hands the range function a span of 1000 days.
 */
function xRange(xs: number[]): [number, number] {
  const min = xs[0] ?? 0;
  const max = xs[xs.length - 1] ?? min;
  const pad = max === min ? 30 : Math.max(1, (max - min) * 0.04);
  return [min - pad, max + pad];
}

export interface RunChart {
  el: HTMLElement;
  update(runs: CronRun[]): void;
}

/** A chart for the runs of one job; times on the axis are in the job's `zone`. */
export function runChart(zone: string, signal: AbortSignal): RunChart {
  const canvasBox = h("div", { class: "chart-canvas" });
  const empty = h("p", { class: "muted" }, "No runs yet.");
  const legend = h(
    "ul",
    { class: "state-legend", "aria-label": "Point colours" },
    ...(Object.keys(STATE_COLORS) as RunState[]).map((s) =>
      h("li", null, h("span", { class: `swatch swatch-${s}`, "aria-hidden": "true" }), s),
    ),
    h("li", null, h("span", { class: "shape", "aria-hidden": "true" }, "●"), "duration"),
    h("li", null, h("span", { class: "shape", "aria-hidden": "true" }, "■"), "fire lag"),
  );
  const el = h(
    "figure",
    { class: "chart" },
    canvasBox,
    empty,
    legend,
    h("figcaption", { class: "visually-hidden" }, "Duration and fire lag of the last runs"),
  );
  let plot: uPlot | undefined;
  let current: Series = { xs: [], dur: [], lag: [], states: [] };
  let lastKey = "";

  const width = () => Math.max(240, canvasBox.clientWidth || el.clientWidth || 600);
  const resize = new ResizeObserver(() => plot?.setSize({ width: width(), height: 220 }));
  resize.observe(el);
  signal.addEventListener("abort", () => {
    resize.disconnect();
    plot?.destroy();
  });

  function build() {
    const text = css("--muted");
    const grid = css("--grid");
    const axis = (scale: string, label: string, side: 1 | 3): uPlot.Axis => ({
      scale,
      label,
      side,
      stroke: text,
      grid: { stroke: grid, width: 1, show: side === 3 },
      ticks: { stroke: grid, width: 1 },
      incrs: MS_INCRS,
      values: (_u, ticks) => ticks.map((t) => duration(t)),
      size: axisSize,
      labelSize: 24,
    });
    // Tick labels in the job's zone, 24-hour: 09:15:30, 09:15 or 11-24 by tick spacing.
    const at = (ts: number) => dateTime(new Date(ts * 1000).toISOString(), zone);
    const timeTick = (ts: number, incr: number) => {
      const [date = "", time = ""] = at(ts).split(" ");
      return incr < 60 ? time : incr < 86_400 ? time.slice(0, 5) : date.slice(5);
    };
    const opts: uPlot.Options = {
      width: width(),
      height: 220,
      tzDate: (ts) => uPlot.tzDate(new Date(ts * 1e3), zone),
      scales: {
        x: { time: true, range: () => xRange(current.xs) },
        dur: { range: fromZero },
        lag: { range: fromZero },
      },
      series: [
        { label: "Slot", value: (_u, v) => (v === null ? "—" : at(v)) },
        {
          label: "Duration",
          scale: "dur",
          stroke: css("--accent"),
          width: 1.5,
          spanGaps: true,
          points: { show: false },
          value: (_u, v) => duration(v),
        },
        {
          label: "Fire lag",
          scale: "lag",
          stroke: text,
          width: 1,
          dash: [4, 4],
          spanGaps: true,
          points: { show: false },
          value: (_u, v) => duration(v),
        },
      ],
      axes: [
        {
          stroke: text,
          grid: { stroke: grid, width: 1 },
          ticks: { stroke: grid, width: 1 },
          space: 80,
          incrs: TIME_INCRS,
          values: (_u, ticks, _i, _space, incr) => ticks.map((t) => timeTick(t, incr)),
        },
        axis("dur", "duration", 3),
        axis("lag", "fire lag", 1),
      ],
      hooks: { draw: [(u) => drawPoints(u, current)] },
    };
    plot = new uPlot(opts, [current.xs, current.dur, current.lag], canvasBox);
  }

  function update(runs: CronRun[]) {
    const key = JSON.stringify(runs.map((r) => [r.run_id, r.state, r.duration_ms, r.fire_lag_ms]));
    if (key === lastKey) return;
    lastKey = key;
    current = series(runs);
    empty.hidden = current.xs.length > 0;
    canvasBox.hidden = current.xs.length === 0;
    legend.hidden = current.xs.length === 0;
    if (current.xs.length === 0) return;
    if (!plot) build();
    else plot.setData([current.xs, current.dur, current.lag]);
  }
  return { el, update };
}
