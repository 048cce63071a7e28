// A small typed client for crondo's API. Types come from the same zod schemas and
// record builders the server uses, so a change to the API breaks callers at compile time.
//
//   const crondo = new CrondoClient({ baseUrl: "https://crondo.example.workers.dev", apiKey });
//   const job = await crondo.create({ schedule: "*/5 * * * *", url: "https://example.com/hook" });
//   const { items } = await crondo.runs.list(job.cron_id, { limit: 10 });
import type { z } from "zod";
import type { ErrorCode, ErrorDetail } from "../api/errors";
import type {
  ApiKeySchema,
  AuditEntrySchema,
  BackfillSchema,
  JobSummarySchema,
  OverviewSchema,
  ReplayAcceptedSchema,
} from "../api/models";
import type {
  backfillSchema,
  bulkReplaySchema,
  createJobSchema,
  previewSchema,
  tenantRunsQuerySchema,
  updateJobSchema,
} from "../api/schemas";
import type { CronRecord, CronRun } from "../job/record";
import type { JobStats } from "../job/stats";
import type { JobStatus, RunState } from "../job/types";

export type {
  HttpMethod,
  JobStatus,
  MisfirePolicy,
  NotifyEvent,
  OverlapPolicy,
  PausedReason,
  RunState,
  RunTrigger,
} from "../job/types";
export {
  FINISHED_STATES,
  HTTP_METHODS,
  JOB_STATUSES,
  MISFIRE_POLICIES,
  NOTIFY_EVENTS,
  OVERLAP_POLICIES,
  PAUSED_REASONS,
  RUN_STATES,
  RUN_TRIGGERS,
  SKIP_REASONS,
  type SkipReason,
} from "../job/types";
export type { CronRecord, CronRun, ErrorCode, ErrorDetail, JobStats };
export type CreateJob = z.input<typeof createJobSchema>;
export type UpdateJob = z.input<typeof updateJobSchema>;
export type PreviewRequest = z.input<typeof previewSchema>;
/** The calling API key (`key()`): what it may do and until when. */
export type ApiKey = z.output<typeof ApiKeySchema>;
export type { KeyScope } from "../lib/key-record.mjs";
export type BackfillRequest = Omit<z.input<typeof backfillSchema>, "idempotency_key">;
export type BackfillAccepted = z.infer<typeof BackfillSchema>;
/** What `list` adds to each record (next run from the schedule, description, success). */
export type JobSummary = z.infer<typeof JobSummarySchema>;
export type CronListItem = CronRecord & { summary: JobSummary };
/** The tenant overview (`overview()`): runs per minute, fire lag over time, next fires. */
export type Overview = z.infer<typeof OverviewSchema>;
/** A bulk replay (SPEC §11): which finished runs of a job to run again. */
export type BulkReplayRequest = Omit<z.input<typeof bulkReplaySchema>, "idempotency_key">;
export type ReplayAccepted = z.infer<typeof ReplayAcceptedSchema>;
/** Filters of the tenant-wide runs list (SPEC §11). */
export type TenantRunsQuery = Partial<
  Omit<z.output<typeof tenantRunsQuerySchema>, "limit" | "cursor"> & {
    limit: number;
    cursor: string;
  }
>;
/** One entry of a job's audit log (SPEC §11). */
export type AuditEntry = z.infer<typeof AuditEntrySchema>;
export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}
export interface Preview {
  schedule: string;
  timezone: string;
  description: string;
  next: string[];
}

export class CrondoError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
    readonly details: ErrorDetail[],
    readonly requestId: string | null,
  ) {
    super(`${code}: ${message}`);
    this.name = "CrondoError";
  }
}

/** The answer was not crondo's JSON envelope (a proxy's error page, a wrong URL). */
export class CrondoProtocolError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = "CrondoProtocolError";
  }
}

export interface ClientOptions {
  baseUrl: string;
  apiKey: string;
  fetch?: (input: string, init: RequestInit) => Promise<Response>;
}

/** Options of every mutating call: an idempotency key makes a retry safe (SPEC §9). */
export interface MutationOptions {
  idempotencyKey?: string;
}

