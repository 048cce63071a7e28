// A hand-rolled SVG chart of latency distributions for BENCHMARKS.md, no dependency:
// percentile curves in the style of HdrHistogram's plots — x is the percentile on a
// log scale of 1 / (1 − q) (so 50 %, 90 %, 99 %, 99.9 % are evenly spaced and the tail
// is visible), y is the lag in ms. Each series is the sorted list of its samples.
//
//   percentileChart({ title, subtitle, yLabel, series: [{ label, values, color, dash }],
//                     goal: { y: 50, label: "goal p99 ≤ 50 ms" } })  → SVG text

const W = 900;
const H = 470;
const M = { left: 64, right: 270, top: 56, bottom: 58 };
const PW = W - M.left - M.right;
const PH = H - M.top - M.bottom;

const esc = (s) =>
  String(s).replace(
    /[&<>"]/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c],
  );
const num = (v) => (Math.round(v * 10) / 10).toString();

/** A round step for about `target` ticks over [0, max]. */
function niceStep(max, target = 6) {
  const raw = max / target;
  const mag = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * mag >= raw) return m * mag;
  return 10 * mag;
}

/** Value at quantile q of an ascending list (nearest rank). */
const at = (sorted, q) =>
  sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];

/** x of quantile q: log10(1 / (1 − q)). */
const qx = (q) => Math.log10(1 / (1 - q));

export function percentileChart({ title, subtitle = "", yLabel = "lag (ms)", series, goal }) {
  const live = series.filter((s) => s.values?.length);
  const maxN = Math.max(2, ...live.map((s) => s.values.length));
  // Up to the highest quantile the largest sample set resolves (the max is its last point).
  const xMax = Math.max(2, Math.ceil(qx(1 - 1 / maxN) * 10) / 10);
  const yTop = Math.max(goal?.y ?? 0, ...live.map((s) => s.values[s.values.length - 1])) * 1.08;
  const yStep = niceStep(yTop || 1);
  const yMax = Math.ceil((yTop || 1) / yStep) * yStep;
  const X = (x) => M.left + (x / xMax) * PW;
  const Y = (y) => M.top + PH - (y / yMax) * PH;
  const out = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" role="img" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="-apple-system, 'Segoe UI', Helvetica, Arial, sans-serif" font-size="12">`,
    // The accessible name of the chart (and what biome's a11y lint asks for).
    `<title>${esc(title)}</title>`,
    `<rect width="${W}" height="${H}" fill="#ffffff"/>`,
    `<text x="${M.left}" y="24" font-size="16" font-weight="600" fill="#212529">${esc(title)}</text>`,
  );
  if (subtitle) {
    out.push(`<text x="${M.left}" y="42" fill="#495057">${esc(subtitle)}</text>`);
  }
  // Grid and axes.
  for (let y = 0; y <= yMax + 1e-9; y += yStep) {
    out.push(
      `<line x1="${M.left}" y1="${num(Y(y))}" x2="${M.left + PW}" y2="${num(Y(y))}" stroke="#e9ecef"/>`,
      `<text x="${M.left - 8}" y="${num(Y(y) + 4)}" text-anchor="end" fill="#495057">${num(y)}</text>`,
    );
  }
  const ticks = [
    [0, "0 %"],
    [qx(0.5), "50 %"],
    [1, "90 %"],
    [2, "99 %"],
    [3, "99.9 %"],
    [4, "99.99 %"],
  ].filter(([x]) => x <= xMax + 1e-9);
  for (const [x, label] of ticks) {
    out.push(
      `<line x1="${num(X(x))}" y1="${M.top}" x2="${num(X(x))}" y2="${M.top + PH}" stroke="#e9ecef"/>`,
      `<text x="${num(X(x))}" y="${M.top + PH + 18}" text-anchor="middle" fill="#495057">${label}</text>`,
    );
  }
  out.push(
    `<rect x="${M.left}" y="${M.top}" width="${PW}" height="${PH}" fill="none" stroke="#adb5bd"/>`,
    `<text x="${M.left + PW / 2}" y="${H - 14}" text-anchor="middle" fill="#212529">percentile of slots (log scale of 1 / (1 − p); the last point of each curve is its maximum)</text>`,
    `<text transform="translate(18 ${M.top + PH / 2}) rotate(-90)" text-anchor="middle" fill="#212529">${esc(yLabel)}</text>`,
  );
  if (goal && goal.y <= yMax) {
    out.push(
      `<line x1="${M.left}" y1="${num(Y(goal.y))}" x2="${M.left + PW}" y2="${num(Y(goal.y))}" stroke="#2f9e44" stroke-width="1.5" stroke-dasharray="6 4"/>`,
      `<text x="${M.left + 6}" y="${num(Y(goal.y) - 5)}" fill="#2f9e44">${esc(goal.label)}</text>`,
    );
  }
  // Curves: at most ~500 points each, evenly spaced in x, plus the maximum.
  for (const s of live) {
    const v = s.values;
    const n = v.length;
    const last = qx(1 - 1 / n);
    const pts = [];
    const steps = 500;
    for (let k = 0; k <= steps; k++) {
      const x = (last * k) / steps;
      const q = 1 - 10 ** -x;
      pts.push([X(x), Y(at(v, q))]);
    }
    pts.push([X(last), Y(v[n - 1])]);
    const d = pts.map(([x, y], i) => `${i ? "L" : "M"}${num(x)} ${num(y)}`).join("");
    out.push(
      `<path d="${d}" fill="none" stroke="${s.color}" stroke-width="2.2"${s.dash ? ` stroke-dasharray="${s.dash}"` : ""} stroke-linejoin="round"/>`,
    );
    // The p99 of each series, marked.
    if (qx(0.99) <= last + 1e-9) {
      out.push(`<circle cx="${num(X(2))}" cy="${num(Y(at(v, 0.99)))}" r="3.5" fill="${s.color}"/>`);
    }
  }
  // Legend with p50 / p99 / max.
  let ly = M.top + 8;
  const lx = M.left + PW + 16;
  out.push(`<text x="${lx}" y="${ly}" font-weight="600" fill="#212529">p50 / p99 / max ms</text>`);
  ly += 20;
  for (const s of series) {
    const v = s.values ?? [];
    out.push(
      `<line x1="${lx}" y1="${ly - 4}" x2="${lx + 26}" y2="${ly - 4}" stroke="${s.color}" stroke-width="2.5"${s.dash ? ` stroke-dasharray="${s.dash}"` : ""}/>`,
      `<text x="${lx + 34}" y="${ly}" fill="#212529">${esc(s.label)}</text>`,
      `<text x="${lx + 34}" y="${ly + 15}" fill="#495057">${
        v.length
          ? `${num(at(v, 0.5))} / ${num(at(v, 0.99))} / ${num(v[v.length - 1])} (${v.length} slots)`
          : "not measured"
      }</text>`,
    );
    ly += 40;
  }
  out.push("</svg>");
  return `${out.join("\n")}\n`;
}
