// The API client: the key lives in sessionStorage only (never a URL, cookie or
// localStorage) and goes out as `Authorization: Bearer …`; a 401 signs the user out.
import type { CronRecord, CronRun, ErrorDetail, Page, Preview, Stats } from "./types";

const STORAGE_KEY = "crondo.apiKey";

export const session = {
  key: (): string | null => sessionStorage.getItem(STORAGE_KEY),
  signIn: (key: string) => sessionStorage.setItem(STORAGE_KEY, key),
  signOut: () => sessionStorage.removeItem(STORAGE_KEY),
};

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: ErrorDetail[] = [],
    readonly requestId: string | null = null,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

type Listener = (message: string) => void;
let unauthorized: Listener = () => {};
/** Called (once per 401) after the key has been dropped. */
export const onUnauthorized = (fn: Listener) => {
  unauthorized = fn;
};

async function send<T>(
  key: string,
  method: string,
  path: string,
  body?: unknown,
  signal?: AbortSignal,
): Promise<T> {
  const headers: Record<string, string> = { authorization: `Bearer ${key}` };
  if (body !== undefined) headers["content-type"] = "application/json";
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
      credentials: "omit",
      cache: "no-store",
    });
  } catch (e) {
    if (signal?.aborted) throw e;
    throw new ApiError(0, "NETWORK", "crondo could not be reached; check your connection");
  }
  const requestId = res.headers.get("x-request-id");
  let parsed: { ok?: boolean; data?: T; error?: { code: string; message: string; details?: [] } };
  try {
    parsed = await res.json();
  } catch {
    throw new ApiError(res.status, "INTERNAL", `unexpected response (HTTP ${res.status})`);
  }
  if (res.ok && parsed.ok) return parsed.data as T;
  const err = parsed.error ?? { code: "INTERNAL", message: `HTTP ${res.status}` };
  throw new ApiError(res.status, err.code, err.message, err.details ?? [], requestId);
}

async function call<T>(method: string, path: string, body?: unknown, signal?: AbortSignal) {
  const key = session.key();
  if (!key) {
    unauthorized("");
    throw new ApiError(401, "UNAUTHORIZED", "not signed in");
  }
  try {
    return await send<T>(key, method, path, body, signal);
  } catch (e) {
    // Only if the key that failed is still the current one (not an old request's answer).
    if (e instanceof ApiError && e.status === 401 && session.key() === key) {
      session.signOut();
      unauthorized("Your API key was not accepted (it may have been revoked). Sign in again.");
    }
    throw e;
  }
}

/** Checks a key before keeping it: true when the API accepts it. */
export async function verifyKey(key: string): Promise<boolean> {
  try {
    await send<Page<CronRecord>>(key, "GET", "/v1/cron/list?limit=1");
    return true;
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) return false;
    throw e;
  }
}

const id = (s: string) => encodeURIComponent(s);
const query = (q: Record<string, string | number | undefined>) => {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v !== undefined && v !== "") p.set(k, String(v));
  const s = p.toString();
  return s ? `?${s}` : "";
};

export interface ListQuery {
  limit?: number;
  cursor?: string;
  status?: string;
}
export interface RunsQuery {
  limit?: number;
  cursor?: string;
  state?: string;
}

export const api = {
  list: (q: ListQuery, signal?: AbortSignal) =>
    call<Page<CronRecord>>("GET", `/v1/cron/list${query({ ...q })}`, undefined, signal),
  get: (cronId: string, signal?: AbortSignal) =>
    call<CronRecord>("GET", `/v1/cron/get/${id(cronId)}`, undefined, signal),
  create: (body: Record<string, unknown>) => call<CronRecord>("POST", "/v1/cron/create", body),
  update: (cronId: string, patch: Record<string, unknown>) =>
    call<CronRecord>("PATCH", `/v1/cron/update/${id(cronId)}`, patch),
  remove: (cronId: string) =>
    call<{ cron_id: string; deleted: true }>("DELETE", `/v1/cron/delete/${id(cronId)}`),
  pause: (cronId: string) => call<CronRecord>("POST", `/v1/cron/pause/${id(cronId)}`),
  resume: (cronId: string) => call<CronRecord>("POST", `/v1/cron/resume/${id(cronId)}`),
  trigger: (cronId: string) => call<CronRun>("POST", `/v1/cron/trigger/${id(cronId)}`),
  runs: (cronId: string, q: RunsQuery, signal?: AbortSignal) =>
    call<Page<CronRun>>(
      "GET",
      `/v1/cron/runs/list/${id(cronId)}${query({ ...q })}`,
      undefined,
      signal,
    ),
  run: (cronId: string, runId: string, signal?: AbortSignal) =>
    call<CronRun>("GET", `/v1/cron/runs/get/${id(cronId)}/${id(runId)}`, undefined, signal),
  stats: (cronId: string, window = 100, signal?: AbortSignal) =>
    call<Stats>("GET", `/v1/cron/stats/${id(cronId)}${query({ window })}`, undefined, signal),
  preview: (body: { schedule: string; timezone?: string; count?: number }, signal?: AbortSignal) =>
    call<Preview>("POST", "/v1/cron/preview", body, signal),
};

const descriptions = new Map<string, Promise<string>>();
/** The English description of an expression in a zone, fetched once per pair. */
export function describe(schedule: string, timezone: string): Promise<string> {
  const k = `${schedule}\u0000${timezone}`;
  let p = descriptions.get(k);
  if (!p) {
    p = api.preview({ schedule, timezone, count: 1 }).then((r) => r.description);
    descriptions.set(k, p);
    p.catch(() => descriptions.delete(k));
  }
  return p;
}
