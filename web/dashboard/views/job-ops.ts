// A job's run operations on its page (SPEC §10–§12): replay and cancel of one run, bulk
// replay of failures, the backfill dialog, secret rotation and the auto-pause banner.
// Each action goes through the API and the page's poller shows what it did.

import { type CronRecord, type CronRun, FINISHED_STATES } from "../../../src/client";
import { api, session } from "../api";
import { confirmDialog, formDialog } from "../dialog";
import { errorText, h, toast } from "../dom";
import { dateTime, isoToWall, wallToIso } from "../format";
import { disableForReadOnly } from "../read-only";

/** The run's own action: Replay for a finished run, Cancel for one in progress. */
export function runActionButton(job: CronRecord, run: CronRun, done: () => void) {
  const finished = FINISHED_STATES.includes(run.state);
  const label = finished ? "Replay" : "Cancel";
  const button = h(
    "button",
    {
      type: "button",
      class: finished ? "small" : "small danger",
      "aria-label": `${label} run ${run.run_id}`,
      "data-action": finished ? "replay" : "cancel",
    },
    label,
  );
  if (!session.canWrite()) {
    disableForReadOnly(button);
    return button;
  }
  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      if (finished) {
        const r = await api.replay(job.cron_id, run.run_id);
        toast(`Replaying as ${r.run_id}.`);
      } else {
        const ok = await confirmDialog({
          title: "Cancel this run?",
          message: `Run ${run.run_id} will be cancelled: an attempt in flight is aborted and it is not retried.`,
          confirm: "Cancel run",
        });
        if (!ok) return;
        await api.cancel(job.cron_id, run.run_id);
        toast("Run cancelled.");
      }
      done();
    } catch (e) {
      toast(errorText(e), "error");
    } finally {
      button.disabled = false;
    }
  });
  return button;
}

const field = (id: string, label: string, control: HTMLElement, hint?: string) =>
  h(
    "div",
    { class: "field" },
    h("label", { for: id }, label),
    control,
    hint ? h("span", { class: "hint", id: `${id}-hint` }, hint) : null,
  );

/** "Replay failed runs…": the job's finished failed runs, oldest first, at most `limit`. */
export function bulkReplayButton(job: () => CronRecord, done: () => void) {
  const button = h("button", { type: "button" }, "Replay failed runs…");
  if (!session.canWrite()) disableForReadOnly(button);
  button.addEventListener("click", async () => {
    const limit = h("input", {
      id: "replay-limit",
      type: "number",
      min: 1,
      max: 1000,
      value: 100,
      required: true,
      "aria-describedby": "replay-limit-hint",
    });
    const message = await formDialog({
      title: "Replay failed runs",
      message: `The failed runs of “${job().name}” run again, oldest first, one after another, under its current configuration.`,
      confirm: "Replay",
      fields: [field("replay-limit", "At most", limit, "1–1000 runs")],
      submit: async () => {
        const r = await api.replayMany(job().cron_id, {
          state: "failed",
          limit: Number(limit.value),
        });
        return r.replayed === 0
          ? "No failed run to replay."
          : `Replaying ${r.replayed} failed run${r.replayed === 1 ? "" : "s"}.`;
      },
    });
    if (message) {
      toast(message);
      done();
    }
  });
  return button;
}

/** "Backfill…": run the past slots of [from, to), read as wall time in the job's zone. */
export function backfillButton(job: () => CronRecord, done: () => void) {
  const button = h("button", { type: "button" }, "Backfill…");
  if (!session.canWrite()) disableForReadOnly(button);
  button.addEventListener("click", async () => {
    const j = job();
    const zone = j.timezone;
    const now = new Date();
    const from = h("input", {
      id: "backfill-from",
      type: "datetime-local",
      required: true,
      value: isoToWall(new Date(now.getTime() - 3_600_000).toISOString(), zone),
    });
    const to = h("input", {
      id: "backfill-to",
      type: "datetime-local",
      required: true,
      value: isoToWall(now.toISOString(), zone),
    });
    const message = await formDialog({
      title: "Backfill past slots",
      message: `Every slot of “${j.name}” in [from, to) becomes a run, delivered one after another (at most 1,000 slots; times in ${zone}).`,
      confirm: "Backfill",
      fields: [field("backfill-from", "From", from), field("backfill-to", "To", to)],
      submit: async () => {
        const f = wallToIso(from.value, zone);
        const t = wallToIso(to.value, zone);
        if (!f || !t) throw new Error("Give both times.");
        const r = await api.backfill(j.cron_id, { from: f, to: t });
        return `Backfilling ${r.slots} slot${r.slots === 1 ? "" : "s"} (${r.backfill_id}).`;
      },
    });
    if (message) {
      toast(message);
      done();
    }
  });
  if (job().schedule === null) {
    button.disabled = true;
    button.title = "A one-shot job has no slots to backfill";
  }
  return button;
}

/** "Rotate secret": a new signing secret; the previous one keeps signing for 24 h. */
export function rotateButton(job: () => CronRecord, rotated: (j: CronRecord) => void) {
  const button = h("button", { type: "button", class: "small" }, "Rotate");
  button.setAttribute("aria-label", "Rotate signing secret");
  if (!session.canWrite()) disableForReadOnly(button);
  button.addEventListener("click", async () => {
    const yes = await confirmDialog({
      title: "Rotate the signing secret?",
      message:
        "A new secret signs every request from now on. For 24 hours the previous one signs too " +
        "(X-Cron-Signature carries both), so receivers can switch over.",
      confirm: "Rotate secret",
    });
    if (!yes) return;
    button.disabled = true;
    try {
      const j = await api.rotateSecret(job().cron_id);
      toast(
        `Secret rotated; the previous one is valid until ${dateTime(j.previous_secret_expires_at, j.timezone)}.`,
      );
      rotated(j);
    } catch (e) {
      toast(errorText(e), "error");
    } finally {
      button.disabled = false;
    }
  });
  return button;
}

/** Why a paused job is paused, when crondo paused it itself (pause_after_failures). */
export function autoPauseBanner(job: CronRecord) {
  if (job.status !== "paused" || job.paused_reason !== "consecutive_failures") return null;
  const n = job.pause_after_failures;
  return h(
    "div",
    { class: "panel panel-warn", role: "status", id: "auto-pause" },
    h("strong", null, "Paused automatically. "),
    `crondo paused this job after ${n ?? job.consecutive_failures} consecutive failed run${n === 1 ? "" : "s"} (pause_after_failures${n ? ` = ${n}` : ""}). `,
    "Fix the target, then Resume: the next run follows the schedule from now.",
  );
}
