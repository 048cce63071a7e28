// Hono middleware that refuses requests crondo did not sign (`crondo/verify/hono`).
//
//   app.post("/hook", crondoVerify({ secret: env => [env.SECRET, env.OLD_SECRET] }), (c) => {
//     const { body, cronId } = c.get("crondo");
//     …
//   });
//
// The body is read through Hono's request, which keeps it: `c.req.json()` still works.
import type { MiddlewareHandler } from "hono";
import { SIGNATURE_HEADER, type VerifyOptions, verifyCrondoSignature } from "../lib/signature";

export interface CrondoVerified {
  /** The raw body text that was verified. */
  body: string;
  cronId: string | null;
  /** The request's signing time (unix seconds). */
  timestamp: number;
}

export interface HonoVerifyOptions<E> extends Omit<VerifyOptions, "secret"> {
  /** A secret, several (rotation), or a lookup by the Worker's env and the job id. */
  secret:
    | string
    | readonly string[]
    | ((
        env: E,
        cronId: string | null,
      ) => string | readonly string[] | Promise<string | readonly string[]>);
}

export function crondoVerify<E extends object = object>(
  opts: HonoVerifyOptions<E>,
): MiddlewareHandler<{ Bindings: E; Variables: { crondo: CrondoVerified } }> {
  return async (c, next) => {
    const cronId = c.req.header("x-cron-id") ?? null;
    const secret =
      typeof opts.secret === "function" ? await opts.secret(c.env, cronId) : opts.secret;
    const body = await c.req.text();
    const result = await verifyCrondoSignature(body, c.req.header(SIGNATURE_HEADER), {
      ...opts,
      secret,
    });
    if (!result.ok)
      return c.json({ error: "invalid crondo signature", reason: result.reason }, 401);
    c.set("crondo", { body, cronId, timestamp: result.timestamp });
    await next();
  };
}
