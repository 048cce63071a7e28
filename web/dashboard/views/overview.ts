// The tenant overview: runs per minute by state and fire-lag p50/p99 over the last 24 h
// (GET /overview, from crondo's counters), the latest failures across all jobs (the
// tenant-wide runs list) and the next 24 h of fires of the soonest jobs. Kept current by
// polling (router.ts `poller`: backoff on errors, paused while the tab is hidden).

import type { CronRun, Overview } from "../../../src/client";
import { api } from "../api";
import { dataTable, errorPanel, h, replace, title } from "../dom";
import { browserZone, dateTime, duration } from "../format";
import { links, poller, type Route, type ViewContext } from "../router";
import { legend, lines, stackedBars, timeline } from "../svg-charts";
import { cell, rel } from "./jobs";

/** On a phone the chart keeps a readable size and scrolls sideways (by keyboard too). */
const scroller = (label: string, chart: SVGSVGElement) =>
  h("div", { class: "chart-scroll", tabindex: 0, role: "group", "aria-label": label }, chart);

const STATES = ["succeeded", "failed", "skipped", "cancelled"] as const;
const POLL_MS = 10_000;
const FAILURES = 10;

const hhmm = (t: number) => dateTime(new Date(t).toISOString(), browserZone(), false).slice(11, 16);
const seconds = (s: number) => duration(s * 1000);

function stat(label: string, value: string, sub?: string) {
  return h(
    "div",
    { class: "stat" },
    h("span", { class: "stat-label" }, label),
    h("span", { class: "stat-value" }, value),
    sub ? h("span", { class: "sub" }, sub) : null,
  );
}

function runsChart(o: Overview) {
  const from = Date.parse(o.from);
  const to = Date.parse(o.now);
  const totals = Object.fromEntries(STATES.map((s) => [s, 0])) as Record<string, number>;
  for (const p of o.runs_per_minute) for (const s of STATES) totals[s]! += p[s];
  const sum = STATES.reduce((a, s) => a + totals[s]!, 0);
  const label = `Runs per minute over the last 24 hours: ${sum} runs, ${STATES.map((s) => `${totals[s]} ${s}`).join(", ")}.`;
  const figure = h(
    "figure",
    { class: "chart", id: "runs-chart", "data-runs": sum },
    scroller(
      "Runs per minute chart",
      stackedBars({
        label,
        from,
        to,
        step: 60_000,
        bins: o.runs_per_minute.map(({ t, ...values }) => ({ t: Date.parse(t), values })),
        keys: STATES,
        xTick: hhmm,
      }),
    ),
    legend(
      "Run states",
      STATES.map((s) => ({ key: s, text: `${s} (${totals[s]})` })),
    ),
    h("figcaption", { class: "muted" }, label),
  );
  return figure;
}

function lagChart(o: Overview) {
  const from = Date.parse(o.from);
  const to = Date.parse(o.now);
  const pts = o.fire_lag.map((p) => ({ t: Date.parse(p.t) + 5 * 60_000, p }));
  const last = o.fire_lag[o.fire_lag.length - 1];
  const label = last
    ? `Fire lag p50 and p99 per 10 minutes over the last 24 hours; latest p50 ${seconds(last.p50_seconds ?? 0)}, p99 ${seconds(last.p99_seconds ?? 0)}.`
    : "Fire lag p50 and p99 per 10 minutes over the last 24 hours: no runs yet.";
  return h(
    "figure",
    { class: "chart", id: "lag-chart", "data-points": o.fire_lag.length },
    scroller(
      "Fire lag chart",
      lines({
        label,
        from,
        to,
        series: [
          { key: "p50", points: pts.map(({ t, p }) => ({ t, v: p.p50_seconds })) },
          { key: "p99", points: pts.map(({ t, p }) => ({ t, v: p.p99_seconds })) },
        ],
        yTick: seconds,
        xTick: hhmm,
      }),
    ),
    legend("Percentiles", [
      { key: "p50", text: "p50 (solid)" },
      { key: "p99", text: "p99 (dashed)" },
    ]),
    h("figcaption", { class: "muted" }, label),
  );
}

function timelineChart(o: Overview) {
  const from = Date.parse(o.timeline.from);
  const to = Date.parse(o.timeline.to);
  const jobs = o.timeline.jobs;
  if (jobs.length === 0)
    return h("p", { class: "panel empty" }, "No active job fires in the next 24 hours.");
  const fires = jobs.reduce((a, j) => a + j.fires.length, 0);
  const label = `Next 24 hours: ${fires}${jobs.some((j) => j.more) ? "+" : ""} fires of the ${jobs.length} jobs that fire soonest.`;
  return h(
    "figure",
    { class: "chart", id: "timeline-chart" },
    scroller(
      "Timeline chart",
      timeline({
        label,
        from,
        to,
        rows: jobs.map((j) => ({ label: j.name, times: j.fires.map(Date.parse), dense: j.more })),
        xTick: hhmm,
      }),
    ),
    h("figcaption", { class: "muted" }, label),
    h(
      "ul",
      { class: "timeline-jobs" },
      ...jobs.map((j) =>
        h(
          "li",
          null,
          h("a", { href: links.job(j.cron_id) }, j.name),
          " — next ",
          j.fires[0] ? dateTime(j.fires[0], browserZone(), false) : "—",
          j.fires[0] ? [" (", rel(j.fires[0]), ")"] : null,
          `, ${j.fires.length}${j.more ? "+" : ""} in 24 h`,
        ),
      ),
    ),
  );
}

