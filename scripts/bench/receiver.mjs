// A lean HTTP receiver on 127.0.0.1 for the benchmarks: it answers every request
// with 200 at once and keeps, per request, only what the figures need: the first
// path segment (which system sent it), X-Cron-Id, X-Cron-Run-Id, X-Cron-Attempt,
// the slot of X-Cron-Scheduled-At and the arrival time (wall clock, fractional ms,
// taken when the request's headers have been parsed: before the body is read).
import { createServer } from "node:http";

/** Wall-clock milliseconds with sub-millisecond resolution. */
export const nowMs = () => performance.timeOrigin + performance.now();

/**
 * Starts the receiver. `records` grows with one object per request:
 * `{ src, job, run, attempt, slot, at }` (`slot` NaN when the header is missing).
 */
export async function startReceiver({ keepAliveMs = 65_000 } = {}) {
  const records = [];
  const server = createServer((req, res) => {
    const at = nowMs();
    const url = req.url ?? "/";
    const end = url.indexOf("/", 1);
    const h = req.headers;
    const scheduled = h["x-cron-scheduled-at"];
    records.push({
      src: url.slice(1, end === -1 ? undefined : end),
      job: h["x-cron-id"] ?? "",
      run: h["x-cron-run-id"] ?? "",
      attempt: Number(h["x-cron-attempt"] ?? 1),
      slot: scheduled ? Date.parse(scheduled) : Number.NaN,
      at,
    });
    req.resume();
    req.on("end", () => {
      res.writeHead(200, { "content-type": "text/plain", "content-length": "2" });
      res.end("ok");
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
    /** Records of source `src` (the first path segment), optionally only from index `from` on. */
    of: (src, from = 0) => records.slice(from).filter((r) => r.src === src),
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
