import { env, SELF } from "cloudflare:test";
import { inject } from "vitest";
import { FINISHED_STATES } from "../../src/job/types";
import { sha256Hex } from "../../src/lib/crypto";
import { waitFor } from "../helpers/wait";

export const receiverUrl = () => inject("receiverUrl");

let counter = 0;
/** A fresh API key for `tenant`, stored in KV the way `npm run keys -- create` stores it. */
export async function createKey(tenant: string): Promise<string> {
  const key = `crondo_test_${tenant.replace(/[^\w-]/g, "_")}_${++counter}_${crypto.randomUUID()}`;
  await env.KEYS.put(
    `apikey:${await sha256Hex(key)}`,
    JSON.stringify({ tenant_id: tenant, name: "test", created_at: new Date().toISOString() }),
  );
  return key;
}

export interface ApiResponse<T = any> {
  status: number;
  headers: Headers;
  body: { ok: boolean; data: T; error: { code: string; message: string; details: any[] } };
}

export async function api<T = any>(
  method: string,
  path: string,
  key: string | null,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<ApiResponse<T>> {
  const init: RequestInit = { method, headers: { ...headers } };
  if (key !== null) (init.headers as Record<string, string>).authorization = `Bearer ${key}`;
  if (body !== undefined) {
    (init.headers as Record<string, string>)["content-type"] ??= "application/json";
    init.body = typeof body === "string" ? body : JSON.stringify(body);
  }
  const res = await SELF.fetch(`https://crondo.test${path}`, init);
  const text = await res.text();
  let parsed: any;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error(`non-JSON response ${res.status}: ${text.slice(0, 200)}`);
  }
  return { status: res.status, headers: res.headers, body: parsed };
}

export async function receiverLog(prefix: string) {
  const res = await fetch(`${receiverUrl()}/__log?prefix=${encodeURIComponent(prefix)}`);
  return (await res.json()) as Array<{
    path: string;
    method: string;
    headers: Record<string, string>;
    body: string;
    received_at: number;
    concurrent: number;
  }>;
}

export const uniquePath = (kind = "ok") => `/${kind}/${crypto.randomUUID()}`;

const FINISHED = new Set<string>(FINISHED_STATES);

/** Polls runs.get until the run has finished (succeeded, failed or skipped); returns it. */
export async function waitForRun(key: string, cronId: string, runId: string, timeoutMs = 10_000) {
  return waitFor(
    async () => {
      const r = await api("GET", `/v1/cron/runs/get/${cronId}/${runId}`, key);
      return r.status === 200 && FINISHED.has(r.body.data.state) ? r.body.data : null;
    },
    { what: `run ${runId} of ${cronId} to finish`, timeoutMs },
  );
}

export async function script(name: string, statuses: number[], retryAfter?: number) {
  await fetch(`${receiverUrl()}/__script/${name}`, {
    method: "POST",
    body: JSON.stringify({ statuses, retry_after: retryAfter }),
  });
}
