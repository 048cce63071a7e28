// The jobs list: filter by status, cursor pagination (a stack of cursors for "Previous").
// One request a page: each item of GET /list carries its summary (the next run computed
// from the schedule, the schedule in English, the success of its last runs).

import { type CronListItem, JOB_STATUSES } from "../../../src/client";
import { api, session } from "../api";
import { badge, type Child, errorPanel, h, replace, title } from "../dom";
import { dateTime, percent, relative } from "../format";
import { readOnlyNote } from "../read-only";
import { go, links, poller, type Route, type ViewContext } from "../router";

const PAGE_SIZE = 20;

export const rel = (iso: string | null) =>
  iso ? h("span", { class: "rel", "data-rel": iso }, relative(iso)) : null;

/** A table cell that becomes a labelled row of a card on narrow screens. */
export const cell = (label: string, ...content: Child[]) =>
  h("td", { "data-label": label }, ...content);

function scheduleCell(job: CronListItem) {
  if (job.schedule === null) {
    return cell(
      "Schedule",
      h("span", null, "Once"),
      h("span", { class: "sub" }, dateTime(job.run_at, job.timezone, false)),
    );
  }
  return cell(
    "Schedule",
    h("code", null, job.schedule),
    h("span", { class: "sub" }, job.summary.description),
  );
}

function successCell(job: CronListItem) {
  const s = job.summary.success;
  return cell(
    "Success",
    h(
      "span",
      { title: `${s.succeeded} succeeded, ${s.failed} failed of the last ${s.runs} runs` },
      s.rate === null ? "—" : percent(s.rate),
    ),
    s.runs > 0 ? h("span", { class: "sub" }, `${s.failed} failed of ${s.runs}`) : null,
  );
}

function row(job: CronListItem) {
  const next = job.summary.next_run_at;
  return h(
    "tr",
    null,
    cell(
      "Name",
      h("a", { href: links.job(job.cron_id), class: "job-link" }, job.name),
      h("span", { class: "sub wrap-anywhere" }, `${job.method} ${job.url}`),
    ),
    scheduleCell(job),
    cell("Timezone", job.timezone),
    cell("Status", badge(job.status)),
    cell(
      "Next run",
      next
        ? [dateTime(next, job.timezone, false), h("span", { class: "sub" }, rel(next))]
        : h("span", { class: "muted" }, "—"),
    ),
    cell("Last run", badge(job.last_run_state), " ", rel(job.last_run_at)),
    successCell(job),
  );
}

export async function jobsView(ctx: ViewContext<Extract<Route, { name: "jobs" }>>) {
  const { root, signal } = ctx;
  const status = ctx.route.query.get("status") ?? "";
  const cursors: (string | undefined)[] = [undefined];
  let page = 0;

  const filter = h(
    "select",
    { id: "status-filter", name: "status" },
    h("option", { value: "" }, "All"),
    ...JOB_STATUSES.map((s) => h("option", { value: s, selected: s === status }, s)),
  );
  filter.addEventListener("change", () => go(links.jobs(filter.value)));
  const refresh = h("button", { type: "button", onclick: () => load() }, "Refresh");
  const body = h("div", { class: "table-wrap", "aria-busy": "true" });
  const prev = h("button", { type: "button", disabled: true }, "Previous");
  const next = h("button", { type: "button", disabled: true }, "Next");
  const where = h("span", { class: "muted" });
  prev.addEventListener("click", () => {
    page = Math.max(0, page - 1);
    load();
  });
  next.addEventListener("click", () => {
    page++;
    load();
  });

  const canWrite = session.canWrite();
  replace(
    root,
    h(
      "div",
      { class: "view-head" },
      title("Jobs"),
      canWrite ? h("a", { href: links.create(), class: "button primary" }, "New job") : null,
    ),
    canWrite ? null : readOnlyNote(),
    h("div", { class: "toolbar" }, h("label", { for: "status-filter" }, "Status"), filter, refresh),
    body,
    h("nav", { class: "pager", "aria-label": "Jobs pages" }, prev, where, next),
  );

  let lastKey = "";
  /** Loads the current page; re-renders only what changed, keeping the focused link. */
  async function load(): Promise<boolean> {
    body.setAttribute("aria-busy", "true");
    try {
      const res = await api.list(
        { limit: PAGE_SIZE, cursor: cursors[page], status: status || undefined },
        signal,
      );
      cursors[page + 1] = res.next_cursor ?? undefined;
      prev.disabled = page === 0;
      next.disabled = !res.next_cursor;
      where.textContent = page > 0 || res.next_cursor ? `Page ${page + 1}` : "";
      const key = JSON.stringify([page, res.items]);
      if (key === lastKey) return true;
      lastKey = key;
      const focused = (document.activeElement as HTMLAnchorElement | null)?.getAttribute("href");
      if (res.items.length === 0) {
        replace(
          body,
          h(
            "div",
            { class: "panel empty" },
            h("p", null, status ? `No ${status} jobs.` : "No jobs yet."),
            canWrite ? h("a", { href: links.create() }, "Create a job") : null,
          ),
        );
      } else {
        const cols = ["Name", "Schedule", "Timezone", "Status", "Next run", "Last run", "Success"];
        replace(
          body,
          h(
            "table",
            { class: "responsive jobs-table" },
            h("caption", { class: "visually-hidden" }, "Jobs"),
            h("thead", null, h("tr", null, ...cols.map((c) => h("th", { scope: "col" }, c)))),
            h("tbody", null, ...res.items.map((j) => row(j))),
          ),
        );
      }
      if (focused && !body.contains(document.activeElement))
        body.querySelector<HTMLElement>(`a[href="${CSS.escape(focused)}"]`)?.focus();
      return true;
    } catch (e) {
      if (signal.aborted) return false;
      lastKey = "";
      replace(
        body,
        errorPanel(e, () => load()),
      );
      return false;
    } finally {
      body.setAttribute("aria-busy", "false");
    }
  }
  await load();
  // Live: the page again every 10 s while the tab is visible (one request: list + summaries).
  poller(
    signal,
    async () => {
      if (!(await load())) throw new Error("the jobs page could not be refreshed"); // back off
      return 10_000;
    },
    10_000,
  );
}
