import type { MiddlewareHandler } from "hono";
import { configOf } from "../env";
import { log } from "../lib/log";
import { CRON_ID_IN_TEXT, RUN_ID_IN_TEXT, ulid } from "../lib/ulid";
import type { AppEnv } from "./context";

/** A request that took at least this long is logged whatever LOG_REQUESTS says. */
export const SLOW_REQUEST_MS = 1_000;

const READS = new Set(["GET", "HEAD", "OPTIONS"]);

/**
 * Whether a request gets its `http.request` line (README "Logs"). With LOG_REQUESTS=all,
 * every one. By default ("writes"): every request that may change something (not a GET,
 * HEAD or OPTIONS), every refused or failed one (status 400 and up) and every slow one.
 * What is left out is the quick successful read — dashboard polling, a metrics scrape —
 * which the platform's own request log (`wrangler tail`, Workers Logs) lists anyway, and
 * whose line cost about as much CPU as the job's object RPC of a get under local wrangler
 * dev (BENCHMARKS.md, api-latency, "floor, one call").
 */
export function requestLogged(
  every: boolean,
  method: string,
  status: number,
  durationMs: number,
): boolean {
  return every || !READS.has(method) || status >= 400 || durationMs >= SLOW_REQUEST_MS;
}

/** LOG_REQUESTS of this environment; a misconfigured one logs every request. */
function logEveryRequest(env: AppEnv["Bindings"]): boolean {
  try {
    return configOf(env).logEveryRequest;
  } catch {
    return true;
  }
}

/**
 * The outermost middleware: gives the request its id (`X-Request-Id`, quoted in error
 * reports) and writes its `http.request` line when `requestLogged` says so. Ids only —
 * never bodies, payloads, headers or keys.
 */
export const accessLog: MiddlewareHandler<AppEnv> = async (c, next) => {
  const request_id = `req_${ulid()}`;
  c.set("request_id", request_id);
  const started = Date.now();
  await next();
  c.res.headers.set("X-Request-Id", request_id);
  const duration_ms = Date.now() - started;
  const { method } = c.req;
  const status = c.res.status;
  if (!requestLogged(logEveryRequest(c.env), method, status, duration_ms)) return;
  const path = new URL(c.req.url).pathname;
  log("http.request", {
    request_id,
    tenant_id: c.var.tenant_id ?? null,
    method,
    path: path.slice(0, 200),
    cron_id: CRON_ID_IN_TEXT.exec(path)?.[0] ?? null,
    run_id: RUN_ID_IN_TEXT.exec(path)?.[0] ?? null,
    status,
    duration_ms,
  });
};
