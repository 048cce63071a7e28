// Small HTTP client for the e2e tests: talks to a running crondo over real HTTP and
// checks the invariants every response must satisfy (X-Request-Id, JSON envelope).
import { randomUUID } from "node:crypto";
import { expect } from "vitest";
import { FINISHED_STATES } from "../../src/job/types";
import type { Received } from "../helpers/receiver";
import { waitFor } from "../helpers/wait";

export interface ApiResponse<T = any> {
  status: number;
  headers: Headers;
  text: string;
  body: { ok: boolean; data: T; error: { code: string; message: string; details: any[] } };
}

export interface CallOptions {
  /** Raw body text (sent as is); otherwise `json` is serialized. */
  raw?: string;
  json?: unknown;
  headers?: Record<string, string>;
  /** `null`: no Authorization header. */
  key?: string | null;
}

/** A client bound to one server and one API key. */
export function client(baseUrl: string, key: string) {
  async function call<T = any>(
    method: string,
    path: string,
    opts: CallOptions = {},
  ): Promise<ApiResponse<T>> {
    const headers: Record<string, string> = { ...opts.headers };
    const k = opts.key === undefined ? key : opts.key;
    if (k !== null) headers.authorization = `Bearer ${k}`;
    let body: string | undefined;
    if (opts.raw !== undefined) body = opts.raw;
    else if (opts.json !== undefined) body = JSON.stringify(opts.json);
    if (body !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === "content-type"))
      headers["content-type"] = "application/json";
    const res = await fetch(`${baseUrl}${path}`, {
      method,
      headers,
      body,
      signal: AbortSignal.timeout(30_000),
    });
    const text = await res.text();
    // SPEC §2: every response carries X-Request-Id, and never a 5xx for anything a client sent.
    expect(res.headers.get("x-request-id"), `${method} ${path}: X-Request-Id`).toMatch(/^req_/);
    let parsed: any;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new Error(`${method} ${path}: non-JSON response ${res.status}: ${text.slice(0, 300)}`);
    }
    return { status: res.status, headers: res.headers, text, body: parsed };
  }
  return {
    call,
    get: <T = any>(path: string, opts?: CallOptions) => call<T>("GET", path, opts),
    post: <T = any>(path: string, json?: unknown, opts?: CallOptions) =>
      call<T>("POST", path, { ...opts, json }),
    patch: <T = any>(path: string, json?: unknown, opts?: CallOptions) =>
      call<T>("PATCH", path, { ...opts, json }),
    put: <T = any>(path: string, json?: unknown, opts?: CallOptions) =>
      call<T>("PUT", path, { ...opts, json }),
    del: <T = any>(path: string, opts?: CallOptions) => call<T>("DELETE", path, opts),
  };
}
export type Client = ReturnType<typeof client>;

/** A receiver path no other test uses: `/<kind>/<uuid>` (e.g. kind "ok" or "status/500"). */
export const uniquePath = (kind = "ok") => `/${kind}/${randomUUID()}`;

/** Requests the receiver got for exactly this path, in arrival order. */
export const requestsTo = (requests: Received[], path: string) =>
  requests.filter((r) => r.path === path);

/**
 * A fixed pause, for deliberate timing only (placing a kill inside a second, holding a
 * server down): a test that waits for something uses `waitFor` (../helpers/wait).
 */
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const FINISHED = new Set<string>(FINISHED_STATES);

/** Polls runs.get until the run has finished (succeeded, failed or skipped); returns it. */
export async function finishedRun(api: Client, cronId: string, runId: string, timeoutMs = 30_000) {
  return waitFor(
    async () => {
      const res = await api.get(`/v1/cron/runs/get/${cronId}/${runId}`);
      expect(res.status, res.text).toBe(200);
      return FINISHED.has(res.body.data.state) ? res.body.data : undefined;
    },
    { what: `run ${runId} to finish`, timeoutMs, stepMs: 250 },
  );
}

/**
 * Waits until crondo has fired a slot at or after `t` (a throwaway every-second job that
 * targets `receiver`): the positive event after which a firing due before `t`, one that
 * must not happen, would have been seen.
 */
export async function crondoFiredPast(
  api: Client,
  receiver: { url: string; requests: Received[] },
  t: number,
) {
  const path = uniquePath("ok/clock");
  const res = await api.post("/v1/cron/create", {
    name: "clock",
    schedule: "* * * * * *",
    url: `${receiver.url}${path}`,
  });
  expect(res.status, res.text).toBe(201);
  await waitFor(
    () =>
      requestsTo(receiver.requests, path).some(
        (r) => Date.parse(r.headers["x-cron-scheduled-at"] ?? "") >= t,
      ),
    {
      what: `crondo to fire a slot at or after ${new Date(t).toISOString()}`,
      timeoutMs: Math.max(0, t - Date.now()) + 15_000,
    },
  );
  expect((await api.del(`/v1/cron/delete/${res.body.data.cron_id}`)).status).toBe(200);
}

/** Every run of a job, all pages (newest first, as runs.list returns them). */
export async function allRuns(api: Client, cronId: string): Promise<any[]> {
  const items: any[] = [];
  let cursor: string | null = null;
  do {
    const q: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : "";
    const res = await api.get(`/v1/cron/runs/list/${cronId}?limit=100${q}`);
    expect(res.status, res.text).toBe(200);
    items.push(...res.body.data.items);
    cursor = res.body.data.next_cursor;
  } while (cursor);
  return items;
}
