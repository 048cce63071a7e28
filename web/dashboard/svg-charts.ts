// The overview's charts, drawn as SVG with attributes only (the page's CSP allows no
// inline styles) and coloured by CSS classes, so they follow the light/dark theme. Each
// chart is an image with a text alternative (role="img" + aria-label) saying what it
// shows in numbers, and the state colours come with a legend of their names.
import { h } from "./dom";

const NS = "http://www.w3.org/2000/svg";
type SvgAttrs = Record<string, string | number>;

export function svg<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attrs: SvgAttrs = {},
  ...children: (SVGElement | string | null)[]
): SVGElementTagNameMap[K] {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  for (const c of children) {
    if (c === null) continue;
    el.append(typeof c === "string" ? document.createTextNode(c) : c);
  }
  return el;
}

export const W = 720;
const PAD = { left: 48, right: 12, top: 10, bottom: 26 };

/** Round numbers for an axis from 0 to at least `max`. */
function niceMax(max: number): number {
  if (max <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(max));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= max) return m * p;
  return 10 * p;
}

/** Five time labels along the bottom: start, quarters, end. */
function timeTicks(
  root: SVGSVGElement,
  from: number,
  to: number,
  x: (t: number) => number,
  height: number,
  label: (t: number) => string,
) {
  for (let i = 0; i <= 4; i++) {
    const t = from + ((to - from) * i) / 4;
    const anchor = i === 0 ? "start" : i === 4 ? "end" : "middle";
    root.append(
      svg("text", { x: x(t), y: height - 8, class: "tick", "text-anchor": anchor }, label(t)),
    );
  }
}

export interface Frame {
  root: SVGSVGElement;
  x: (t: number) => number;
  y: (v: number) => number;
}

/** An SVG with a time axis over [from, to] and a value axis over [0, max]. */
function frame(opts: {
  label: string;
  from: number;
  to: number;
  max: number;
  height: number;
  yTick: (v: number) => string;
  xTick: (t: number) => string;
}): Frame {
  const { from, to, height } = opts;
  const max = niceMax(opts.max);
  const plotW = W - PAD.left - PAD.right;
  const plotH = height - PAD.top - PAD.bottom;
  const x = (t: number) => PAD.left + ((t - from) / Math.max(1, to - from)) * plotW;
  const y = (v: number) => PAD.top + plotH - (Math.min(v, max) / max) * plotH;
  const root = svg("svg", {
    viewBox: `0 0 ${W} ${height}`,
    class: "svg-chart",
    role: "img",
    "aria-label": opts.label,
    preserveAspectRatio: "none",
  });
  root.append(svg("title", {}, opts.label));
  for (const f of [0, 0.5, 1]) {
    const v = max * f;
    root.append(
      svg("line", { x1: PAD.left, x2: W - PAD.right, y1: y(v), y2: y(v), class: "grid" }),
      svg(
        "text",
        { x: PAD.left - 6, y: y(v) + 4, class: "tick", "text-anchor": "end" },
        opts.yTick(v),
      ),
    );
  }
  timeTicks(root, from, to, x, height, opts.xTick);
  return { root, x, y };
}

export interface Stack {
  t: number;
  values: Record<string, number>;
}

/** Stacked bars per time bin (width `step` ms), series bottom to top in `keys` order. */
export function stackedBars(opts: {
  label: string;
  from: number;
  to: number;
  step: number;
  bins: Stack[];
  keys: readonly string[];
  xTick: (t: number) => string;
}): SVGSVGElement {
  const max = Math.max(
    0,
    ...opts.bins.map((b) => opts.keys.reduce((a, k) => a + (b.values[k] ?? 0), 0)),
  );
  const f = frame({ ...opts, max, height: 200, yTick: (v) => String(Math.round(v)) });
  for (const b of opts.bins) {
    const x0 = f.x(b.t);
    const w = Math.max(1, f.x(b.t + opts.step) - x0 - 0.5);
    let base = 0;
    for (const k of opts.keys) {
      const v = b.values[k] ?? 0;
      if (v <= 0) continue;
      f.root.append(
        svg("rect", {
          x: x0,
          y: f.y(base + v),
          width: w,
          height: Math.max(0.5, f.y(base) - f.y(base + v)),
          class: `bar fill-${k}`,
        }),
      );
      base += v;
    }
  }
  return f.root;
}

export interface LinePoint {
  t: number;
  v: number | null;
}

/** Lines over time (gaps where a value is null), each with its own class. */
export function lines(opts: {
  label: string;
  from: number;
  to: number;
  series: { key: string; points: LinePoint[] }[];
  yTick: (v: number) => string;
  xTick: (t: number) => string;
}): SVGSVGElement {
  const max = Math.max(0, ...opts.series.flatMap((s) => s.points.map((p) => p.v ?? 0)));
  const f = frame({ ...opts, max, height: 200 });
  for (const s of opts.series) {
    let d = "";
    let pen = false;
    for (const p of s.points) {
      if (p.v === null) {
        pen = false;
        continue;
      }
      d += `${pen ? "L" : "M"}${f.x(p.t).toFixed(1)},${f.y(p.v).toFixed(1)}`;
      pen = true;
    }
    if (d) f.root.append(svg("path", { d, class: `line line-${s.key}` }));
    for (const p of s.points) {
      if (p.v !== null)
        f.root.append(
          svg("circle", { cx: f.x(p.t), cy: f.y(p.v), r: 2.5, class: `dot line-${s.key}` }),
        );
    }
  }
  return f.root;
}

/** One lane per row, a tick at each time; labels beside the lanes. */
export function timeline(opts: {
  label: string;
  from: number;
  to: number;
  rows: { label: string; times: number[]; dense: boolean }[];
  xTick: (t: number) => string;
}): SVGSVGElement {
  const lane = 22;
  const left = 150;
  const height = PAD.top + opts.rows.length * lane + PAD.bottom;
  const plotW = W - left - PAD.right;
  const x = (t: number) => left + ((t - opts.from) / Math.max(1, opts.to - opts.from)) * plotW;
  const root = svg("svg", {
    viewBox: `0 0 ${W} ${height}`,
    class: "svg-chart timeline",
    role: "img",
    "aria-label": opts.label,
  });
  root.append(svg("title", {}, opts.label));
  opts.rows.forEach((r, i) => {
    const yMid = PAD.top + i * lane + lane / 2;
    const name = r.label.length > 22 ? `${r.label.slice(0, 21)}…` : r.label;
    root.append(
      svg("line", { x1: left, x2: W - PAD.right, y1: yMid, y2: yMid, class: "grid" }),
      svg("text", { x: left - 8, y: yMid + 4, class: "tick", "text-anchor": "end" }, name),
    );
    for (const t of r.times)
      root.append(svg("line", { x1: x(t), x2: x(t), y1: yMid - 7, y2: yMid + 7, class: "fire" }));
    if (r.dense && r.times.length > 0) {
      const last = r.times[r.times.length - 1]!;
      root.append(
        svg("line", { x1: x(last), x2: W - PAD.right, y1: yMid, y2: yMid, class: "fire dense" }),
      );
    }
  });
  timeTicks(root, opts.from, opts.to, x, height, opts.xTick);
  return root;
}

/** A legend of coloured swatches with their names (colour is never the only cue). */
export const legend = (label: string, items: { key: string; text: string }[]) =>
  h(
    "ul",
    { class: "state-legend", "aria-label": label },
    ...items.map((i) =>
      h("li", null, h("span", { class: `swatch swatch-${i.key}`, "aria-hidden": "true" }), i.text),
    ),
  );
