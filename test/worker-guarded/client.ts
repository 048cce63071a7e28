// The `worker-guarded` project allows 5 requests a minute per API key (vitest.config.ts),
// so tests that are not about the rate limit spread their requests over fresh keys of
// the same tenant: jobs belong to the tenant, the limit counts per key.
import { waitFor } from "../helpers/wait";
import { type ApiResponse, api, createKey } from "../worker/helpers";

/** RATE_LIMITER's limit in this project (vitest.config.ts). */
export const GUARDED_RATE_LIMIT = 5;

export type Call = <T = any>(
  method: string,
  path: string,
  body?: unknown,
  headers?: Record<string, string>,
) => Promise<ApiResponse<T>>;

/** A caller for `tenant` that switches to a new key before the current one is limited. */
export function tenantClient(tenant: string): Call {
  let key: string | null = null;
  let used = 0;
  return async (method, path, body, headers) => {
    if (key === null || used >= GUARDED_RATE_LIMIT - 1) {
      key = await createKey(tenant);
      used = 0;
    }
    used++;
    return api(method, path, key, body, headers);
  };
}

/** Far in the future: only manual triggers fire. */
export const FAR = "0 0 1 1 *";

const FINISHED = new Set(["succeeded", "failed", "skipped"]);

/** Polls runs.get through `call` (so through fresh keys) until the run has finished. */
export async function waitForRunWith(
  call: Call,
  cronId: string,
  runId: string,
  timeoutMs = 10_000,
) {
  return waitFor(
    async () => {
      const r = await call("GET", `/v1/cron/runs/get/${cronId}/${runId}`);
      return r.status === 200 && FINISHED.has(r.body.data.state) ? r.body.data : null;
    },
    { what: `run ${runId} of ${cronId} to finish`, timeoutMs },
  );
}
