// The job form's fields and layout: every input has a label, a hint where useful and
// an error line, all tied to it with aria-describedby.

import {
  type CronRecord,
  HTTP_METHODS,
  MISFIRE_POLICIES,
  OVERLAP_POLICIES,
} from "../../../src/client";
import { h } from "../dom";
import { FIELDS, type FieldName, type Values } from "../form-model";
import { COMMON_ZONES } from "../format";
import { links } from "../router";

export type Control = HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement;
export interface Field {
  wrap: HTMLElement;
  control: Control;
  error: HTMLElement;
}

const input = (attrs: Record<string, string | boolean> = {}) =>
  h("input", { type: "text", autocomplete: "off", spellcheck: "false", ...attrs });
const select = (options: readonly string[]) =>
  h("select", null, ...options.map((o) => h("option", { value: o }, o)));
const textarea = (placeholder: string) =>
  h("textarea", { rows: 4, spellcheck: "false", placeholder, class: "mono" });

function makeField(name: FieldName, label: string, control: Control, hint?: string): Field {
  const id = `f-${name}`;
  control.id = id;
  control.name = name;
  const error = h("p", { id: `${id}-error`, class: "field-error" });
  control.setAttribute("aria-describedby", hint ? `${id}-hint ${id}-error` : `${id}-error`);
  const labelEl = h("label", { for: id }, label);
  const hintEl = hint ? h("p", { id: `${id}-hint`, class: "hint" }, hint) : null;
  const wrap =
    control instanceof HTMLInputElement && control.type === "checkbox"
      ? h("div", { class: "field check" }, control, labelEl, hintEl, error)
      : h("div", { class: "field" }, labelEl, control, hintEl, error);
  return { wrap, control, error };
}

export interface JobForm {
  form: HTMLFormElement;
  f: Record<FieldName, Field>;
  preview: HTMLElement;
  summary: HTMLElement;
  submit: HTMLButtonElement;
}

