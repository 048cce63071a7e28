// Hash routing: #/overview, #/jobs, #/jobs/<id>, #/new, #/jobs/<id>/edit,
// #/jobs/<id>/runs/<run_id>.

export type Route =
  | { name: "jobs"; query: URLSearchParams }
  | { name: "overview"; query: URLSearchParams }
  | { name: "new"; query: URLSearchParams }
  | { name: "job"; id: string; query: URLSearchParams }
  | { name: "edit"; id: string; query: URLSearchParams }
  | { name: "run"; id: string; runId: string; query: URLSearchParams }
  | { name: "not-found"; query: URLSearchParams };

export function parseRoute(hash: string): Route {
  const raw = hash.replace(/^#/, "");
  const [path = "", search = ""] = raw.split("?", 2);
  const query = new URLSearchParams(search);
  const seg = path
    .split("/")
    .filter(Boolean)
    .map((s) => {
      try {
        return decodeURIComponent(s);
      } catch {
        return s;
      }
    });
  if (seg.length === 0 || (seg.length === 1 && seg[0] === "jobs")) return { name: "jobs", query };
  if (seg.length === 1 && seg[0] === "new") return { name: "new", query };
  if (seg.length === 1 && seg[0] === "overview") return { name: "overview", query };
  if (seg[0] === "jobs" && seg[1]) {
    if (seg.length === 2) return { name: "job", id: seg[1], query };
    if (seg.length === 3 && seg[2] === "edit") return { name: "edit", id: seg[1], query };
    if (seg.length === 4 && seg[2] === "runs" && seg[3])
      return { name: "run", id: seg[1], runId: seg[3], query };
  }
  return { name: "not-found", query };
}

const enc = encodeURIComponent;
export const links = {
  jobs: (status?: string) => (status ? `#/jobs?status=${enc(status)}` : "#/jobs"),
  job: (id: string) => `#/jobs/${enc(id)}`,
  edit: (id: string) => `#/jobs/${enc(id)}/edit`,
  run: (id: string, runId: string) => `#/jobs/${enc(id)}/runs/${enc(runId)}`,
  create: () => "#/new",
  overview: () => "#/overview",
};

export const go = (hash: string) => {
  if (location.hash === hash) window.dispatchEvent(new HashChangeEvent("hashchange"));
  else location.hash = hash;
};

/** Resolves after `ms`, or rejects when the view is left (signal aborted). */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const t = setTimeout(resolve, ms);
    signal.addEventListener(
      "abort",
      () => {
        clearTimeout(t);
        reject(signal.reason);
      },
      { once: true },
    );
  });
}

/** Longest wait between two calls after failures (the delay doubles per failure). */
export const MAX_BACKOFF_MS = 60_000;

/**
 * Keeps a view current by polling: calls `tick` until the view is left; `tick` returns
 * the delay before its next call. Polling, not server-sent events: every view reads
 * several D1 queries whose answers no one pushes (runs land from many job objects), so a
 * stream would have the Worker poll D1 on the page's behalf and hold a connection per tab
 * for it. A failed tick backs off (doubling, up to MAX_BACKOFF_MS) and the next success
 * resets it; while the tab is hidden nothing is called, and showing it again refreshes at
 * once. `now()` cuts the current wait short (e.g. right after an action).
 */
export function poller(signal: AbortSignal, tick: () => Promise<number>, firstDelay: number) {
  let wake = () => {};
  const wait = (ms: number) =>
    new Promise<void>((resolve) => {
      const t = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(t);
        resolve();
      };
      signal.addEventListener("abort", wake, { once: true });
    });
  const visible = () =>
    new Promise<void>((resolve) => {
      if (!document.hidden || signal.aborted) return resolve();
      const done = () => {
        if (document.hidden && !signal.aborted) return;
        document.removeEventListener("visibilitychange", done);
        resolve();
      };
      document.addEventListener("visibilitychange", done);
      signal.addEventListener("abort", done, { once: true });
    });
  (async () => {
    await wait(firstDelay);
    let failures = 0;
    while (!signal.aborted) {
      await visible();
      if (signal.aborted) break;
      let delay: number;
      try {
        delay = await tick();
        failures = 0;
      } catch {
        // a failed refresh shows its own error; try again later, and later each time
        failures++;
        delay = Math.min(MAX_BACKOFF_MS, 2_000 * 2 ** (failures - 1));
      }
      if (!signal.aborted) await wait(delay);
    }
  })();
  return { now: () => wake() };
}

/** What a view gets: where to render, its route, and a signal aborted when it is left. */
export interface ViewContext<R extends Route = Route> {
  root: HTMLElement;
  route: R;
  signal: AbortSignal;
}
