import { type Context, Hono } from "hono";
import { ConfigError, configOf } from "../env";
import { log } from "../lib/log";
import { accessLog } from "./access-log";
import { bearerAuth, rateLimit, requireScope } from "./auth";
import type { AppEnv } from "./context";
import { ApiError } from "./errors";
import { idempotency } from "./idempotency";
import { buildOpenApi } from "./openapi";
import { routes } from "./routes";

function pathPattern(path: string): RegExp {
  return new RegExp(`^${path.replace(/:[a-z_]+/g, "[^/]+")}/?$`);
}
const patterns = routes.map((r) => ({ method: r.method, re: pathPattern(r.path) }));

function errorResponse(c: Context<AppEnv>, e: ApiError) {
  for (const [k, v] of Object.entries(e.headers)) c.header(k, v);
  return c.json(e.toBody(), e.status);
}

/** The crondo HTTP API. Tests build it with the same factory the Worker uses. */
export function newApp() {
  const app = new Hono<AppEnv>({ strict: false });

  app.use("*", accessLog);

  // The API description is public: it holds no tenant data.
  let openapi: ReturnType<typeof buildOpenApi> | undefined;
  app.get("/v1/openapi.json", (c) => {
    openapi ??= buildOpenApi(routes);
    return c.json(openapi);
  });

  // The environment is checked before anything reads it: a misconfigured deployment
  // answers every call with a 500 that names the problem, never with silent defaults.
  app.use("/v1/cron/*", async (c, next) => {
    configOf(c.env);
    await next();
  });
  app.use("/v1/cron/*", bearerAuth, rateLimit);

  for (const r of routes) {
    if (r.mutating) app.on(r.method, r.path, requireScope(r), idempotency(r.operation), r.handler);
    else app.on(r.method, r.path, requireScope(r), r.handler);
  }

  app.notFound((c) => {
    const path = new URL(c.req.url).pathname;
    const allowed = patterns.filter((p) => p.re.test(path)).map((p) => p.method);
    if (allowed.length > 0) {
      const message = `${c.req.method} is not allowed here; use ${allowed.join(", ")}`;
      return errorResponse(
        c,
        new ApiError("METHOD_NOT_ALLOWED", message, [], { Allow: allowed.join(", ") }),
      );
    }
    return errorResponse(
      c,
      new ApiError("NOT_FOUND", `no route for ${c.req.method} ${path.slice(0, 200)}`),
    );
  });

  app.onError((err, c) => {
    if (err instanceof ApiError) return errorResponse(c, err);
    if (err instanceof ConfigError) {
      log("config.invalid", { request_id: c.var.request_id, error: err.message });
      return errorResponse(c, new ApiError("INTERNAL", err.message));
    }
    // Never leak internals: the log has the detail, the client gets the request id.
    log("http.error", { request_id: c.var.request_id, error: String(err), stack: err.stack });
    return errorResponse(
      c,
      new ApiError("INTERNAL", "internal error; quote the X-Request-Id header when reporting it"),
    );
  });

  return app;
}
