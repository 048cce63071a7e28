// A lean HTTP receiver on 127.0.0.1 for the benchmarks: it answers every request
// with 200 at once and keeps, per request, only what the figures need: the first
// path segment (which system sent it), X-Cron-Id, X-Cron-Run-Id, X-Cron-Attempt,
// the slot of X-Cron-Scheduled-At and the arrival time (wall clock, fractional ms,
// taken when the request's headers have been parsed: before the body is read).
//
// A target that hangs: `?hold=<ms>` on the URL answers only after that long (the
// overload benchmark's 25 s target). Requests in flight are counted per (source, job),
// from arrival until the answer is sent or the connection closes, with the maximum
// seen per job: `maxInFlight`, `inFlight()`.
import { createServer } from "node:http";

/** Wall-clock milliseconds with sub-millisecond resolution. */
export const nowMs = () => performance.timeOrigin + performance.now();

/**
 * Starts the receiver. `records` grows with one object per request:
 * `{ src, job, run, attempt, slot, at }` (`slot` NaN when the header is missing).
 */
export async function startReceiver({ keepAliveMs = 65_000 } = {}) {
  const records = [];
  /** `src|job` → requests of that job in flight now, and the most seen at once. */
  const current = new Map();
  const maxInFlight = new Map();
  let inFlightTotal = 0;
  let maxInFlightTotal = 0;
  const holds = new Set();
  const server = createServer((req, res) => {
    const at = nowMs();
    const url = req.url ?? "/";
    const end = url.indexOf("/", 1);
    const h = req.headers;
    const scheduled = h["x-cron-scheduled-at"];
    const src = url.slice(1, end === -1 ? undefined : end);
    const job = h["x-cron-id"] ?? "";
    const key = `${src}|${job}`;
    const now = (current.get(key) ?? 0) + 1;
    current.set(key, now);
    if (now > (maxInFlight.get(key) ?? 0)) maxInFlight.set(key, now);
    inFlightTotal++;
    if (inFlightTotal > maxInFlightTotal) maxInFlightTotal = inFlightTotal;
    let open = true;
    res.once("close", () => {
      if (!open) return;
      open = false;
      inFlightTotal--;
      const left = current.get(key) - 1;
      if (left === 0) current.delete(key);
      else current.set(key, left);
    });
    records.push({
      src,
      job,
      run: h["x-cron-run-id"] ?? "",
      attempt: Number(h["x-cron-attempt"] ?? 1),
      slot: scheduled ? Date.parse(scheduled) : Number.NaN,
      at,
    });
    const q = url.indexOf("hold=");
    const hold = q === -1 ? 0 : Number.parseInt(url.slice(q + 5), 10) || 0;
    const answer = () => {
      res.writeHead(200, { "content-type": "text/plain", "content-length": "2" });
      res.end("ok");
    };
    req.resume();
    req.on("end", () => {
      if (hold <= 0) return answer();
      const timer = setTimeout(() => {
        holds.delete(timer);
        answer();
      }, hold);
      holds.add(timer);
    });
  });
  // Senders fire once a second: keep their connections open between ticks.
  server.keepAliveTimeout = keepAliveMs;
  server.headersTimeout = keepAliveMs + 1000;
  server.maxHeadersCount = 100;
  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}`,
    records,
    /** `src|job` → the most requests of that job in flight at once so far. */
    maxInFlight,
    /** Requests in flight now, and the most at once so far (all sources). */
    inFlight: () => ({ now: inFlightTotal, max: maxInFlightTotal }),
    /** Records of source `src` (the first path segment), optionally only from index `from` on. */
    of: (src, from = 0) => records.slice(from).filter((r) => r.src === src),
    close: () =>
      new Promise((resolve) => {
        for (const t of holds) clearTimeout(t);
        holds.clear();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
