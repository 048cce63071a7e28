// Create and edit form: live checks as you type, the next 5 fire times from /preview
// (debounced, in the job's timezone), API error details placed next to their field.

import type { CronRecord } from "../../../src/client";
import { ApiError, api, session } from "../api";
import { errorPanel, errorText, h, replace, title, toast } from "../dom";
import {
  changes,
  check,
  FIELDS,
  type FieldName,
  fieldForPath,
  initialValues,
  previewWindow,
  toBody,
  type Values,
} from "../form-model";
import { dateTime, relative, wallToIso } from "../format";
import { readOnlyNote } from "../read-only";
import { go, links, type Route, type ViewContext } from "../router";
import { buildForm, type Control } from "./form-fields";

/** Fields the schedule preview depends on (the window fields change its fire times). */
const PREVIEWED = new Set<string>([
  "schedule",
  "timezone",
  "mode",
  "run_at",
  "start_at",
  "end_at",
  "exclude_dates",
  "jitter_seconds",
]);

export async function formView(ctx: ViewContext<Extract<Route, { name: "new" | "edit" }>>) {
  const { root, signal, route } = ctx;
  if (!session.canWrite()) {
    replace(
      root,
      title(route.name === "edit" ? "Edit job" : "New job"),
      readOnlyNote(),
      h("p", null, h("a", { href: links.jobs() }, "Back to the jobs")),
    );
    return;
  }
  let job: CronRecord | undefined;
  if (route.name === "edit") {
    try {
      job = await api.get(route.id, signal);
    } catch (e) {
      if (!signal.aborted)
        replace(
          root,
          title("Edit job"),
          errorPanel(e, () => formView(ctx)),
        );
      return;
    }
  }
  const initial = initialValues(job);
  const edited = job ? initial : undefined;

  const { form, f, preview, summary, submit } = buildForm(job, initial);
  replace(
    root,
    h(
      "nav",
      { class: "crumbs", "aria-label": "Breadcrumb" },
      h("a", { href: links.jobs() }, "Jobs"),
      job ? [" / ", h("a", { href: links.job(job.cron_id) }, job.name)] : null,
    ),
    title(job ? `Edit ${job.name}` : "New job"),
    form,
  );

  const read = (): Values => {
    const v = {
      mode: (form.querySelector<HTMLInputElement>("input[name=mode]:checked")?.value ??
        "schedule") as Values["mode"],
    } as Values;
    for (const name of FIELDS) {
      const c = f[name].control;
      (v as unknown as Record<string, unknown>)[name] =
        c instanceof HTMLInputElement && c.type === "checkbox" ? c.checked : c.value;
    }
    return v;
  };

  const touched = new Set<FieldName>();
  const serverErrors = new Map<FieldName, string>();
  let submitted = false;
  const show = (name: FieldName, v: Values) => {
    const client = touched.has(name) || submitted ? check(name, v, edited) : null;
    const message = client ?? serverErrors.get(name) ?? null;
    f[name].error.textContent = message ?? "";
    if (message) f[name].control.setAttribute("aria-invalid", "true");
    else f[name].control.removeAttribute("aria-invalid");
    return message;
  };
  const showAll = (v = read()) => FIELDS.filter((n) => show(n, v) !== null);

  // The next fire times, debounced; a stale answer never overwrites a newer one.
  let seq = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const updatePreview = async () => {
    const my = ++seq;
    const v = read();
    const zone = v.timezone.trim() || "UTC";
    f.schedule.wrap.hidden = v.mode !== "schedule";
    f.run_at.wrap.hidden = v.mode !== "once";
    if (v.mode === "once") {
      const at = check("run_at", v, edited) ? null : wallToIso(v.run_at, zone);
      replace(
        preview,
        at
          ? h(
              "p",
              null,
              "Runs once at ",
              h("strong", null, dateTime(at, zone)),
              ` (${relative(at)}).`,
            )
          : h("p", { class: "muted" }, "Choose a future date and time."),
      );
      return;
    }
    const expr = v.schedule.trim();
    if (!expr || check("timezone", v, edited)) {
      replace(
        preview,
        h(
          "p",
          { class: "muted" },
          expr
            ? "Fix the timezone to see the next fire times."
            : "Type a cron expression to see its next fire times.",
        ),
      );
      return;
    }
    try {
      const res = await api.preview(
        { schedule: expr, timezone: zone, count: 5, ...previewWindow(v, job?.cron_id) },
        signal,
      );
      if (my !== seq) return;
      serverErrors.delete("schedule");
      serverErrors.delete("timezone");
      replace(
        preview,
        h("p", { class: "description" }, res.description),
        h("p", { class: "hint" }, `Next 5 fire times (${res.timezone}):`),
        h(
          "ol",
          { class: "next-times" },
          ...res.next.map((t) =>
            h(
              "li",
              null,
              dateTime(t, res.timezone),
              " ",
              h("span", { class: "sub" }, `(${relative(t)})`),
            ),
          ),
        ),
      );
    } catch (e) {
      if (my !== seq || signal.aborted) return;
      if (e instanceof ApiError && e.status === 400) {
        for (const d of e.details) {
          const name = fieldForPath(d.path);
          if (name === "schedule" || name === "timezone") serverErrors.set(name, d.message);
        }
        if (e.details.length === 0) serverErrors.set("schedule", e.message);
      }
      replace(preview, h("p", { class: "muted" }, "No preview: ", errorText(e)));
    }
    show("schedule", read());
    show("timezone", read());
  };
  const schedulePreview = () => {
    clearTimeout(timer);
    timer = setTimeout(updatePreview, 300);
  };
  signal.addEventListener("abort", () => clearTimeout(timer));

  form.addEventListener("input", (ev) => {
    const name = (ev.target as Control).name as FieldName | "mode";
    const v = read();
    if (name !== "mode") {
      touched.add(name);
      serverErrors.delete(name);
      show(name, v);
    }
    if (PREVIEWED.has(name)) {
      if (name === "timezone" && v.mode === "once") show("run_at", v);
      schedulePreview();
    }
  });
  form.addEventListener("focusout", (ev) => {
    const name = (ev.target as Control).name as FieldName;
    if (FIELDS.includes(name) && (ev.target as Control).value !== "") {
      touched.add(name);
      show(name, read());
    }
  });

  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    submitted = true;
    const v = read();
    const bad = showAll(v);
    if (bad.length) {
      summary.textContent = `Please correct ${bad.length === 1 ? "1 field" : `${bad.length} fields`} below.`;
      f[bad[0]!].control.focus();
      return;
    }
    const body = toBody(v);
    const patch = job ? changes(job, body, v, initial) : body;
    if (job && Object.keys(patch).length === 0) {
      toast("Nothing changed.");
      go(links.job(job.cron_id));
      return;
    }
    submit.disabled = true;
    summary.textContent = "";
    try {
      const saved = job ? await api.update(job.cron_id, patch) : await api.create(body);
      toast(job ? `Saved (${Object.keys(patch).join(", ")}).` : `Created “${saved.name}”.`);
      go(links.job(saved.cron_id));
    } catch (e) {
      if (signal.aborted) return;
      const loose: string[] = [];
      if (e instanceof ApiError) {
        for (const d of e.details) {
          const name = fieldForPath(d.path);
          if (name) serverErrors.set(name, d.message);
          else loose.push(d.path ? `${d.path}: ${d.message}` : d.message);
        }
      }
      summary.textContent = [errorText(e), ...loose].join(" — ");
      const first = showAll()[0];
      if (first) f[first].control.focus();
      else summary.focus();
    } finally {
      submit.disabled = false;
    }
  });

  await updatePreview();
}
