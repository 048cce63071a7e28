import type { Handler } from "hono";
import type { z } from "zod";
import { type ChangeBy, keyActor } from "../job/audit";
import type { KeyScope } from "../lib/key-record.mjs";
import { CRON_ID_RE } from "../lib/ulid";
import type { AppContext, AppEnv } from "./context";
import { type ErrorCode, notFound } from "./errors";

export type Method = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

export interface Route {
  /** The capability name of the seed reference, e.g. "cron.create". */
  operation: string;
  method: Method;
  path: string;
  /** The group the API reference lists it under (default "cron"). */
  tag?: "cron" | "runs" | "keys";
  /** Mutating operations honour idempotency keys (SPEC §9). */
  mutating: boolean;
  /**
   * The key scope the operation needs (SPEC §8); default: "read" for a GET, "write" for
   * every other method. A key without it is answered 403 FORBIDDEN.
   */
  scope?: KeyScope;
  handler: Handler<AppEnv>;
  /** What the OpenAPI document says of it (generated from these same schemas). */
  doc: {
    summary: string;
    description?: string;
    body?: z.ZodType;
    /** The body must be sent (a missing body is a validation error, not defaults). */
    bodyRequired?: boolean;
    /**
     * Groups of body fields of which at least one must be given (aliases of one
     * required field: `url` / `task` / `task_url`). The document marks each group as an
     * `anyOf` of `required`, which generators turn into a union of required fields.
     */
    requireOneOf?: readonly (readonly string[])[];
    query?: z.ZodType;
    response: z.ZodType;
    status?: 200 | 201 | 202;
    /** A success answered as this media type with `response` as its body (no envelope). */
    contentType?: string;
    /**
     * Error codes this operation answers beyond those every route of its shape does
     * (auth, rate limit, bad body, unknown id, idempotency: see openapi.ts).
     */
    errors?: ErrorCode[];
    /** Request examples, the seed reference's spellings included. */
    examples?: Record<string, unknown>;
  };
}

export const defineRoute = (r: Route): Route => r;

/** The scope a route needs: its own declaration, else derived from its method. */
export const routeScope = (r: Pick<Route, "method" | "scope">): KeyScope =>
  r.scope ?? (r.method === "GET" ? "read" : "write");

/** A path id that cannot be a job id is simply a job that does not exist. */
export function cronIdParam(c: AppContext): string {
  const id = c.req.param("id") ?? "";
  if (!CRON_ID_RE.test(id)) throw notFound();
  return id;
}

export const ok = <T>(c: AppContext, data: T, status: 200 | 201 | 202 = 200) =>
  c.json({ ok: true, data }, status);

/** Who is calling, for the job's audit log (SPEC §11): the key by its hash, and the request. */
export const changeBy = (c: AppContext): ChangeBy => ({
  actor: keyActor(c.get("key_hash")),
  request_id: c.get("request_id") ?? null,
});
