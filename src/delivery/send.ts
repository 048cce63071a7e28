import { signingSecrets } from "../job/core";
import type { Notification } from "../job/outbox";
import type { AttemptResult, JobConfig, JobState } from "../job/types";
import { signatureHeader } from "../lib/signature";
import { iso } from "../lib/time";
import { VERSION } from "../lib/version";
import type { Place, SendInstants } from "./capacity";
import { checkTargetUrl } from "./url-guard";

export const MAX_REDIRECTS = 5;
export const RESPONSE_BODY_LIMIT = 4096;
const MAX_RETRY_AFTER_SECONDS = 3600;

export interface DeliveryJob
  extends Partial<Pick<JobState, "previous_secret" | "previous_secret_expires_at">> {
  cron_id: string;
  signing_secret: string;
  config: Pick<JobConfig, "url" | "method" | "payload" | "headers" | "timeout_seconds">;
}

export interface AttemptInfo {
  run_id: string;
  attempt: number;
  scheduled_for: number;
}

/** The request of SPEC §4 for one attempt: job headers first, crondo's own on top. */
export async function buildRequest(job: DeliveryJob, info: AttemptInfo, now: number) {
  const { method, payload } = job.config;
  // GET cannot carry a body in the Fetch standard: a GET job sends its payload nowhere.
  const body = payload === null || method === "GET" ? "" : JSON.stringify(payload);
  const headers = new Headers(job.config.headers);
  if (body && !headers.has("content-type")) headers.set("Content-Type", "application/json");
  headers.set("User-Agent", `crondo/${VERSION}`);
  headers.set("X-Cron-Id", job.cron_id);
  headers.set("X-Cron-Run-Id", info.run_id);
  headers.set("X-Cron-Attempt", String(info.attempt));
  headers.set("X-Cron-Scheduled-At", iso(info.scheduled_for)!);
  headers.set("Idempotency-Key", info.run_id);
  headers.set("X-Cron-Signature", await signatureHeader(secretsOf(job, now), body, unix(now)));
  return { method, headers, body: body || undefined };
}

function retryAfterSeconds(res: Response, now: number): number | null {
  if (res.status !== 429 && res.status !== 503) return null;
  const v = res.headers.get("retry-after");
  if (!v) return null;
  const secs = /^\d+$/.test(v.trim()) ? Number(v.trim()) : (Date.parse(v) - now) / 1000;
  if (!Number.isFinite(secs)) return null;
  return Math.min(MAX_RETRY_AFTER_SECONDS, Math.max(0, Math.ceil(secs)));
}

async function readPrefix(res: Response, limit: number): Promise<string> {
  if (!res.body) return "";
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < limit) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } finally {
    reader.cancel().catch(() => {});
  }
  const all = new Uint8Array(Math.min(size, limit));
  let off = 0;
  for (const c of chunks) {
    const part = c.subarray(0, Math.min(c.byteLength, all.byteLength - off));
    all.set(part, off);
    off += part.byteLength;
    if (off >= all.byteLength) break;
  }
  return new TextDecoder().decode(all);
}

export interface SendOptions {
  allowPrivate: boolean;
  /** Aborts the attempt; a string reason becomes its error ("aborted: <reason>"). */
  signal?: AbortSignal;
  fetcher?: typeof fetch;
  /**
   * When the request must leave (epoch ms): it is built and signed at once, then
   * sent at that instant (pre-armed firing). Default: now.
   */
  sendAt?: number;
  /**
   * A place among the requests in flight (src/delivery/capacity.ts), taken at the
   * instant of sending; refused, the attempt fails without being sent. Default: no bound.
   */
  acquire?: () => Place;
  /** Where an attempt waiting for its instant is registered until its request leaves. */
  instants?: SendInstants;
}

