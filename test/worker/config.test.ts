// A misconfigured deployment answers with a clear error, never with silent defaults
// (issue 13: a malformed JOB_QUOTA used to fall back to 10,000; a missing
// RATE_LIMITER binding used to turn rate limiting off).
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { newApp } from "../../src/api/app";
import type { Env } from "../../src/env";
import { createKey } from "./helpers";

async function call(bindings: Env, key: string) {
  const res = await newApp().request(
    "https://crondo.test/v1/cron/list",
    { headers: { authorization: `Bearer ${key}` } },
    bindings,
  );
  return { status: res.status, body: (await res.json()) as any };
}

describe("the environment is checked at the boundary", () => {
  it("a malformed JOB_QUOTA is a 500 that names it", async () => {
    const key = await createKey("config");
    const res = await call({ ...env, JOB_QUOTA: "lots" }, key);
    expect(res.status).toBe(500);
    expect(res.body.error.code).toBe("INTERNAL");
    expect(res.body.error.message).toMatch(/JOB_QUOTA/);
  });

  it("a missing RATE_LIMITER binding is a 500 that names it, not an unlimited API", async () => {
    const key = await createKey("config");
    const { RATE_LIMITER: _, ...rest } = env;
    const res = await call(rest as unknown as Env, key);
    expect(res.status).toBe(500);
    expect(res.body.error.message).toMatch(/RATE_LIMITER/);
  });

  it("the same call with the real environment answers", async () => {
    const key = await createKey("config");
    expect((await call(env, key)).status).toBe(200);
  });
});
