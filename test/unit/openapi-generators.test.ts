// The served OpenAPI document goes through the ecosystem's standard generator
// (openapi-typescript) and a typed openapi-fetch client calling create, get, list,
// trigger and runs.list type-checks with `strict` on: every field of the records is
// present and required, required body fields and bodies are marked as such.
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import openapiTS, { astToString } from "openapi-typescript";
import ts from "typescript";
import { afterAll, describe, expect, it } from "vitest";
import { newApp } from "../../src/api/app";
import { CronRecordSchema, CronRunSchema } from "../../src/api/models";
import { PROJECT_ROOT } from "../helpers/wrangler-dev";

const dir = mkdtempSync(join(tmpdir(), "crondo-openapi-gen-"));
symlinkSync(join(PROJECT_ROOT, "node_modules"), join(dir, "node_modules"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function generatedTypes(): Promise<string> {
  const res = await newApp().request("/v1/openapi.json");
  expect(res.status).toBe(200);
  return astToString(await openapiTS(await res.json()));
}

/** Every field, as a required member: `{ a: unknown; b: unknown }`. */
const allFields = (schema: { shape: Record<string, unknown> }) =>
  `{ ${Object.keys(schema.shape)
    .map((k) => `${k}: unknown;`)
    .join(" ")} }`;

const SAMPLE = `
import createClient from "openapi-fetch";
import type { components, paths } from "./schema";

type CronRecord = components["schemas"]["CronRecord"];
type CronRun = components["schemas"]["CronRun"];

const crondo = createClient<paths>({
  baseUrl: "http://127.0.0.1:8787",
  headers: { authorization: "Bearer crondo_example" },
});

function fail(error: components["schemas"]["Error"]): never {
  throw new Error(error.error.code + ": " + error.error.message);
}

export async function sample(): Promise<string[]> {
  const created = await crondo.POST("/v1/cron/create", {
    body: { name: "gen", schedule: "*/5 * * * *", url: "https://example.com/hook", payload: { a: [1, "x", null] } },
    params: { header: { "Idempotency-Key": "gen-1" } },
  });
  if (created.error) fail(created.error);
  const job: CronRecord = created.data.data;
  // every field of the record is there, and required
  const fields: ${allFields(CronRecordSchema)} = job;
  const id: string = job.cron_id;
  const schedule: string | null = job.schedule;
  const status: "active" | "paused" | "completed" = job.status;
  const payload: unknown = job.payload;
  const retries: number = job.retries;

  const got = await crondo.GET("/v1/cron/get/{id}", { params: { path: { id } } });
  if (got.error) fail(got.error);
  const samePayload: unknown = got.data.data.payload;

  const list = await crondo.GET("/v1/cron/list", { params: { query: { limit: 10, status: "active" } } });
  if (list.error) fail(list.error);
  const next: string | null = list.data.data.next_cursor;
  const names: string[] = list.data.data.items.map((j) => j.name);

  const triggered = await crondo.POST("/v1/cron/trigger/{id}", { params: { path: { id } }, body: {} });
  if (triggered.error) fail(triggered.error);
  const run: CronRun = triggered.data.data;
  const runFields: ${allFields(CronRunSchema)} = run;

  const runs = await crondo.GET("/v1/cron/runs/list/{id}", {
    params: { path: { id }, query: { limit: 5, state: "succeeded" } },
  });
  if (runs.error) fail(runs.error);
  const lags: (number | null)[] = runs.data.data.items.map((r) => r.fire_lag_ms);
  const attempts: number[] = runs.data.data.items.flatMap((r) => r.attempt_log.map((a) => a.attempt));

  // the seed's own spellings are a valid create body too
  await crondo.POST("/v1/cron/create", {
    body: { cron_expr: "0 9 * * 1", task_type: "http_url", task_url: "https://api.acme.com/weekly" },
  });
  await crondo.POST("/v1/cron/create", { body: { run_at: "2030-01-01T09:00:00Z", task: "https://x.example/" } });

  // @ts-expect-error url (task, task_url) is required
  await crondo.POST("/v1/cron/create", { body: { schedule: "* * * * *" } });
  // @ts-expect-error schedule (cron_expr) or run_at is required
  await crondo.POST("/v1/cron/create", { body: { url: "https://example.com/" } });
  // @ts-expect-error create's body is required
  await crondo.POST("/v1/cron/create", {});
  // @ts-expect-error retention.set's body is required
  await crondo.PUT("/v1/cron/retention/set/{id}", { params: { path: { id } } });
  // @ts-expect-error retention_days is required
  await crondo.PUT("/v1/cron/retention/set/{id}", { params: { path: { id } }, body: {} });
  // @ts-expect-error preview needs schedule (or cron_expr)
  await crondo.POST("/v1/cron/preview", { body: { timezone: "UTC" } });

  return [String(fields), String(runFields), schedule ?? "", status, String(payload), String(retries),
    String(samePayload), next ?? "", ...names, String(lags), String(attempts)];
}
`;

function typeErrors(files: string[]): string[] {
  const program = ts.createProgram(files, {
    strict: true,
    noUncheckedIndexedAccess: true,
    exactOptionalPropertyTypes: true,
    noUnusedLocals: true,
    skipLibCheck: false,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    lib: ["lib.es2022.d.ts", "lib.dom.d.ts"],
    types: [],
  });
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const where = d.file
      ? `${d.file.fileName.slice(dir.length + 1)}:${d.file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1}`
      : "";
    return `${where} TS${d.code}: ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`;
  });
}

describe("the OpenAPI document through openapi-typescript + openapi-fetch", () => {
  it("type-checks a strict openapi-fetch client of create, get, list, trigger and runs.list", async () => {
    writeFileSync(join(dir, "schema.ts"), await generatedTypes());
    writeFileSync(join(dir, "sample.ts"), SAMPLE);
    expect(typeErrors([join(dir, "sample.ts")])).toEqual([]);
  }, 60_000);

  it("fails when a record field is missing (the check can fail)", async () => {
    const types = (await generatedTypes()).replace(/\n\s*payload: unknown;/, "\n");
    writeFileSync(join(dir, "schema.ts"), types);
    writeFileSync(join(dir, "sample.ts"), SAMPLE);
    const errors = typeErrors([join(dir, "sample.ts")]);
    expect(errors.some((e) => e.includes("payload"))).toBe(true);
  }, 60_000);
});
