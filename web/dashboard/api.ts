// The dashboard's side of the API: the key lives in sessionStorage only (never a URL,
// cookie or localStorage) and goes out as `Authorization: Bearer …` through crondo's own
// client (src/client); a 401 signs the user out. Errors become ApiError for display.
import {
  type ApiKey,
  type BackfillRequest,
  type BulkReplayRequest,
  type CreateJob,
  CrondoClient,
  CrondoError,
  type ErrorDetail,
  type JobStatus,
  type PreviewRequest,
  type RunState,
  type UpdateJob,
} from "../../src/client";

const STORAGE_KEY = "crondo.apiKey";

/** What the signed-in key may do (GET /v1/cron/key), learnt once per key; memory only. */
let access: { key: string; info: ApiKey } | null = null;

export const session = {
  key: (): string | null => sessionStorage.getItem(STORAGE_KEY),
  signIn: (key: string, info: ApiKey) => {
    sessionStorage.setItem(STORAGE_KEY, key);
    access = { key, info };
  },
  signOut: () => {
    sessionStorage.removeItem(STORAGE_KEY);
    access = null;
  },
  /** The key's scopes and expiry, when known for the current key. */
  access: (): ApiKey | null => (access && access.key === session.key() ? access.info : null),
  /**
   * False for a read-only key (scopes ["read"]): the API answers its changes 403
   * FORBIDDEN, so the dashboard shows no action it would refuse.
   */
  canWrite: (): boolean => session.access()?.scopes.includes("write") ?? false,
};

/** Learns what the current key may do (after a reload the key is known, its scopes not). */
export async function loadAccess(signal?: AbortSignal): Promise<ApiKey> {
  const known = session.access();
  if (known) return known;
  const key = session.key();
  const info = await call((c) => c.key(), signal);
  if (key !== null && session.key() === key) access = { key, info };
  return info;
}

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

type ErrorEnvelope = { error?: { code: string; message: string; details?: ErrorDetail[] } };

/**
 * Runs `op` with a client for `key` on this origin. A failure becomes an ApiError with
 * the API's own message (or one saying what went wrong on the way); an abort stays one.
 */
async function send<T>(
  key: string,
  op: (client: CrondoClient) => Promise<T>,
  signal?: AbortSignal,
): Promise<T> {
  let status = 0;
  const client = new CrondoClient({
    baseUrl: "",
    apiKey: key,
    fetch: async (input, init) => {
      let res: Response;
      try {
        res = await fetch(input, { ...init, signal, credentials: "omit", cache: "no-store" });
      } catch (e) {
        if (signal?.aborted) throw e;
        throw new ApiError(0, "NETWORK", "crondo could not be reached; check your connection");
      }
      status = res.status;
      if (res.ok) return res;
      // An error answer is read here, so that its message reaches the user unprefixed.
      const requestId = res.headers.get("x-request-id");
      let parsed: ErrorEnvelope;
      try {
        parsed = await res.json();
      } catch {
        throw new ApiError(res.status, "INTERNAL", `unexpected response (HTTP ${res.status})`);
      }
      const err = parsed.error ?? { code: "INTERNAL", message: `HTTP ${res.status}` };
      throw new ApiError(res.status, err.code, err.message, err.details ?? [], requestId);
    },
  });
  try {
    return await op(client);
  } catch (e) {
    if (e instanceof ApiError || signal?.aborted) throw e;
    if (e instanceof CrondoError) {
      throw new ApiError(e.status, e.code, e.message, e.details, e.requestId);
    }
    // A 2xx whose body is not crondo's JSON envelope.
    throw new ApiError(status, "INTERNAL", `unexpected response (HTTP ${status})`);
  }
}

