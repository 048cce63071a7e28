import type { MiddlewareHandler } from "hono";
import { sha256Hex } from "../lib/crypto";
import { keyStorageName } from "../lib/key-names.mjs";
import type { AppEnv } from "./context";
import { ApiError } from "./errors";

export interface KeyRecord {
  tenant_id: string;
  name: string;
  created_at: string;
}

const unauthorized = (message: string) =>
  new ApiError("UNAUTHORIZED", message, [], { "WWW-Authenticate": 'Bearer realm="crondo"' });

/** Bearer auth: the SHA-256 of the key is looked up in KV; raw keys are never stored. */
export const bearerAuth: MiddlewareHandler<AppEnv> = async (c, next) => {
  const header = c.req.header("authorization");
  if (!header) throw unauthorized("missing Authorization: Bearer <api key> header");
  const m = /^Bearer[ \t]+([\x21-\x7e]{1,512})[ \t]*$/i.exec(header);
  if (!m) throw unauthorized("Authorization header must be: Bearer <api key>");
  const hash = await sha256Hex(m[1]!);
  // A failed lookup is our failure (500, retryable), not the caller's: a valid key must
  // never read as "invalid" because KV was slow or down. Unparseable records are invalid.
  const raw = await c.env.KEYS.get(keyStorageName(hash));
  let record: KeyRecord | null = null;
  try {
    record = raw === null ? null : (JSON.parse(raw) as KeyRecord);
  } catch {
    record = null;
  }
  if (!record || typeof record.tenant_id !== "string" || record.tenant_id === "") {
    throw unauthorized("invalid API key");
  }
  c.set("tenant_id", record.tenant_id);
  c.set("key_hash", hash);
  await next();
};

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
