// A job's run history: table (cards on narrow screens), filter by state, cursor pages.

import {
  type CronRecord,
  type CronRun,
  FINISHED_STATES,
  RUN_STATES,
  type RunState,
} from "../../../src/client";
import { api } from "../api";
import { badge, dataTable, errorPanel, h, replace } from "../dom";
import { dateTime, duration } from "../format";
import { links } from "../router";
import { runActionButton } from "./job-ops";
import { cell, rel } from "./jobs";

const PAGE_SIZE = 20;
/** States a run does not leave: a view showing only these stops polling. */
export const FINAL_STATES: ReadonlySet<RunState> = new Set(FINISHED_STATES);

function row(job: CronRecord, r: CronRun, changed: () => void) {
  return h(
    "tr",
    null,
    cell(
      "State",
      badge(r.state),
      r.trigger === "schedule" ? null : h("span", { class: "sub" }, r.trigger),
    ),
    cell(
      "Slot",
      h(
        "a",
        {
          href: links.run(job.cron_id, r.run_id),
          "aria-label": `Run of ${dateTime(r.scheduled_for, job.timezone)}`,
        },
        dateTime(r.scheduled_for, job.timezone),
      ),
      h("span", { class: "sub" }, rel(r.scheduled_for)),
    ),
    cell("Started", r.started_at ? dateTime(r.started_at, job.timezone) : "—"),
    cell("Duration", duration(r.duration_ms)),
    cell("Fire lag", duration(r.fire_lag_ms)),
    cell("HTTP", r.response_status === null ? "—" : String(r.response_status)),
    cell("Attempts", String(r.attempts)),
    cell("Error", r.error ? h("span", { class: "error-text" }, r.error) : "—"),
    cell("Actions", runActionButton(job, r, changed)),
  );
}

export interface RunsSection {
  el: HTMLElement;
  /** Reloads the current page; resolves to true while a run on it is unfinished. */
  refresh(): Promise<boolean>;
}

/** `changed`: a run action (replay, cancel) changed the history; the page refreshes. */
export function runsSection(
  job: CronRecord,
  signal: AbortSignal,
  changed: () => void = () => {},
): RunsSection {
  const cursors: (string | undefined)[] = [undefined];
  let page = 0;
  let lastKey = "";
  let active = false;

  const filter = h(
    "select",
    { id: "state-filter" },
    h("option", { value: "" }, "All"),
    ...RUN_STATES.map((s) => h("option", { value: s }, s)),
  );
  const body = h("div", { class: "table-wrap" });
  const prev = h("button", { type: "button", disabled: true }, "Previous");
  const next = h("button", { type: "button", disabled: true }, "Next");
  const where = h("span", { class: "muted" });
  const reset = () => {
    cursors.length = 1;
    page = 0;
    refresh();
  };
  filter.addEventListener("change", reset);
  prev.addEventListener("click", () => {
    page = Math.max(0, page - 1);
    refresh();
  });
  next.addEventListener("click", () => {
    page++;
    refresh();
  });

  async function refresh(): Promise<boolean> {
    try {
      const res = await api.runs(
        job.cron_id,
        { limit: PAGE_SIZE, cursor: cursors[page], state: filter.value || undefined },
        signal,
      );
      cursors[page + 1] = res.next_cursor ?? undefined;
      prev.disabled = page === 0;
      next.disabled = !res.next_cursor;
      where.textContent = page > 0 || res.next_cursor ? `Page ${page + 1}` : "";
      active = res.items.some((r) => !FINAL_STATES.has(r.state));
      // Re-render only when something changed, so focus and scroll stay put while polling.
      const key = JSON.stringify([page, filter.value, res.items]);
      if (key === lastKey) return active;
      lastKey = key;
      if (res.items.length === 0) {
        replace(
          body,
          h(
            "p",
            { class: "panel empty" },
            filter.value ? `No ${filter.value} runs.` : "No runs yet.",
          ),
        );
        return active;
      }
      const cols = [
        "State",
        "Slot",
        "Started",
        "Duration",
        "Fire lag",
        "HTTP",
        "Attempts",
        "Error",
        "Actions",
      ];
      replace(
        body,
        dataTable(
          "runs-table",
          "Run history, newest first",
          cols,
          res.items.map((r) => row(job, r, changed)),
        ),
      );
    } catch (e) {
      if (!signal.aborted) {
        lastKey = "";
        replace(
          body,
          errorPanel(e, () => refresh()),
        );
      }
    }
    return active;
  }

  const el = h(
    "section",
    { class: "section", "aria-labelledby": "runs-title" },
    h(
      "div",
      { class: "section-head" },
      h("h2", { id: "runs-title" }, "Run history"),
      h("div", { class: "toolbar" }, h("label", { for: "state-filter" }, "State"), filter),
    ),
    body,
    h("nav", { class: "pager", "aria-label": "Run history pages" }, prev, where, next),
  );
  return { el, refresh };
}
