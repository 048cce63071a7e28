import { env } from "cloudflare:test";
import { expect, it } from "vitest";
import { api, createKey } from "../worker/helpers";

it("probe", async () => {
  console.log("JOB_QUOTA", env.JOB_QUOTA, "ALLOW", env.ALLOW_PRIVATE_TARGETS);
  const key = await createKey("probe");
  const out = [];
  for (let i = 0; i < 8; i++) out.push((await api("GET", "/v1/cron/list", key)).status);
  console.log(out);
  expect(1).toBe(1);
});