export class CrondoClient {
  private readonly base: string;
  private readonly doFetch: NonNullable<ClientOptions["fetch"]>;

  constructor(private readonly opts: ClientOptions) {
    this.base = opts.baseUrl.replace(/\/+$/, "");
    this.doFetch = opts.fetch ?? ((input, init) => fetch(input, init));
  }

  private async call<T>(
    method: string,
    path: string,
    body?: unknown,
    options: MutationOptions = {},
  ): Promise<T> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.opts.apiKey}` };
    if (body !== undefined) headers["content-type"] = "application/json";
    if (options.idempotencyKey) headers["idempotency-key"] = options.idempotencyKey;
    const res = await this.doFetch(`${this.base}/v1/cron${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let json:
      | { ok: true; data: T }
      | { ok: false; error: { code: ErrorCode; message: string; details: ErrorDetail[] } };
    try {
      json = JSON.parse(text);
    } catch {
      throw new CrondoProtocolError(
        res.status,
        `HTTP ${res.status} from ${method} ${path} is not a crondo answer: ${JSON.stringify(text.slice(0, 80))}`,
      );
    }
    if (json === null || typeof json !== "object" || typeof json.ok !== "boolean") {
      throw new CrondoProtocolError(
        res.status,
        `HTTP ${res.status} from ${method} ${path} is not a crondo envelope`,
      );
    }
    if (!json.ok) {
      throw new CrondoError(
        res.status,
        json.error.code,
        json.error.message,
        json.error.details,
        res.headers.get("x-request-id"),
      );
    }
    return json.data;
  }

  private static query(params: Record<string, string | number | undefined>): string {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) if (v !== undefined) q.set(k, String(v));
    const s = q.toString();
    return s ? `?${s}` : "";
  }

  create(job: CreateJob, options?: MutationOptions) {
    return this.call<CronRecord>("POST", "/create", job, options);
  }
  list(params: { limit?: number; cursor?: string; status?: JobStatus } = {}) {
    return this.call<Page<CronListItem>>("GET", `/list${CrondoClient.query(params)}`);
  }
  get(cronId: string) {
    return this.call<CronRecord>("GET", `/get/${encodeURIComponent(cronId)}`);
  }
  update(cronId: string, patch: UpdateJob, options?: MutationOptions) {
    return this.call<CronRecord>("PATCH", `/update/${encodeURIComponent(cronId)}`, patch, options);
  }
  delete(cronId: string, options?: MutationOptions) {
    return this.call<{ cron_id: string; deleted: true }>(
      "DELETE",
      `/delete/${encodeURIComponent(cronId)}`,
      undefined,
      options,
    );
  }
  pause(cronId: string, options?: MutationOptions) {
    return this.call<CronRecord>("POST", `/pause/${encodeURIComponent(cronId)}`, {}, options);
  }
  resume(cronId: string, options?: MutationOptions) {
    return this.call<CronRecord>("POST", `/resume/${encodeURIComponent(cronId)}`, {}, options);
  }
  trigger(cronId: string, options?: MutationOptions) {
    return this.call<CronRun>("POST", `/trigger/${encodeURIComponent(cronId)}`, {}, options);
  }
  /** Runs the job's past slots in [from, to) one after another (SPEC §10); answers 202. */
  backfill(cronId: string, range: BackfillRequest, options?: MutationOptions) {
    return this.call<BackfillAccepted>(
      "POST",
      `/backfill/${encodeURIComponent(cronId)}`,
      range,
      options,
    );
  }
  /** A new signing secret; the previous one keeps signing beside it for 24 h (SPEC §12). */
  rotateSecret(cronId: string, options?: MutationOptions) {
    return this.call<CronRecord>(
      "POST",
      `/rotate-secret/${encodeURIComponent(cronId)}`,
      {},
      options,
    );
  }
  /** The job's change log, newest first (SPEC §11). */
  audit(cronId: string, params: { limit?: number; cursor?: string } = {}) {
    return this.call<Page<AuditEntry>>(
      "GET",
      `/audit/${encodeURIComponent(cronId)}${CrondoClient.query(params)}`,
    );
  }
  preview(request: PreviewRequest) {
    return this.call<Preview>("POST", "/preview", request);
  }
  /** The calling key: tenant, name, scopes (["read"] for a read-only key) and expiry. */
  key() {
    return this.call<ApiKey>("GET", "/key");
  }
  /** The tenant overview the dashboard's first page draws (last `hours`, default 24). */
  overview(params: { hours?: number } = {}) {
    return this.call<Overview>("GET", `/overview${CrondoClient.query(params)}`);
  }
  /**
   * GET /metrics: the Prometheus text (format 0.0.4), the tenant's totals or with
   * `by: "job"` per-job series. Errors come as the usual envelope.
   */
  async metrics(params: { by?: "job" } = {}): Promise<string> {
    const path = `/metrics${CrondoClient.query(params)}`;
    const res = await this.doFetch(`${this.base}/v1/cron${path}`, {
      method: "GET",
      headers: { authorization: `Bearer ${this.opts.apiKey}` },
    });
    const text = await res.text();
    if (res.ok) return text;
    let error: { code: ErrorCode; message: string; details: ErrorDetail[] } | undefined;
    try {
      error = JSON.parse(text).error;
    } catch {
      // not an envelope: reported below
    }
    if (!error) throw new CrondoProtocolError(res.status, `HTTP ${res.status} from GET ${path}`);
    const requestId = res.headers.get("x-request-id");
    throw new CrondoError(res.status, error.code, error.message, error.details, requestId);
  }
  stats(cronId: string, window?: number) {
    return this.call<JobStats>(
      "GET",
      `/stats/${encodeURIComponent(cronId)}${CrondoClient.query({ window })}`,
    );
  }

  readonly runs = {
    get: (cronId: string, runId: string) =>
      this.call<CronRun>(
        "GET",
        `/runs/get/${encodeURIComponent(cronId)}/${encodeURIComponent(runId)}`,
      ),
    list: (cronId: string, params: { limit?: number; cursor?: string; state?: RunState } = {}) =>
      this.call<Page<CronRun>>(
        "GET",
        `/runs/list/${encodeURIComponent(cronId)}${CrondoClient.query(params)}`,
      ),
    /** The tenant's runs across all its jobs, newest first (SPEC §11). */
    listAll: (params: TenantRunsQuery = {}) =>
      this.call<Page<CronRun>>("GET", `/runs/list${CrondoClient.query(params)}`),
    /** A new run of a finished one (SPEC §11): 409 RUN_IN_PROGRESS for one in progress. */
    replay: (cronId: string, runId: string, options?: MutationOptions) =>
      this.call<CronRun>(
        "POST",
        `/runs/replay/${encodeURIComponent(cronId)}/${encodeURIComponent(runId)}`,
        {},
        options,
      ),
    /**
     * Replays the job's finished runs in `state` (default failed) whose slot is in
     * [from, to), oldest first, one after another (SPEC §11); answers 202 at once.
     */
    replayMany: (cronId: string, request: BulkReplayRequest = {}, options?: MutationOptions) =>
      this.call<ReplayAccepted>(
        "POST",
        `/runs/replay/${encodeURIComponent(cronId)}`,
        request,
        options,
      ),
    /** Cancels a queued, running or retrying run (SPEC §11): 409 RUN_FINISHED for a finished one. */
    cancel: (cronId: string, runId: string, options?: MutationOptions) =>
      this.call<CronRun>(
        "POST",
        `/runs/cancel/${encodeURIComponent(cronId)}/${encodeURIComponent(runId)}`,
        {},
        options,
      ),
  };

  readonly retention = {
    get: (cronId: string) =>
      this.call<{ cron_id: string; retention_days: number }>(
        "GET",
        `/retention/get/${encodeURIComponent(cronId)}`,
      ),
    set: (cronId: string, retentionDays: number, options?: MutationOptions) =>
      this.call<{ cron_id: string; retention_days: number }>(
        "PUT",
        `/retention/set/${encodeURIComponent(cronId)}`,
        { retention_days: retentionDays },
        options,
      ),
  };
}
