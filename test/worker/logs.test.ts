// Structured logs: one JSON line per request and per failed run attempt, filterable by
// request id, tenant, cron_id and run_id; no secrets or payloads.
import { afterEach, describe, expect, it, vi } from "vitest";
import { api, createKey, receiverUrl, waitForRun } from "./helpers";

afterEach(() => vi.restoreAllMocks());

/** Every console.log line from now until the test ends. */
function captureLogs(): string[] {
  const lines: string[] = [];
  vi.spyOn(console, "log").mockImplementation((...args: unknown[]) => {
    lines.push(args.map(String).join(" "));
  });
  return lines;
}

describe("structured logs", () => {
  it("logs each request and each failed attempt as one JSON line without secrets", async () => {
    const lines = captureLogs();
    const key = await createKey("logs");
    const created = await api("POST", "/v1/cron/create", key, {
      schedule: "0 0 1 1 *",
      url: `${receiverUrl()}/ok/logs`,
      payload: { secret_payload_marker: "do-not-log" },
      headers: { Authorization: "Bearer target-secret-token" },
    });
    const job = created.body.data;
    const trig = await api("POST", `/v1/cron/trigger/${job.cron_id}`, key);
    await waitForRun(key, job.cron_id, trig.body.data.run_id);

    const events = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    const create = events.find((e) => e.event === "http.request" && e.path === "/v1/cron/create");
    expect(create).toMatchObject({
      tenant_id: "logs",
      method: "POST",
      status: 201,
      request_id: created.headers.get("x-request-id"),
    });
    expect(typeof create!.duration_ms).toBe("number");
    const trigger = events.find(
      (e) => e.event === "http.request" && String(e.path).startsWith("/v1/cron/trigger/"),
    );
    expect(trigger).toMatchObject({ cron_id: job.cron_id, status: 200 });
    // A successful attempt has no line of its own (LOG_ATTEMPTS = "failures", the default
    // and wrangler.toml's): it is in the run history.
    expect(
      events.filter((e) => e.event === "run.attempt" && e.run_id === trig.body.data.run_id),
    ).toEqual([]);
    // A failed one has.
    const failing = await api("POST", "/v1/cron/create", key, {
      schedule: "0 0 1 1 *",
      url: `${receiverUrl()}/status/500/logs-failing`,
      retries: 0,
      payload: { secret_payload_marker: "do-not-log" },
    });
    const failedTrig = await api("POST", `/v1/cron/trigger/${failing.body.data.cron_id}`, key);
    await waitForRun(key, failing.body.data.cron_id, failedTrig.body.data.run_id);
    const attempt = lines
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((e) => e.event === "run.attempt" && e.run_id === failedTrig.body.data.run_id);
    expect(attempt).toMatchObject({
      tenant_id: "logs",
      cron_id: failing.body.data.cron_id,
      attempt: 1,
      status: 500,
      ok: false,
      error: "HTTP 500",
      trigger: "manual",
    });
    expect(typeof attempt!.duration_ms).toBe("number");

    const all = lines.join("\n");
    expect(all).not.toContain(key);
    expect(all).not.toContain(job.signing_secret);
    expect(all).not.toContain("do-not-log");
    expect(all).not.toContain("target-secret-token");
  });

  it("leaves quick successful reads out by default (LOG_REQUESTS=writes), not failed ones", async () => {
    const lines = captureLogs();
    const key = await createKey("logs-reads");
    const created = await api("POST", "/v1/cron/create", key, {
      schedule: "0 0 1 1 *",
      url: `${receiverUrl()}/ok/logs-reads`,
    });
    const id = created.body.data.cron_id;
    const got = await api("GET", `/v1/cron/get/${id}`, key);
    expect(got.status).toBe(200);
    const missing = await api("GET", "/v1/cron/get/cron_00000000000000000000000000", key);
    expect(missing.status).toBe(404);
    const unauthorized = await api("GET", "/v1/cron/list", "not-a-key");
    expect(unauthorized.status).toBe(401);

    const byId = new Map(
      lines
        .map((l) => JSON.parse(l) as Record<string, unknown>)
        .filter((e) => e.event === "http.request")
        .map((e) => [e.request_id, e]),
    );
    expect(byId.get(created.headers.get("x-request-id"))).toMatchObject({ status: 201 });
    expect(byId.has(got.headers.get("x-request-id"))).toBe(false);
    expect(got.headers.get("x-request-id")).toMatch(/^req_/);
    expect(byId.get(missing.headers.get("x-request-id"))).toMatchObject({
      method: "GET",
      status: 404,
      tenant_id: "logs-reads",
    });
    expect(byId.get(unauthorized.headers.get("x-request-id"))).toMatchObject({ status: 401 });
  });
});