/** Job names for the failures list, fetched once per job while the view is open. */
function nameCache(signal: AbortSignal) {
  const names = new Map<string, Promise<string>>();
  return (cronId: string) => {
    let p = names.get(cronId);
    if (!p) {
      p = api.get(cronId, signal).then(
        (j) => j.name,
        () => cronId,
      );
      names.set(cronId, p);
    }
    return p;
  };
}

function failuresTable(runs: CronRun[], name: (id: string) => Promise<string>) {
  if (runs.length === 0) return h("p", { class: "panel empty" }, "No failed runs.");
  const cols = ["When", "Job", "HTTP", "Attempts", "Error"];
  return dataTable(
    "failures-table",
    "Latest failed runs across all jobs, newest first",
    cols,
    runs.map((r) => {
      const job = h("a", { href: links.job(r.cron_id) }, r.cron_id);
      name(r.cron_id).then((n) => {
        job.textContent = n;
      });
      return h(
        "tr",
        { "data-run-id": r.run_id },
        cell(
          "When",
          h(
            "a",
            { href: links.run(r.cron_id, r.run_id) },
            dateTime(r.finished_at ?? r.scheduled_for, browserZone()),
          ),
          h("span", { class: "sub" }, rel(r.finished_at ?? r.scheduled_for)),
        ),
        cell("Job", job),
        cell("HTTP", r.response_status === null ? "—" : String(r.response_status)),
        cell("Attempts", String(r.attempts)),
        cell("Error", r.error ? h("span", { class: "error-text" }, r.error) : "—"),
      );
    }),
  );
}

export async function overviewView(ctx: ViewContext<Extract<Route, { name: "overview" }>>) {
  const { root, signal } = ctx;
  const stats = h("div", { class: "stats", "aria-label": "Tenant statistics" });
  const runs = h("div", { "aria-busy": "true" });
  const lag = h("div", { "aria-busy": "true" });
  const failures = h("div", { class: "table-wrap", "aria-busy": "true", id: "failures" });
  const next = h("div", { "aria-busy": "true" });
  const updated = h("p", { class: "muted small", "aria-live": "off" });
  const name = nameCache(signal);
  const section = (id: string, heading: string, body: HTMLElement) =>
    h("section", { class: "section", "aria-labelledby": id }, h("h2", { id }, heading), body);
  replace(
    root,
    h("div", { class: "view-head" }, title("Overview")),
    updated,
    stats,
    section("runs-title", "Runs per minute, last 24 hours", runs),
    section("lag-title", "Fire lag, last 24 hours", lag),
    section("failures-title", "Latest failures", failures),
    section("next-title", "Next 24 hours", next),
  );

  const last = { overview: "", failures: "" };
  async function refresh(): Promise<number> {
    const [o, f] = await Promise.allSettled([
      api.overview(signal),
      api.tenantRuns({ state: "failed", limit: FAILURES }, signal),
    ]);
    if (signal.aborted) return POLL_MS;
    if (o.status === "fulfilled") {
      const key = JSON.stringify([
        o.value.jobs,
        o.value.runs_per_minute,
        o.value.fire_lag,
        o.value.timeline.jobs,
      ]);
      if (key !== last.overview) {
        last.overview = key;
        const v = o.value;
        const total = v.runs_per_minute.reduce(
          (a, p) => a + STATES.reduce((b, s) => b + p[s], 0),
          0,
        );
        const failed = v.runs_per_minute.reduce((a, p) => a + p.failed, 0);
        const latest = v.fire_lag[v.fire_lag.length - 1];
        replace(
          stats,
          stat(
            "Active jobs",
            String(v.jobs.active),
            `${v.jobs.paused} paused, ${v.jobs.completed} completed`,
          ),
          stat("Runs, 24 h", String(total)),
          stat("Failed, 24 h", String(failed)),
          stat(
            "Fire lag p99",
            latest?.p99_seconds == null ? "—" : seconds(latest.p99_seconds),
            "last 10 min with runs",
          ),
        );
        replace(runs, runsChart(v));
        replace(lag, lagChart(v));
        replace(next, timelineChart(v));
      }
    } else {
      last.overview = "";
      replace(
        runs,
        errorPanel(o.reason, () => poll.now()),
      );
    }
    if (f.status === "fulfilled") {
      const key = JSON.stringify(f.value.items.map((r) => r.run_id));
      if (key !== last.failures) {
        last.failures = key;
        replace(failures, failuresTable(f.value.items, name));
      }
    } else {
      last.failures = "";
      replace(
        failures,
        errorPanel(f.reason, () => poll.now()),
      );
    }
    for (const el of [runs, lag, failures, next]) el.setAttribute("aria-busy", "false");
    updated.textContent = `Updated ${dateTime(new Date().toISOString(), browserZone())}; refreshes every ${POLL_MS / 1000} s while this tab is visible.`;
    if (o.status === "rejected") throw o.reason; // the poller backs off
    return POLL_MS;
  }
  const poll = poller(signal, refresh, 0);
}
