// Per-key rate limit and per-tenant job quota (SPEC §8), with this project's small
// settings: RATE_LIMITER 5 requests a minute (instead of 600), JOB_QUOTA 5 (instead of 10,000).
import { describe, expect, it } from "vitest";
import { ERROR_CODES } from "../../src/api/errors";
import { api, createKey } from "../worker/helpers";
import { FAR, GUARDED_RATE_LIMIT, tenantClient } from "./client";

const QUOTA = 5;

function expectEnvelope(res: { status: number; headers: Headers; body: any }, code: string) {
  expect(res.body).toEqual({
    ok: false,
    error: { code, message: expect.any(String), details: expect.any(Array) },
  });
  expect(ERROR_CODES).toContain(res.body.error.code);
  expect(res.headers.get("x-request-id")).toMatch(/^req_[0-9A-HJKMNP-TV-Z]{26}$/);
}

/**
 * The simulated limiter counts in wall-clock windows of 60 s. If the next window starts
 * within `needMs`, wait for it, so that a burst is counted in one window.
 */
async function freshWindow(needMs = 5_000) {
  const left = 60_000 - (Date.now() % 60_000);
  if (left < needMs) await new Promise((r) => setTimeout(r, left + 50));
}

describe("per-key rate limit", () => {
  // The limit in force is this project's 5, not wrangler.toml's 600: the test below sees
  // the 6th request of a fresh key refused.
  it("answers 429 RATE_LIMITED with Retry-After after the limit; other keys are unaffected", async () => {
    const key = await createKey("limited");
    const sameTenantKey = await createKey("limited");
    const otherTenantKey = await createKey("bystander");
    await freshWindow();

    for (let i = 0; i < GUARDED_RATE_LIMIT; i++) {
      const res = await api("GET", "/v1/cron/list", key);
      expect(res.status, `request ${i + 1}`).toBe(200);
    }
    const limited = await api("GET", "/v1/cron/list", key);
    expect(limited.status).toBe(429);
    expectEnvelope(limited, "RATE_LIMITED");
    expect(limited.body.error.details).toEqual([]);
    const retryAfter = limited.headers.get("retry-after");
    expect(retryAfter).toMatch(/^\d+$/);
    expect(Number(retryAfter)).toBeGreaterThan(0);
    expect(Number(retryAfter)).toBeLessThanOrEqual(60);

    // Every route is behind the same limit, mutating ones included: a limited create
    // creates nothing.
    const create = await api("POST", "/v1/cron/create", key, {
      schedule: FAR,
      url: "https://api.example.com/hook",
    });
    expect(create.status).toBe(429);
    expectEnvelope(create, "RATE_LIMITED");
    expect(create.headers.get("retry-after")).toBe(retryAfter);
    const preview = await api("POST", "/v1/cron/preview", key, { schedule: "* * * * *" });
    expect(preview.status).toBe(429);

    // At the same moment, another tenant's key and another key of the same tenant pass.
    const other = await api("GET", "/v1/cron/list", otherTenantKey);
    expect(other.status).toBe(200);
    expect(other.body.ok).toBe(true);
    const sibling = await api("GET", "/v1/cron/list", sameTenantKey);
    expect(sibling.status).toBe(200);
    expect(sibling.body.data.items).toEqual([]); // the limited create did not happen

    // And the limited key stays limited within the window.
    expect((await api("GET", "/v1/cron/list", key)).status).toBe(429);
  });

  it("does not count requests with an invalid key against anyone", async () => {
    await freshWindow();
    for (let i = 0; i < GUARDED_RATE_LIMIT + 2; i++) {
      const res = await api("GET", "/v1/cron/list", "crondo_not_a_key");
      expect(res.status).toBe(401);
      expectEnvelope(res, "UNAUTHORIZED");
    }
  });
});

describe("per-tenant job quota", () => {
  const create = (call: ReturnType<typeof tenantClient>, n: number, extra = {}) =>
    call("POST", "/v1/cron/create", {
      name: `job ${n}`,
      schedule: FAR,
      url: `https://api.example.com/hook/${n}`,
      ...extra,
    });

  it(`refuses the ${QUOTA + 1}th job with 403 QUOTA_EXCEEDED; others still create; a delete frees a slot`, async () => {
    const call = tenantClient("quota-full");
    const ids: string[] = [];
    for (let n = 1; n <= QUOTA; n++) {
      // Paused jobs count as much as active ones.
      const res = await create(call, n, n === 2 ? { enabled: false } : {});
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      ids.push(res.body.data.cron_id);
    }

    const over = await create(call, QUOTA + 1);
    expect(over.status).toBe(403);
    expectEnvelope(over, "QUOTA_EXCEEDED");
    expect(over.body.error.message).toContain(String(QUOTA));
    const list = await call("GET", "/v1/cron/list?limit=100");
    expect(list.body.data.items).toHaveLength(QUOTA);

    // Another tenant is not affected by this one's quota.
    const other = await create(tenantClient("quota-other"), 1);
    expect(other.status).toBe(201);

    // Deleting one job frees exactly one slot.
    const del = await call("DELETE", `/v1/cron/delete/${ids[0]}`);
    expect(del.status).toBe(200);
    const again = await create(call, QUOTA + 2);
    expect(again.status, JSON.stringify(again.body)).toBe(201);
    const full = await create(call, QUOTA + 3);
    expect(full.status).toBe(403);
    expectEnvelope(full, "QUOTA_EXCEEDED");
  });

  it("holds under concurrent creates: a burst of 10 leaves the tenant at the quota, not above", async () => {
    // Ten creates at once, each through its own key (the rate limit is per key).
    const keys = await Promise.all(Array.from({ length: 10 }, () => createKey("quota-race")));
    const results = await Promise.all(
      keys.map((key, n) =>
        api("POST", "/v1/cron/create", key, {
          name: `race ${n}`,
          schedule: FAR,
          url: `https://api.example.com/race/${n}`,
        }),
      ),
    );
    for (const r of results) {
      expect([201, 403]).toContain(r.status);
      if (r.status === 403) expectEnvelope(r, "QUOTA_EXCEEDED");
    }
    const created = results.filter((r) => r.status === 201).length;
    const list = await api("GET", "/v1/cron/list?limit=100", await createKey("quota-race"));
    expect(list.body.data.items).toHaveLength(created);
    // The quota check and the insert must be one step (a conditional INSERT): if they were
    // two, concurrent creates would all pass the check and overshoot the quota.
    expect(created, "jobs created by a burst of 10 concurrent creates").toBe(QUOTA);
  });
});
