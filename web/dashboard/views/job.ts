// One job: actions, statistics and chart over the last 100 runs, run history, and its
// whole configuration (the signing secret behind a "Show" toggle).

import type { CronRecord, JobStats } from "../../../src/client";
import { api, describe, session } from "../api";
import { runChart } from "../chart";
import { confirmDialog } from "../dialog";
import { badge, errorPanel, errorText, h, mono, pair, replace, title, toast } from "../dom";
import { dateTime, duration, percent } from "../format";
import { disableForReadOnly, readOnlyNote } from "../read-only";
import { go, links, poller, type Route, type ViewContext } from "../router";
import { auditSection } from "./audit";
import { autoPauseBanner, backfillButton, bulkReplayButton, rotateButton } from "./job-ops";
import { rel } from "./jobs";
import { runsSection } from "./runs";

const json = (v: unknown) => h("pre", { class: "code" }, JSON.stringify(v, null, 2));

function configList(job: CronRecord, secretShown: { value: boolean }, rotate: HTMLElement) {
  const secret = h("code", { id: "signing-secret", class: "wrap-anywhere" });
  const toggle = h("button", { type: "button", class: "small", "aria-controls": "signing-secret" });
  const show = () => {
    secret.textContent = secretShown.value ? job.signing_secret : "••••••••••••••••";
    toggle.textContent = secretShown.value ? "Hide" : "Show";
    toggle.setAttribute(
      "aria-label",
      secretShown.value ? "Hide signing secret" : "Show signing secret",
    );
  };
  toggle.addEventListener("click", () => {
    secretShown.value = !secretShown.value;
    show();
  });
  show();
  const desc = h("span", { class: "sub" });
  if (job.schedule)
    describe(job.schedule, job.timezone).then(
      (d) => (desc.textContent = d),
      () => {},
    );
  return h(
    "dl",
    { class: "config" },
    pair("ID", mono(job.cron_id)),
    pair("Name", job.name),
    pair("Target", mono(`${job.method} ${job.url}`)),
    job.schedule === null
      ? pair("Runs once at", dateTime(job.run_at, job.timezone))
      : pair("Schedule", mono(job.schedule), desc),
    pair("Timezone", job.timezone),
    pair(
      "Payload",
      job.payload === null ? h("span", { class: "muted" }, "none (no body)") : json(job.payload),
    ),
    pair(
      "Headers",
      Object.keys(job.headers).length ? json(job.headers) : h("span", { class: "muted" }, "none"),
    ),
    pair("Retries", String(job.retries)),
    pair("Retry backoff", `${job.retry_backoff_seconds} s (doubling, ±20 %)`),
    pair("Timeout", `${job.timeout_seconds} s`),
    pair("Overlap policy", job.overlap_policy),
    pair("Max concurrency", String(job.max_concurrency)),
    pair("Max runs", job.max_runs === null ? "unlimited" : String(job.max_runs)),
    pair(
      "On-failure webhook",
      job.on_failure_webhook ? mono(job.on_failure_webhook) : h("span", { class: "muted" }, "none"),
    ),
    pair(
      "Notify URL",
      job.notify_url
        ? h("span", null, mono(job.notify_url), ` (${job.notify_events.join(", ") || "no events"})`)
        : h("span", { class: "muted" }, "none"),
    ),
    pair(
      "Pause after failures",
      job.pause_after_failures === null ? "never" : `${job.pause_after_failures} in a row`,
    ),
    pair("Retention", `${job.retention_days} days`),
    pair(
      "Enabled",
      job.enabled
        ? "yes"
        : job.paused_reason === "consecutive_failures"
          ? "no — paused itself after consecutive failures"
          : "no",
    ),
    pair("Runs so far", String(job.run_count)),
    pair("Consecutive failures", String(job.consecutive_failures)),
    pair("Created", dateTime(job.created_at, job.timezone)),
    pair("Updated", dateTime(job.updated_at, job.timezone)),
    pair("Signing secret", h("span", { class: "secret" }, secret, toggle, rotate)),
    ...(job.previous_secret_expires_at && Date.parse(job.previous_secret_expires_at) > Date.now()
      ? [
          pair(
            "Previous secret valid until",
            dateTime(job.previous_secret_expires_at, job.timezone),
          ),
        ]
      : []),
  );
}

function summary(job: CronRecord, stats: JobStats | null) {
  const p = (v: { p50: number | null; p95: number | null } | undefined) =>
    v ? `${duration(v.p50)} / ${duration(v.p95)}` : "—";
  return [
    h(
      "div",
      { class: "stat" },
      h("span", { class: "stat-label" }, "Next run"),
      h(
        "span",
        { class: "stat-value" },
        job.next_run_at ? dateTime(job.next_run_at, job.timezone, false) : "—",
      ),
      rel(job.next_run_at),
    ),
    h(
      "div",
      { class: "stat" },
      h("span", { class: "stat-label" }, "Last run"),
      h("span", { class: "stat-value" }, badge(job.last_run_state)),
      rel(job.last_run_at),
    ),
    h(
      "div",
      { class: "stat" },
      h("span", { class: "stat-label" }, "Success rate"),
      h("span", { class: "stat-value" }, percent(stats?.success_rate ?? null)),
      h("span", { class: "sub" }, stats ? `last ${stats.runs} runs` : ""),
    ),
    h(
      "div",
      { class: "stat" },
      h("span", { class: "stat-label" }, "Duration p50 / p95"),
      h("span", { class: "stat-value" }, p(stats?.duration_ms)),
    ),
    h(
      "div",
      { class: "stat" },
      h("span", { class: "stat-label" }, "Fire lag p50 / p95"),
      h("span", { class: "stat-value" }, p(stats?.fire_lag_ms)),
    ),
  ];
}