/** The form for a new job, or for editing `job`, filled with `initial`. */
export function buildForm(job: CronRecord | undefined, initial: Values): JobForm {
  const editing = job !== undefined;
  const f: Record<FieldName, Field> = {
    name: makeField(
      "name",
      "Name",
      input({ maxlength: "200" }),
      editing ? undefined : "Optional; defaults to the target's host and path.",
    ),
    url: makeField(
      "url",
      "URL",
      input({ type: "url", inputmode: "url", placeholder: "https://example.com/hook" }),
    ),
    method: makeField("method", "Method", select(HTTP_METHODS)),
    schedule: makeField(
      "schedule",
      "Cron expression",
      input({ class: "mono", placeholder: "*/5 * * * *" }),
      "5 fields (minute hour day month weekday), 6 with leading seconds, or @daily, @hourly…",
    ),
    run_at: makeField(
      "run_at",
      "Run at",
      input({ type: "datetime-local" }),
      "Wall-clock time in the job's timezone.",
    ),
    timezone: makeField(
      "timezone",
      "Timezone",
      input({ list: "zones", placeholder: "UTC" }),
      "An IANA name, e.g. Europe/Berlin.",
    ),
    payload: makeField(
      "payload",
      "Payload (JSON)",
      textarea('{"hello": "world"}'),
      "Sent as the JSON body of every request; empty sends no body.",
    ),
    headers: makeField("headers", "Headers (JSON object)", textarea('{"X-Team": "ops"}')),
    retries: makeField("retries", "Retries", input({ inputmode: "numeric" }), "0–10"),
    retry_backoff_seconds: makeField(
      "retry_backoff_seconds",
      "Retry backoff (s)",
      input({ inputmode: "numeric" }),
      "1–3600, doubles per retry",
    ),
    timeout_seconds: makeField(
      "timeout_seconds",
      "Timeout (s)",
      input({ inputmode: "numeric" }),
      "1–900, per attempt",
    ),
    overlap_policy: makeField(
      "overlap_policy",
      "Overlap policy",
      select(OVERLAP_POLICIES),
      "while a run is in progress: allow another, skip, queue (10), buffer_one, or replace it",
    ),
    max_concurrency: makeField(
      "max_concurrency",
      "Max concurrency",
      input({ inputmode: "numeric" }),
      "1–100 runs in progress at once (allow)",
    ),
    max_runs: makeField("max_runs", "Max runs", input({ inputmode: "numeric" }), "Empty: no limit"),
    on_failure_webhook: makeField(
      "on_failure_webhook",
      "On-failure webhook",
      input({ type: "url", inputmode: "url" }),
      "Notified when a run finally fails; optional.",
    ),
    retention_days: makeField(
      "retention_days",
      "Retention (days)",
      input({ inputmode: "numeric" }),
      "0–365",
    ),
    start_at: makeField(
      "start_at",
      "Start",
      input({ type: "datetime-local" }),
      "Optional; no run before it (the job's timezone).",
    ),
    end_at: makeField(
      "end_at",
      "End",
      input({ type: "datetime-local" }),
      "Optional; no run after it, then the job is completed.",
    ),
    exclude_dates: makeField(
      "exclude_dates",
      "Excluded dates",
      h("textarea", {
        rows: 2,
        spellcheck: "false",
        placeholder: "2026-12-25, 2026-12-26",
        class: "mono",
      }),
      "Local dates (YYYY-MM-DD, the job's timezone) with no runs; up to 366.",
    ),
    jitter_seconds: makeField(
      "jitter_seconds",
      "Jitter (s)",
      input({ inputmode: "numeric" }),
      "0–3600: each run starts up to this much after its slot, the same delay every time",
    ),
    misfire_policy: makeField(
      "misfire_policy",
      "Missed runs",
      select(MISFIRE_POLICIES),
      "after downtime: run_once (the latest), run_all (each, one by one), or skip them",
    ),
    catchup_window_seconds: makeField(
      "catchup_window_seconds",
      "Catch-up window (s)",
      input({ inputmode: "numeric" }),
      "Missed runs older than this are only counted; default 3600",
    ),
    enabled: makeField("enabled", "Enabled (runs on schedule)", h("input", { type: "checkbox" })),
  };
  for (const name of FIELDS) {
    const c = f[name].control;
    if (c instanceof HTMLInputElement && c.type === "checkbox") c.checked = initial.enabled;
    else c.value = String(initial[name]);
  }

  const modeRadio = (value: Values["mode"], label: string) =>
    h(
      "label",
      { class: "radio" },
      h("input", { type: "radio", name: "mode", value, checked: initial.mode === value }),
      label,
    );
  const modes = h(
    "fieldset",
    { class: "modes" },
    h("legend", null, "Runs"),
    modeRadio("schedule", "On a schedule"),
    modeRadio("once", "Once, at a set time"),
  );
  const preview = h("div", { class: "preview", "aria-live": "polite", id: "schedule-preview" });
  const summary = h("div", { class: "form-summary", role: "alert" });
  const submit = h(
    "button",
    { type: "submit", class: "primary" },
    editing ? "Save changes" : "Create job",
  );
  const group = (legend: string, ...fields: HTMLElement[]) =>
    h(
      "fieldset",
      { class: "group" },
      h("legend", null, legend),
      h("div", { class: "grid" }, ...fields),
    );

  const form = h(
    "form",
    { class: "job-form", method: "post", novalidate: true },
    summary,
    group("Target", f.name.wrap, f.url.wrap, f.method.wrap),
    h(
      "fieldset",
      { class: "group" },
      h("legend", null, "When"),
      modes,
      h("div", { class: "grid" }, f.schedule.wrap, f.run_at.wrap, f.timezone.wrap),
      preview,
    ),
    group(
      "Window and catch-up",
      f.start_at.wrap,
      f.end_at.wrap,
      f.exclude_dates.wrap,
      f.jitter_seconds.wrap,
      f.misfire_policy.wrap,
      f.catchup_window_seconds.wrap,
    ),
    group("Request", f.payload.wrap, f.headers.wrap),
    group(
      "Delivery",
      f.retries.wrap,
      f.retry_backoff_seconds.wrap,
      f.timeout_seconds.wrap,
      f.overlap_policy.wrap,
      f.max_concurrency.wrap,
      f.max_runs.wrap,
      f.on_failure_webhook.wrap,
    ),
    group("Housekeeping", f.retention_days.wrap, f.enabled.wrap),
    h("datalist", { id: "zones" }, ...COMMON_ZONES.map((z) => h("option", { value: z }))),
    h(
      "div",
      { class: "actions" },
      submit,
      h("a", { href: job ? links.job(job.cron_id) : links.jobs(), class: "button" }, "Cancel"),
    ),
  );
  summary.tabIndex = -1;
  return { form, f, preview, summary, submit };
}
