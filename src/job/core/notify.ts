// Which events a job sends (SPEC §12), decided here so that the shell only delivers
// them: an event goes to notify_url when it is one of the job's notify_events, and a
// run's final failure also to the legacy on_failure_webhook (SPEC §4), which keeps its
// own body. Status events — job.paused, job.completed — follow from comparing the job
// before and after an event, so that every path to a pause or a completion sends one.
import type { JobState, NotifyEvent, RunRow } from "../types";
import type { Effect, Step } from "./step";

/** The notify effect of `event`, or none when nobody wants it. */
export function eventEffects(state: JobState, event: NotifyEvent, row: RunRow | null): Effect[] {
  const { notify_url, notify_events, on_failure_webhook } = state.config;
  const to_notify_url = notify_url !== null && notify_events.includes(event);
  const legacy = event === "run.failed" && on_failure_webhook !== null;
  return to_notify_url || legacy ? [{ type: "notify", event, row, to_notify_url, legacy }] : [];
}

/** job.paused or job.completed when the job's status changed into it. */
export function statusEvents(before: JobState, after: JobState): Effect[] {
  if (before.status === after.status) return [];
  if (after.status === "paused") return eventEffects(after, "job.paused", null);
  if (after.status === "completed") return eventEffects(after, "job.completed", null);
  return [];
}

/** An event of the core, with the status events it caused appended (in that order). */
export function evented<A extends unknown[], S extends Step>(
  event: (state: JobState, ...args: A) => S,
): (state: JobState, ...args: A) => S {
  return (state, ...args) => {
    const step = event(state, ...args);
    const extra = statusEvents(state, step.state);
    return extra.length === 0 ? step : { ...step, effects: [...step.effects, ...extra] };
  };
}
