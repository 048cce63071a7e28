// The served OpenAPI document is valid OpenAPI 3.1 and describes exactly the routes
// the app registers (no drift between router and document).
import { compileErrors, validate } from "@readme/openapi-parser";
import { describe, expect, it } from "vitest";
import { newApp } from "../../src/api/app";
import { ERROR_CODES } from "../../src/api/errors";
import { routes } from "../../src/api/routes";

async function served() {
  const res = await newApp().request("/v1/openapi.json");
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toMatch(/application\/json/);
  return (await res.json()) as any;
}

describe("GET /v1/openapi.json", () => {
  it("is a valid OpenAPI 3.1 document", async () => {
    const doc = await served();
    expect(doc.openapi).toBe("3.1.0");
    const result = await validate(structuredClone(doc));
    if (!result.valid) throw new Error(compileErrors(result));
    expect(result.valid).toBe(true);
    // and the validator does refuse a broken document
    const broken = structuredClone(doc);
    broken.paths["/v1/cron/get/{id}"].get.responses = { "200": { content: 5 } };
    expect((await validate(broken)).valid).toBe(false);
  });

  it("lists every registered route, and nothing else", async () => {
    const doc = await served();
    const inDoc = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.entries(ops as Record<string, { operationId: string }>).map(
        ([m, op]) => `${m.toUpperCase()} ${path} ${op.operationId}`,
      ),
    );
    const registered = routes.map(
      (r) => `${r.method} ${r.path.replace(/:([a-z_]+)/g, "{$1}")} ${r.operation}`,
    );
    expect(inDoc.sort()).toEqual(registered.sort());
    // the seed's 12 capabilities + preview + stats
    for (const op of [
      "cron.create",
      "cron.list",
      "cron.get",
      "cron.update",
      "cron.delete",
      "cron.pause",
      "cron.resume",
      "cron.trigger",
      "cron.runs.get",
      "cron.runs.list",
      "cron.retention.get",
      "cron.retention.set",
      "cron.preview",
    ]) {
      expect(
        registered.some((r) => r.endsWith(` ${op}`)),
        op,
      ).toBe(true);
    }
  });

  it("describes bodies, responses, errors, security and the seed's examples", async () => {
    const doc = await served();
    expect(doc.components.securitySchemes.bearer).toMatchObject({ type: "http", scheme: "bearer" });
    expect(doc.security).toEqual([{ bearer: [] }]);
    const create = doc.paths["/v1/cron/create"].post;
    const body = create.requestBody.content["application/json"];
    for (const f of [
      "schedule",
      "cron_expr",
      "url",
      "task",
      "task_url",
      "retries",
      "retry",
      "run_at",
      "overlap_policy",
    ]) {
      expect(body.schema.properties, f).toHaveProperty(f);
    }
    expect(body.schema.additionalProperties).toBe(false);
    expect(body.examples.seed.value).toEqual({
      cron_expr: "0 9 * * 1",
      task_type: "http_url",
      task_url: "https://api.acme.com/weekly",
    });
    expect(create.responses["201"].content["application/json"].schema.properties.data.$ref).toBe(
      "#/components/schemas/CronRecord",
    );
    expect(Object.keys(create.responses)).toEqual(
      expect.arrayContaining(["201", "400", "401", "403", "409", "413", "415", "429", "500"]),
    );
    expect(
      doc.paths["/v1/cron/trigger/{id}"].post.requestBody.content["application/json"].examples.seed
        .value,
    ).toEqual({
      job_id: "cron_01HX...",
    });
    const codes = doc.components.schemas.Error.properties.error.properties.code.enum;
    expect(codes).toContain("IDEMPOTENCY_CONFLICT");
    // The document's error codes are exactly the API's closed set.
    expect([...codes].sort()).toEqual([...ERROR_CODES].sort());
    expect(doc.components.schemas.CronRun.properties).toHaveProperty("attempt_log");
    const list = doc.paths["/v1/cron/runs/list/{id}"].get;
    expect(list.parameters.map((p: { name: string }) => p.name)).toEqual([
      "id",
      "limit",
      "cursor",
      "state",
    ]);
    expect(JSON.stringify(doc)).not.toContain("#/$defs/");
  });

  it("documents 405 on every operation, and the required aliases of create and preview", async () => {
    const doc = await served();
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops as Record<string, any>)) {
        const r405 = op.responses["405"];
        expect(r405?.description, `${method} ${path}`).toContain("METHOD_NOT_ALLOWED");
        expect(r405.headers.Allow.schema).toEqual({ type: "string" });
      }
    }
    const required = (path: string) =>
      doc.paths[path].post.requestBody.content["application/json"].schema.allOf.map((g: any) =>
        g.anyOf.map((alt: any) => alt.required),
      );
    expect(required("/v1/cron/create")).toEqual([
      [["url"], ["task"], ["task_url"]],
      [["schedule"], ["cron_expr"], ["run_at"]],
    ]);
    expect(required("/v1/cron/preview")).toEqual([[["schedule"], ["cron_expr"]]]);
    // No recursive component: the JSON payload is the unconstrained schema.
    expect(doc.components.schemas).not.toHaveProperty("JsonValue");
    expect(doc.components.schemas.CronRecord.properties.payload).toEqual({
      description: "any JSON value",
    });
  });
});
