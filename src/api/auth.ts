import type { MiddlewareHandler } from "hono";
import { sha256Hex } from "../lib/crypto";
import { keyStorageName } from "../lib/key-names.mjs";
import { type KeyRecord, parseKeyRecord } from "../lib/key-record.mjs";
import { log } from "../lib/log";
import { RecentValues, Throttle } from "../lib/throttle";
import { MINUTE } from "../lib/time";
import { keyState, touchKey } from "../store/api-keys";
import type { AppContext, AppEnv } from "./context";
import { ApiError } from "./errors";
import { type Route, routeScope } from "./route";

const unauthorized = (message: string) =>
  new ApiError("UNAUTHORIZED", message, [], { "WWW-Authenticate": 'Bearer realm="crondo"' });

/** last_used_at is kept to the minute (SPEC §8): at most one write a minute per key. */
const usage = new Throttle(MINUTE);

/**
 * KV records read in this isolate, kept as long as a KV read may serve a cached record
 * anyway (60 s): the record only says who the key is, and never changes; what refuses a
 * key is its D1 row, read on every request. A missing record is not remembered (a key
 * just created works on its first request).
 */
const records = new RecentValues<KeyRecord>(MINUTE);

/** The key's KV record (parsed; null when missing or unparseable), or the one read lately. */
async function keyRecord(kv: KVNamespace, hash: string, now: number): Promise<KeyRecord | null> {
  const known = records.get(hash, now);
  if (known) return known;
  const raw = await kv.get(keyStorageName(hash));
  let record: KeyRecord | null = null;
  try {
    record = raw === null ? null : parseKeyRecord(JSON.parse(raw));
  } catch {
    record = null;
  }
  if (record) records.set(hash, record, now);
  return record;
}

/**
 * Bearer auth (SPEC §8). Two reads, at once: KV says who the key is (tenant, name,
 * scopes: the record the CLI wrote; kept in the isolate for as long as KV may serve it
 * stale anyway), D1 says whether it may still be used — read on every request. KV is
 * eventually consistent (a read may be served from a cache for up to 60 s), so the
 * refusal of a revoked or expired key comes from D1, strongly consistent: revocation
 * takes effect on the very next request. Raw keys are never stored, only their SHA-256.
 */
export const bearerAuth: MiddlewareHandler<AppEnv> = async (c, next) => {
  const header = c.req.header("authorization");
  if (!header) throw unauthorized("missing Authorization: Bearer <api key> header");
  const m = /^Bearer[ \t]+([\x21-\x7e]{1,512})[ \t]*$/i.exec(header);
  if (!m) throw unauthorized("Authorization header must be: Bearer <api key>");
  const hash = await sha256Hex(m[1]!);
  // A failed lookup is our failure (500, retryable), not the caller's: a valid key must
  // never read as "invalid" because KV or D1 was slow or down. Unparseable records are invalid.
  const now = Date.now();
  const [record, state] = await Promise.all([
    keyRecord(c.env.KEYS, hash, now),
    keyState(c.env.DB, hash),
  ]);
  if (!record) throw unauthorized("invalid API key");
  if (state?.revoked_at != null) throw unauthorized("this API key has been revoked");
  // The row's expiry is the truth; the record's (the same value, written by the same
  // command) also refuses a key whose row was never written.
  const expiresAt = [state?.expires_at, record.expires_at ? Date.parse(record.expires_at) : null];
  if (expiresAt.some((t) => typeof t === "number" && t <= now)) {
    throw unauthorized("this API key has expired");
  }
  c.set("tenant_id", record.tenant_id);
  c.set("key_hash", hash);
  c.set("key", record);
  recordUse(c, hash, record, now);
  await next();
};

/** The last-use stamp, handed to waitUntil: the request never waits for it. */
function recordUse(c: AppContext, hash: string, record: KeyRecord, now: number) {
  if (!usage.due(hash, now)) return;
  const write = touchKey(c.env.DB, { key_hash: hash, ...record }, now).catch((e: unknown) =>
    log("key.touch_failed", { key: hash.slice(0, 12), error: String(e) }),
  );
  try {
    c.executionCtx.waitUntil(write);
  } catch {
    // No execution context (app.request in unit tests): the write simply runs detached.
  }
}

/**
 * What the route declares it needs (route.ts: a GET reads, the rest writes, unless the
 * route says otherwise): a key without that scope is 403 FORBIDDEN, before the handler
 * or an idempotency claim runs.
 */
export function requireScope(route: Route): MiddlewareHandler<AppEnv> {
  const scope = routeScope(route);
  return async (c, next) => {
    if (!c.get("key").scopes.includes(scope)) {
      throw new ApiError(
        "FORBIDDEN",
        `this API key has the scopes [${c.get("key").scopes.join(", ")}]; ${route.operation} needs "${scope}"`,
      );
    }
    await next();
  };
}

/** Per-key limit with the Workers Rate Limiting binding (SPEC §8; 600 a minute by default). */
export const rateLimit: MiddlewareHandler<AppEnv> = async (c, next) => {
  const { success } = await c.env.RATE_LIMITER.limit({ key: c.get("key_hash") });
  if (!success) {
    throw new ApiError("RATE_LIMITED", "too many requests for this API key; retry later", [], {
      "Retry-After": "60",
    });
  }
  await next();
};
