// A job's audit log (GET /audit/{id}, SPEC §11): who changed what and when, newest first,
// with "Show more" for older entries.

import type { AuditEntry, CronRecord } from "../../../src/client";
import { api } from "../api";
import { dataTable, errorPanel, h, mono, replace } from "../dom";
import { dateTime } from "../format";
import { cell } from "./jobs";

const PAGE = 20;

const show = (v: unknown) => (typeof v === "string" ? v : JSON.stringify(v));

function changes(e: AuditEntry) {
  const names = Object.keys(e.changes);
  if (names.length === 0) return e.subject ? mono(e.subject) : "—";
  const list = h(
    "ul",
    { class: "changes" },
    ...names.map((n) =>
      h("li", null, mono(n), `: ${show(e.changes[n]!.from)} → ${show(e.changes[n]!.to)}`),
    ),
  );
  // A create sets every field: folded, so that the log stays readable.
  return names.length > 5
    ? h("details", null, h("summary", null, `${names.length} fields`), list)
    : list;
}

export interface AuditSection {
  el: HTMLElement;
  refresh(): Promise<void>;
}

export function auditSection(job: CronRecord, signal: AbortSignal): AuditSection {
  const body = h("div", { class: "table-wrap", id: "audit" });
  const more = h("button", { type: "button", hidden: true }, "Show more");
  let entries: AuditEntry[] = [];
  let cursor: string | null = null;
  let lastKey = "";

  const render = () => {
    const key = JSON.stringify(entries.map((e) => e.audit_id));
    if (key === lastKey) return;
    lastKey = key;
    if (entries.length === 0) {
      replace(body, h("p", { class: "panel empty" }, "No changes recorded."));
      return;
    }
    const cols = ["When", "Action", "By", "Changes"];
    replace(
      body,
      dataTable(
        "audit-table",
        "Audit log, newest first",
        cols,
        entries.map((e) =>
          h(
            "tr",
            null,
            cell("When", dateTime(e.at, job.timezone)),
            cell("Action", e.action),
            cell("By", mono(e.actor)),
            cell("Changes", changes(e)),
          ),
        ),
      ),
    );
  };

  /** The newest page again (keeping older pages already shown). */
  async function refresh() {
    try {
      const page = await api.audit(job.cron_id, { limit: PAGE }, signal);
      const seen = new Set(page.items.map((e) => e.audit_id));
      const older = entries.filter(
        (e) => !seen.has(e.audit_id) && e.audit_id < (page.items.at(-1)?.audit_id ?? ""),
      );
      entries = [...page.items, ...older];
      if (older.length === 0) cursor = page.next_cursor;
      more.hidden = cursor === null;
      render();
    } catch (e) {
      if (!signal.aborted) {
        lastKey = "";
        replace(
          body,
          errorPanel(e, () => refresh()),
        );
      }
    }
  }
  more.addEventListener("click", async () => {
    if (!cursor) return;
    try {
      const page = await api.audit(job.cron_id, { limit: PAGE, cursor }, signal);
      entries = [...entries, ...page.items];
      cursor = page.next_cursor;
      more.hidden = cursor === null;
      render();
    } catch (e) {
      replace(
        body,
        errorPanel(e, () => refresh()),
      );
    }
  });

  const el = h(
    "section",
    { class: "section", "aria-labelledby": "audit-title" },
    h("h2", { id: "audit-title" }, "Audit log"),
    body,
    more,
  );
  return { el, refresh };
}
