// One run: its fields, the attempt log, and the captured response body (as text only).

import type { CronRecord, CronRun } from "../../../src/client";
import { api } from "../api";
import { badge, errorPanel, h, pair, replace, title } from "../dom";
import { dateTime, duration } from "../format";
import { links, poller, type Route, type ViewContext } from "../router";
import { runActionButton } from "./job-ops";
import { cell } from "./jobs";
import { FINAL_STATES } from "./runs";

function attempts(run: CronRun, zone: string) {
  if (run.attempt_log.length === 0) return h("p", { class: "panel empty" }, "No attempt yet.");
  const cols = ["Attempt", "Started", "Duration", "HTTP", "Error"];
  return h(
    "table",
    { class: "responsive attempts-table" },
    h("caption", { class: "visually-hidden" }, "Attempt log"),
    h("thead", null, h("tr", null, ...cols.map((c) => h("th", { scope: "col" }, c)))),
    h(
      "tbody",
      null,
      ...run.attempt_log.map((a) =>
        h(
          "tr",
          null,
          cell("Attempt", String(a.attempt)),
          cell("Started", dateTime(a.started_at, zone)),
          cell("Duration", duration(a.duration_ms)),
          cell("HTTP", a.response_status === null ? "—" : String(a.response_status)),
          cell("Error", a.error ? h("span", { class: "error-text" }, a.error) : "—"),
        ),
      ),
    ),
  );
}

function details(job: CronRecord, run: CronRun, changed: () => void) {
  const z = job.timezone;
  return [
    h("div", { class: "view-head" }, title(`Run ${run.run_id}`), badge(run.state)),
    h(
      "div",
      { class: "actions", role: "group", "aria-label": "Run actions" },
      runActionButton(job, run, changed),
    ),
    h(
      "dl",
      { class: "config" },
      pair("Job", h("a", { href: links.job(job.cron_id) }, job.name)),
      pair("Trigger", run.trigger),
      ...(run.replay_of
        ? [
            pair(
              "Replay of",
              h("a", { href: links.run(job.cron_id, run.replay_of) }, run.replay_of),
            ),
          ]
        : []),
      pair("Slot", dateTime(run.scheduled_for, z)),
      pair("Started", dateTime(run.started_at, z)),
      pair("Finished", dateTime(run.finished_at, z)),
      pair("Fire lag", duration(run.fire_lag_ms)),
      pair("Duration", duration(run.duration_ms)),
      pair("HTTP status", run.response_status === null ? "—" : String(run.response_status)),
      pair("Attempts", String(run.attempts)),
      pair("Missed slots", String(run.missed_slots)),
      pair("Skip reason", run.skip_reason ?? "—"),
      pair("Error", run.error ? h("span", { class: "error-text" }, run.error) : "—"),
    ),
    h(
      "section",
      { class: "section", "aria-labelledby": "attempts-title" },
      h("h2", { id: "attempts-title" }, "Attempt log"),
      attempts(run, z),
    ),
    h(
      "section",
      { class: "section", "aria-labelledby": "body-title" },
      h("h2", { id: "body-title" }, "Response body"),
      h("p", { class: "hint" }, "The first 4 KiB of the last response, shown as text."),
      run.response_body === null || run.response_body === ""
        ? h("p", { class: "muted" }, "(empty)")
        : h("pre", { class: "code response-body", tabindex: 0 }, run.response_body),
    ),
  ];
}

export async function runView(ctx: ViewContext<Extract<Route, { name: "run" }>>) {
  const { root, signal, route } = ctx;
  const crumbs = h("nav", { class: "crumbs", "aria-label": "Breadcrumb" });
  const content = h("div");
  replace(root, crumbs, content);
  let lastKey = "";
  const load = async () => {
    const [job, run] = await Promise.all([
      api.get(route.id, signal),
      api.run(route.id, route.runId, signal),
    ]);
    replace(
      crumbs,
      h("a", { href: links.jobs() }, "Jobs"),
      " / ",
      h("a", { href: links.job(job.cron_id) }, job.name),
      " / ",
      h("span", { "aria-current": "page" }, "Run"),
    );
    const key = JSON.stringify(run);
    if (key !== lastKey) {
      lastKey = key;
      replace(
        content,
        details(job, run, () => {
          load().catch(() => {});
        }),
      );
    }
    return FINAL_STATES.has(run.state) ? 3_600_000 : 1500;
  };
  try {
    const delay = await load();
    if (delay < 3_600_000) poller(signal, load, delay);
  } catch (e) {
    if (!signal.aborted)
      replace(
        content,
        title("Run"),
        errorPanel(e, () => runView(ctx)),
      );
  }
}