export async function jobView(ctx: ViewContext<Extract<Route, { name: "job" }>>) {
  const { root, signal } = ctx;
  let job: CronRecord;
  try {
    job = await api.get(ctx.route.id, signal);
  } catch (e) {
    if (signal.aborted) return;
    replace(
      root,
      title("Job"),
      errorPanel(e, () => jobView(ctx)),
    );
    return;
  }
  const secretShown = { value: false };
  const heading = h("div", { class: "view-head" });
  const stats = h("div", { class: "stats", "aria-label": "Statistics" });
  const config = h("div");
  const chart = runChart(job.timezone, signal);
  const runs = runsSection(job, signal, () => {
    fastUntil = Date.now() + 5_000;
    poll.now();
  });
  const audit = auditSection(job, signal);
  const banner = h("div");
  const changed = () => {
    fastUntil = Date.now() + 5_000;
    poll.now();
  };
  const rotate = rotateButton(
    () => job,
    (j) => {
      job = j;
      render();
      changed();
    },
  );
  let stat: JobStats | null = null;
  let lastJob = "";
  /** After a trigger, poll fast until the new run shows up (then its state keeps it fast). */
  let fastUntil = 0;
  let poll = { now: () => {} };

  const canWrite = session.canWrite();
  const pause = h("button", { type: "button" });
  const trigger = h("button", { type: "button", class: "primary" }, "Trigger now");
  const edit = canWrite
    ? h("a", { href: links.edit(job.cron_id), class: "button" }, "Edit")
    : h("button", { type: "button" }, "Edit");
  const del = h("button", { type: "button", class: "danger" }, "Delete");
  if (!canWrite) {
    for (const b of [pause, trigger, edit, del]) disableForReadOnly(b as HTMLButtonElement);
  }

  const render = () => {
    const key = JSON.stringify([job, stat]);
    if (key === lastJob) return;
    lastJob = key;
    pause.textContent = job.status === "paused" ? "Resume" : "Pause";
    pause.disabled = !canWrite || job.status === "completed";
    replace(heading, title(job.name), badge(job.status));
    replace(stats, summary(job, stat));
    replace(config, configList(job, secretShown, rotate));
    replace(banner, autoPauseBanner(job));
  };

  const act = async (button: HTMLButtonElement, fn: () => Promise<string>) => {
    button.disabled = true;
    try {
      toast(await fn());
    } catch (e) {
      if (!signal.aborted) toast(errorText(e), "error");
    } finally {
      button.disabled = false;
      render();
    }
  };
  pause.addEventListener("click", () =>
    act(pause, async () => {
      const wasPaused = job.status === "paused";
      job = await (wasPaused ? api.resume(job.cron_id) : api.pause(job.cron_id));
      return wasPaused ? "Job resumed." : "Job paused: no runs until you resume it.";
    }),
  );
  trigger.addEventListener("click", () =>
    act(trigger, async () => {
      const run = await api.trigger(job.cron_id);
      fastUntil = Date.now() + 5_000;
      await runs.refresh();
      poll.now();
      return `Run started (${run.run_id}).`;
    }),
  );
  del.addEventListener("click", async () => {
    const yes = await confirmDialog({
      title: "Delete this job?",
      message: `“${job.name}” and its whole run history will be deleted. This cannot be undone.`,
      confirm: "Delete job",
    });
    if (!yes) return;
    del.disabled = true;
    try {
      await api.remove(job.cron_id);
      toast(`Deleted “${job.name}”.`);
      go(links.jobs());
    } catch (e) {
      toast(errorText(e), "error");
      del.disabled = false;
    }
  });

  replace(
    root,
    h(
      "nav",
      { class: "crumbs", "aria-label": "Breadcrumb" },
      h("a", { href: links.jobs() }, "Jobs"),
      " / ",
      h("span", { "aria-current": "page" }, job.name),
    ),
    heading,
    h(
      "div",
      { class: "actions", role: "group", "aria-label": "Job actions" },
      trigger,
      pause,
      edit,
      del,
    ),
    h(
      "div",
      { class: "actions", role: "group", "aria-label": "Run operations" },
      bulkReplayButton(() => job, changed),
      backfillButton(() => job, changed),
    ),
    banner,
    canWrite ? null : readOnlyNote(),
    stats,
    h(
      "section",
      { class: "section", "aria-labelledby": "chart-title" },
      h("h2", { id: "chart-title" }, "Last 100 runs"),
      chart.el,
    ),
    runs.el,
    audit.el,
    h(
      "section",
      { class: "section", "aria-labelledby": "config-title" },
      h("h2", { id: "config-title" }, "Configuration"),
      config,
    ),
  );
  render();

  const refresh = async () => {
    const [j, s, recent, active] = await Promise.all([
      api.get(job.cron_id, signal),
      api.stats(job.cron_id, 100, signal).catch(() => stat),
      api.runs(job.cron_id, { limit: 100 }, signal).catch(() => null),
      runs.refresh(),
      audit.refresh(),
    ]);
    job = j;
    stat = s;
    if (recent) chart.update(recent.items);
    render();
    return active || Date.now() < fastUntil ? 1500 : 10_000;
  };
  poll = poller(signal, refresh, 0);
}