async function call<T>(op: (client: CrondoClient) => Promise<T>, signal?: AbortSignal) {
  const key = session.key();
  if (!key) {
    unauthorized("");
    throw new ApiError(401, "UNAUTHORIZED", "not signed in");
  }
  try {
    return await send(key, op, signal);
  } catch (e) {
    // Only if the key that failed is still the current one (not an old request's answer).
    if (e instanceof ApiError && e.status === 401 && session.key() === key) {
      session.signOut();
      unauthorized("Your API key was not accepted (it may have been revoked). Sign in again.");
    }
    throw e;
  }
}

/** Checks a key before keeping it: what it may do when the API accepts it, else null. */
export async function verifyKey(key: string): Promise<ApiKey | null> {
  try {
    return await send(key, (c) => c.key());
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) return null;
    throw e;
  }
}

/**
 * A filter as the page has it (from the address or a select): left empty ("all") it is
 * not sent; any other value goes as it is, and the API answers an unknown one with a 400.
 */
const filter = <T extends string>(value: string | undefined) => (value || undefined) as T;

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
    call(
      (c) => c.list({ ...q, cursor: filter(q.cursor), status: filter<JobStatus>(q.status) }),
      signal,
    ),
  get: (cronId: string, signal?: AbortSignal) => call((c) => c.get(cronId), signal),
  create: (body: CreateJob) => call((c) => c.create(body)),
  update: (cronId: string, patch: UpdateJob) => call((c) => c.update(cronId, patch)),
  remove: (cronId: string) => call((c) => c.delete(cronId)),
  pause: (cronId: string) => call((c) => c.pause(cronId)),
  resume: (cronId: string) => call((c) => c.resume(cronId)),
  trigger: (cronId: string) => call((c) => c.trigger(cronId)),
  runs: (cronId: string, q: RunsQuery, signal?: AbortSignal) =>
    call(
      (c) =>
        c.runs.list(cronId, { ...q, cursor: filter(q.cursor), state: filter<RunState>(q.state) }),
      signal,
    ),
  run: (cronId: string, runId: string, signal?: AbortSignal) =>
    call((c) => c.runs.get(cronId, runId), signal),
  stats: (cronId: string, window = 100, signal?: AbortSignal) =>
    call((c) => c.stats(cronId, window), signal),
  preview: (body: PreviewRequest, signal?: AbortSignal) => call((c) => c.preview(body), signal),
  overview: (signal?: AbortSignal) => call((c) => c.overview(), signal),
  replay: (cronId: string, runId: string) => call((c) => c.runs.replay(cronId, runId)),
  cancel: (cronId: string, runId: string) => call((c) => c.runs.cancel(cronId, runId)),
  replayMany: (cronId: string, body: BulkReplayRequest) =>
    call((c) => c.runs.replayMany(cronId, body)),
  backfill: (cronId: string, range: BackfillRequest) => call((c) => c.backfill(cronId, range)),
  rotateSecret: (cronId: string) => call((c) => c.rotateSecret(cronId)),
  audit: (cronId: string, q: { limit?: number; cursor?: string }, signal?: AbortSignal) =>
    call((c) => c.audit(cronId, q), signal),
  /** The tenant's runs across its jobs, newest first (SPEC §11). */
  tenantRuns: (q: RunsQuery, signal?: AbortSignal) =>
    call(
      (c) => c.runs.listAll({ ...q, cursor: filter(q.cursor), state: filter<RunState>(q.state) }),
      signal,
    ),
};

const descriptions = new Map<string, Promise<string>>();
/**
 * The English description of an expression in a zone, fetched once per pair. None for a
 * read-only key: /preview is a POST, which the read scope does not allow (SPEC §8).
 */
export function describe(schedule: string, timezone: string): Promise<string> {
  if (!session.canWrite()) return Promise.resolve("");
  const k = `${schedule}\u0000${timezone}`;
  let p = descriptions.get(k);
  if (!p) {
    p = api.preview({ schedule, timezone, count: 1 }).then((r) => r.description);
    descriptions.set(k, p);
    p.catch(() => descriptions.delete(k));
  }
  return p;
}
