// SPEC §9: every mutating call honours an idempotency key (header Idempotency-Key
// or body idempotency_key), scoped to tenant + operation + key, kept 24 h.
// The first request with a key is the only one that runs (src/store/idempotency.ts);
// the others replay its answer (or wait for it while it is still in progress).
import type { MiddlewareHandler } from "hono";
import { sha256Hex } from "../lib/crypto";
import { HOUR } from "../lib/time";
import {
  claimKey,
  completeKey,
  type IdempotencyScope,
  readKey,
  releaseKey,
} from "../store/idempotency";
import { bodyText } from "./body";
import type { AppEnv } from "./context";
import { ApiError } from "./errors";

export const IDEMPOTENCY_TTL_MS = 24 * HOUR;
/** How long a duplicate waits for the first request with its key to finish. */
const WAIT_FOR_FIRST_MS = 15_000;
const MAX_KEY_LENGTH = 255;

function keyFromBody(text: string): string | undefined {
  if (!text.includes("idempotency_key")) return undefined;
  try {
    const v = (JSON.parse(text) as { idempotency_key?: unknown }).idempotency_key;
    return typeof v === "string" ? v : undefined;
  } catch {
    return undefined; // malformed JSON: the handler answers INVALID_JSON
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function idempotency(operation: string): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const text = await bodyText(c);
    const header = c.req.header("idempotency-key");
    const fromBody = keyFromBody(text);
    if (header !== undefined && fromBody !== undefined && header !== fromBody) {
      throw new ApiError("VALIDATION_ERROR", "Idempotency-Key header and idempotency_key differ", [
        { path: "idempotency_key", message: "must equal the Idempotency-Key header" },
      ]);
    }
    const key = header ?? fromBody;
    if (key === undefined) return next();
    if (key.length === 0 || key.length > MAX_KEY_LENGTH) {
      throw new ApiError(
        "VALIDATION_ERROR",
        `idempotency key must be 1..${MAX_KEY_LENGTH} characters`,
        [{ path: "idempotency_key", message: `1..${MAX_KEY_LENGTH} characters` }],
      );
    }
    const db = c.env.DB;
    const tenant = c.get("tenant_id");
    const url = new URL(c.req.url);
    // The same request: same method, path, query and body bytes.
    const hash = await sha256Hex(`${c.req.method} ${url.pathname}${url.search}\n${text}`);
    const now = Date.now();
    const scope: IdempotencyScope = { tenant, operation, key };
    if (await claimKey(db, scope, hash, now, IDEMPOTENCY_TTL_MS)) {
      // We are first: perform the operation and remember its answer.
      try {
        await next();
      } catch (e) {
        await releaseKey(db, scope);
        throw e;
      }
      if (c.res.status >= 500) {
        await releaseKey(db, scope); // a failure is not an answer to replay
        return;
      }
      await completeKey(db, scope, c.res.status, await c.res.clone().text());
      return;
    }

    // Someone was first. Same request: replay (waiting if it is still running); else 409.
    const deadline = now + WAIT_FOR_FIRST_MS;
    for (;;) {
      const row = await readKey(db, scope);
      if (!row) {
        throw new ApiError(
          "IDEMPOTENCY_CONFLICT",
          "the first request with this idempotency key failed; retry it",
        );
      }
      if (row.request_hash !== hash) {
        throw new ApiError(
          "IDEMPOTENCY_CONFLICT",
          "this idempotency key was already used for a different request",
        );
      }
      if (row.state === "done" && row.status !== null) {
        return new Response(row.response, {
          status: row.status,
          headers: { "content-type": "application/json", "Idempotent-Replayed": "true" },
        });
      }
      if (Date.now() > deadline) {
        throw new ApiError(
          "IDEMPOTENCY_CONFLICT",
          "a request with this idempotency key is still in progress",
        );
      }
      await sleep(50);
    }
  };
}
