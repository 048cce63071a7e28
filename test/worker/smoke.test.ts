import { describe, expect, it } from "vitest";
import { api, createKey } from "./helpers";

describe("smoke", () => {
  it("creates the seed example", async () => {
    const key = await createKey("t-smoke");
    const res = await api("POST", "/v1/cron/create", key, {
      cron_expr: "0 9 * * 1",
      task_type: "http_url",
      task_url: "https://api.acme.com/weekly",
    });
    expect(res.status).toBe(201);
    expect(res.body.data.cron_id).toMatch(/^cron_/);
  });
});