/** Resolves true at `at`, or false as soon as `signal` aborts. */
function waitUntil(at: number, signal: AbortSignal | undefined): Promise<boolean> {
  if (signal?.aborted) return Promise.resolve(false);
  const ms = at - Date.now();
  if (ms <= 0) return Promise.resolve(true);
  return new Promise((resolve) => {
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve(true);
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

const abortReason = (signal: AbortSignal | undefined) =>
  `aborted: ${typeof signal?.reason === "string" ? signal.reason : "the job was deleted"}`;

/**
 * Sends one attempt with the job's timeout, following up to 5 redirects, each hop
 * re-checked by the URL guard. Never throws: every failure becomes an AttemptResult.
 */
export async function sendAttempt(
  job: DeliveryJob,
  info: AttemptInfo,
  opts: SendOptions,
): Promise<AttemptResult> {
  const sendAt = opts.sendAt ?? Date.now();
  // Everything that can happen before the instant does: build and sign now, send then.
  let request: Awaited<ReturnType<typeof buildRequest>>;
  try {
    request = await buildRequest(job, info, Math.max(Date.now(), sendAt));
  } catch (e) {
    return notSent(`could not build the request: ${e instanceof Error ? e.message : String(e)}`);
  }
  const token = opts.instants?.wait(sendAt);
  // Registered while it waits for its instant: work after responses waits for it
  // (capacity.ts SendInstants); it leaves once its request has left, or never will.
  const left = () => {
    if (token !== undefined) opts.instants?.sent(token);
  };
  try {
    if (!(await waitUntil(sendAt, opts.signal))) return notSent(abortReason(opts.signal));
    const place = opts.acquire?.() ?? { release: () => {} };
    if ("refused" in place) return notSent(place.refused);
    try {
      return await deliver(job, request, opts, left);
    } finally {
      place.release();
    }
  } finally {
    // Its result is in, or it never left (aborted, refused by the gate or the URL guard).
    if (token !== undefined) opts.instants?.answered(token);
  }
}

/**
 * The request at its instant, redirects followed by hand (each hop through the URL
 * guard), bounded by the job's timeout; `left` is called as soon as it has gone out.
 */
async function deliver(
  job: DeliveryJob,
  request: Awaited<ReturnType<typeof buildRequest>>,
  opts: SendOptions,
  left: () => void,
): Promise<AttemptResult> {
  const started_at = Date.now();
  const timeoutMs = job.config.timeout_seconds * 1000;
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, timeoutMs);
  const onOuterAbort = () => controller.abort();
  opts.signal?.addEventListener("abort", onOuterAbort);
  const done = (r: Omit<AttemptResult, "started_at" | "duration_ms">): AttemptResult => ({
    started_at,
    duration_ms: Date.now() - started_at,
    ...r,
  });
  const failed = (error: string, response_status: number | null = null) =>
    done({ ok: false, response_status, error, response_body: null, retry_after_seconds: null });

  try {
    let { method, headers, body } = request;
    let url = job.config.url;
    for (let hop = 0; ; hop++) {
      const guard = checkTargetUrl(url, { allowPrivate: opts.allowPrivate });
      if (!guard.ok) return failed(`refused by the URL guard: ${guard.reason}`);
      const response = (opts.fetcher ?? fetch)(guard.url.toString(), {
        method,
        headers,
        body,
        redirect: "manual",
        signal: controller.signal,
      });
      left(); // the request has left (or failed to): other work may go ahead
      const res = await response;
      const location = res.headers.get("location");
      if (res.status >= 300 && res.status < 400 && location) {
        res.body?.cancel().catch(() => {});
        if (hop >= MAX_REDIRECTS)
          return failed(`too many redirects (more than ${MAX_REDIRECTS})`, res.status);
        url = new URL(location, url).toString();
        // 303, and 301/302 after a POST, continue as GET without a body (as browsers do).
        if (
          res.status === 303 ||
          ((res.status === 301 || res.status === 302) && method === "POST")
        ) {
          method = "GET";
          body = undefined;
          headers = new Headers(headers);
          headers.delete("content-type");
        }
        continue;
      }
      const response_body = await readPrefix(res, RESPONSE_BODY_LIMIT);
      const ok = res.status >= 200 && res.status < 300;
      return done({
        ok,
        response_status: res.status,
        error: ok ? null : `HTTP ${res.status}`,
        response_body,
        retry_after_seconds: retryAfterSeconds(res, Date.now()),
      });
    }
  } catch (e) {
    if (timedOut)
      return failed(`timeout: no complete response within ${job.config.timeout_seconds} s`);
    if (controller.signal.aborted) return failed(abortReason(opts.signal));
    return failed(`network error: ${e instanceof Error ? e.message : String(e)}`);
  } finally {
    clearTimeout(timer);
    opts.signal?.removeEventListener("abort", onOuterAbort);
  }
}

/** An attempt that never left (aborted while it waited for its instant, or refused by the gate). */
function notSent(error: string): AttemptResult {
  return {
    started_at: Date.now(),
    duration_ms: 0,
    ok: false,
    response_status: null,
    error,
    response_body: null,
    retry_after_seconds: null,
  };
}

/**
 * One signed POST of a notification (SPEC §12): 10 s, no redirects, the URL guard checked
 * again. "refused": the guard refused the target (a retry cannot help).
 */
export async function sendNotification(
  job: Pick<
    DeliveryJob,
    "cron_id" | "signing_secret" | "previous_secret" | "previous_secret_expires_at"
  >,
  event: Pick<Notification, "id" | "type" | "target" | "body">,
  opts: SendOptions & { timeoutMs: number },
): Promise<{
  outcome: "delivered" | "failed" | "refused";
  status: number | null;
  error: string | null;
}> {
  const guard = checkTargetUrl(event.target, { allowPrivate: opts.allowPrivate });
  if (!guard.ok) return { outcome: "refused", status: null, error: guard.reason };
  const now = Date.now();
  const place = opts.acquire?.() ?? { release: () => {} };
  if ("refused" in place) return { outcome: "failed", status: null, error: place.refused };
  try {
    const res = await (opts.fetcher ?? fetch)(guard.url.toString(), {
      method: "POST",
      redirect: "manual",
      signal: opts.signal
        ? AbortSignal.any([opts.signal, AbortSignal.timeout(opts.timeoutMs)])
        : AbortSignal.timeout(opts.timeoutMs),
      headers: {
        "Content-Type": "application/json",
        "User-Agent": `crondo/${VERSION}`,
        "X-Cron-Id": job.cron_id,
        "X-Cron-Event": event.type,
        "X-Cron-Event-Id": event.id,
        "Idempotency-Key": event.id,
        "X-Cron-Signature": await signatureHeader(secretsOf(job, now), event.body, unix(now)),
      },
      body: event.body,
    });
    res.body?.cancel().catch(() => {});
    return res.ok
      ? { outcome: "delivered", status: res.status, error: null }
      : { outcome: "failed", status: res.status, error: `HTTP ${res.status}` };
  } catch (e) {
    return { outcome: "failed", status: null, error: e instanceof Error ? e.message : String(e) };
  } finally {
    place.release();
  }
}

const unix = (ms: number) => Math.floor(ms / 1000);

/** The secrets a request is signed with at `now` (two while a rotation overlaps). */
const secretsOf = (
  job: Pick<DeliveryJob, "signing_secret" | "previous_secret" | "previous_secret_expires_at">,
  now: number,
) =>
  signingSecrets(
    {
      signing_secret: job.signing_secret,
      previous_secret: job.previous_secret ?? null,
      previous_secret_expires_at: job.previous_secret_expires_at ?? null,
    },
    now,
  );
