// Structured logs: one JSON line per request and per run attempt, filterable by
// request id, tenant, cron_id and run_id; no secrets or payloads.
import { afterEach, describe, expect, it, vi } from "vitest";
import { api, createKey, receiverUrl, waitForRun } from "./helpers";

afterEach(() => vi.restoreAllMocks());

describe("structured logs", () => {
  it("logs each request and each attempt as one JSON line without secrets", async () => {
    const lines: string[] = [];
    vi.spyOn(console, "log").mockImplementation((...args: unknown[]) => {
      lines.push(args.map(String).join(" "));
    });
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
    const attempt = events.find(
      (e) => e.event === "run.attempt" && e.run_id === trig.body.data.run_id,
    );
    expect(attempt).toMatchObject({
      tenant_id: "logs",
      cron_id: job.cron_id,
      attempt: 1,
      status: 200,
      ok: true,
      trigger: "manual",
    });
    expect(typeof attempt!.duration_ms).toBe("number");

    const all = lines.join("\n");
    expect(all).not.toContain(key);
    expect(all).not.toContain(job.signing_secret);
    expect(all).not.toContain("do-not-log");
    expect(all).not.toContain("target-secret-token");
  });
});
