// Real responses hold to the response models the OpenAPI document is generated
// from (strict: no missing and no extra fields).
import { describe, expect, it } from "vitest";
import type { z } from "zod";
import {
  CronPageSchema,
  CronRecordSchema,
  CronRunSchema,
  DeletedSchema,
  ErrorEnvelopeSchema,
  PreviewSchema,
  RetentionSchema,
  RunPageSchema,
  StatsSchema,
  successEnvelope,
} from "../../src/api/models";
import { api, createKey, receiverUrl, waitForRun } from "./helpers";

function conforms(schema: z.ZodType, body: unknown) {
  const res = successEnvelope(schema).safeParse(body);
  if (!res.success)
    throw new Error(`${JSON.stringify(res.error.issues, null, 1)}\n${JSON.stringify(body)}`);
}

describe("responses conform to the documented models", () => {
  it("for every operation", async () => {
    const key = await createKey("contract");
    const created = await api("POST", "/v1/cron/create", key, {
      schedule: "0 0 1 1 *",
      url: `${receiverUrl()}/ok/contract`,
      payload: { a: [1, { b: null }] },
      headers: { "X-A": "b" },
    });
    conforms(CronRecordSchema, created.body);
    const id = created.body.data.cron_id;
    conforms(CronRecordSchema, (await api("GET", `/v1/cron/get/${id}`, key)).body);
    conforms(CronPageSchema, (await api("GET", "/v1/cron/list", key)).body);
    conforms(
      CronRecordSchema,
      (await api("PATCH", `/v1/cron/update/${id}`, key, { name: "c" })).body,
    );
    conforms(CronRecordSchema, (await api("POST", `/v1/cron/pause/${id}`, key)).body);
    conforms(CronRecordSchema, (await api("POST", `/v1/cron/resume/${id}`, key)).body);
    const trig = await api("POST", `/v1/cron/trigger/${id}`, key);
    conforms(CronRunSchema, trig.body);
    await waitForRun(key, id, trig.body.data.run_id);
    conforms(
      CronRunSchema,
      (await api("GET", `/v1/cron/runs/get/${id}/${trig.body.data.run_id}`, key)).body,
    );
    conforms(RunPageSchema, (await api("GET", `/v1/cron/runs/list/${id}`, key)).body);
    conforms(RetentionSchema, (await api("GET", `/v1/cron/retention/get/${id}`, key)).body);
    conforms(
      RetentionSchema,
      (await api("PUT", `/v1/cron/retention/set/${id}`, key, { retention_days: 3 })).body,
    );
    conforms(
      PreviewSchema,
      (await api("POST", "/v1/cron/preview", key, { schedule: "@daily" })).body,
    );
    conforms(StatsSchema, (await api("GET", `/v1/cron/stats/${id}`, key)).body);
    conforms(DeletedSchema, (await api("DELETE", `/v1/cron/delete/${id}`, key)).body);
    const err = await api("GET", `/v1/cron/get/${id}`, key);
    expect(ErrorEnvelopeSchema.safeParse(err.body).success).toBe(true);
    const bad = await api("POST", "/v1/cron/create", key, { shedule: 1 });
    expect(ErrorEnvelopeSchema.safeParse(bad.body).success).toBe(true);
  });
});
