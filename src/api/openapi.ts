// The OpenAPI 3.1 document, generated from the same zod schemas that validate
// requests (and that the tests hold real responses to) and from the one list of
// routes the app registers: router and document cannot drift apart.
import { z } from "zod";
import { VERSION } from "../lib/version";
import { ERROR_CODES, ERROR_STATUS, type ErrorCode } from "./errors";
import { ErrorEnvelopeSchema, successEnvelope } from "./models";
import { type Route, routeScope } from "./route";

type JsonSchema = Record<string, unknown>;

const ANY_JSON: JsonSchema = { description: "any JSON value" };
const isAnyJson = (s: JsonSchema) =>
  Object.keys(s).every((k) => k === "description") && s.description === ANY_JSON.description;

/**
 * `requireOneOf` groups as JSON Schema: for each group, an `anyOf` of one-property
 * schemas each requiring its field (the property schema repeated, so that generators
 * emit `{ url: string } | { task: string } | …` rather than `unknown`).
 */
function requiredGroups(body: JsonSchema, groups: readonly (readonly string[])[]): JsonSchema {
  const properties = (body.properties ?? {}) as Record<string, JsonSchema>;
  return {
    ...body,
    allOf: groups.map((names) => ({
      anyOf: names.map((name) => ({
        type: "object",
        properties: { [name]: properties[name] },
        required: [name],
      })),
    })),
  };
}

/**
 * JSON Schema 2020-12 (OpenAPI 3.1's dialect). zod puts named models (`.meta({id})`)
 * and recursive parts into `$defs`; in an OpenAPI document `#/…` refers to the
 * document, so every `$defs` entry is hoisted into components.schemas and its refs
 * rewritten. The recursive JSON value of `payload` becomes the unconstrained schema
 * (`{}` accepts any JSON value): a recursive component is exactly what generators
 * choke on (openapi-typescript 7.13 emits a self-referencing property type, TS2502,
 * and the field then vanishes from openapi-fetch's response types).
 */
function schemaOf(
  schema: z.ZodType,
  io: "input" | "output",
  components: Record<string, JsonSchema>,
): JsonSchema {
  const json = z.toJSONSchema(schema, {
    target: "draft-2020-12",
    io,
    unrepresentable: "any",
  }) as JsonSchema;
  delete json.$schema;
  const defs = (json.$defs ?? {}) as Record<string, JsonSchema>;
  delete json.$defs;
  const rename = new Map<string, string>();
  const jsonValues = new Set<string>();
  for (const [name, def] of Object.entries(defs)) {
    const anyOf = def.anyOf as JsonSchema[] | undefined;
    if (anyOf?.length === 6 && anyOf.some((a) => a.type === "null")) jsonValues.add(name);
    else rename.set(name, name.startsWith("__") ? `${name.slice(2)}_${io}` : name);
  }
  const rewrite = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(rewrite);
    if (node === null || typeof node !== "object") return node;
    const ref = (node as JsonSchema).$ref;
    const m = typeof ref === "string" ? /^#\/\$defs\/(.+)$/.exec(ref) : null;
    if (m && jsonValues.has(m[1]!)) return { ...ANY_JSON };
    const out: JsonSchema = {};
    for (const [k, v] of Object.entries(node)) {
      out[k] = m && k === "$ref" ? `#/components/schemas/${rename.get(m[1]!) ?? m[1]}` : rewrite(v);
    }
    // `any JSON value or null` is any JSON value.
    const anyOf = out.anyOf as JsonSchema[] | undefined;
    if (anyOf?.some(isAnyJson)) {
      delete out.anyOf;
      return { ...ANY_JSON, ...out };
    }
    return out;
  };
  for (const [name, def] of Object.entries(defs)) {
    if (jsonValues.has(name)) continue;
    const target = rename.get(name)!;
    // Input and output forms of a model may differ (defaults): keep the output one.
    if (!(target in components) || io === "output") components[target] = rewrite(def) as JsonSchema;
  }
  return rewrite(json) as JsonSchema;
}

const openapiPath = (path: string) => path.replace(/:([a-z_]+)/g, "{$1}");

function queryParameters(query: z.ZodType | undefined, components: Record<string, JsonSchema>) {
  if (!query) return [];
  const json = schemaOf(query, "input", components) as { properties?: Record<string, JsonSchema> };
  return Object.entries(json.properties ?? {}).map(([name, schema]) => ({
    name,
    in: "query",
    required: false,
    schema,
  }));
}

function pathParameters(path: string) {
  return [...path.matchAll(/:([a-z_]+)/g)].map(([, name]) => ({
    name: name!,
    in: "path",
    required: true,
    schema: { type: "string" },
    description: name === "id" ? "cron_id of the job (cron_ + ULID)" : "run_id (run_ + ULID)",
  }));
}

/** Headers some error statuses carry (SPEC §2). */
const ERROR_HEADERS: Partial<Record<number, Record<string, string>>> = {
  405: { Allow: "the methods this path accepts" },
  429: { "Retry-After": "seconds until the key may call again" },
};

const errorResponse = (status: number, description: string) => {
  const headers = ERROR_HEADERS[status];
  return {
    description,
    ...(headers
      ? {
          headers: Object.fromEntries(
            Object.entries(headers).map(([name, d]) => [
              name,
              { description: d, schema: { type: "string" } },
            ]),
          ),
        }
      : {}),
    content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } },
  };
};

function errorResponses(route: Route) {
  // Every path answers another method with 405 (and an Allow header).
  const codes = new Set<ErrorCode>([
    "UNAUTHORIZED",
    "METHOD_NOT_ALLOWED",
    "RATE_LIMITED",
    "INTERNAL",
  ]);
  if (route.path.includes(":id")) codes.add("NOT_FOUND");
  if (route.doc.body || route.doc.query) codes.add("VALIDATION_ERROR");
  if (route.doc.body)
    for (const c of ["INVALID_JSON", "PAYLOAD_TOO_LARGE", "UNSUPPORTED_MEDIA_TYPE"] as const)
      codes.add(c);
  for (const c of route.doc.errors ?? []) codes.add(c);
  if (route.mutating) codes.add("IDEMPOTENCY_CONFLICT");
  // A key without the scope the route declares (read-only keys on all but GET routes).
  if (routeScope(route) !== "read") codes.add("FORBIDDEN");
  const byStatus = new Map<number, string[]>();
  for (const code of codes) {
    const status = ERROR_STATUS[code];
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  return Object.fromEntries(
    [...byStatus].map(([status, list]) => [String(status), errorResponse(status, list.join(", "))]),
  );
}

export function buildOpenApi(routes: Route[], serverUrl?: string) {
  const paths: Record<string, Record<string, unknown>> = {};
  const components: Record<string, JsonSchema> = {};
  const errorSchema = schemaOf(ErrorEnvelopeSchema, "output", components);
  if (!errorSchema.$ref) components.Error = errorSchema;
  for (const route of routes) {
    const { doc } = route;
    const operation: Record<string, unknown> = {
      operationId: route.operation,
      summary: doc.summary,
      // The key scope it needs (a bearer scheme has no scopes of its own to say it with).
      "x-crondo-scope": routeScope(route),
      tags: [route.tag ?? "cron"],
      parameters: [
        ...pathParameters(route.path),
        ...queryParameters(doc.query, components),
        ...(route.mutating
          ? [
              {
                name: "Idempotency-Key",
                in: "header",
                required: false,
                schema: { type: "string", maxLength: 255 },
                description:
                  "Replays the first answer for 24 h (or send idempotency_key in the body)",
              },
            ]
          : []),
      ],
      responses: {
        [String(doc.status ?? 200)]: {
          description: "Success",
          content: doc.contentType
            ? { [doc.contentType]: { schema: schemaOf(doc.response, "output", components) } }
            : {
                "application/json": {
                  schema: schemaOf(successEnvelope(doc.response), "output", components),
                },
              },
        },
        ...errorResponses(route),
      },
    };
    if (doc.description) operation.description = doc.description;
    if (doc.body) {
      operation.requestBody = {
        required: route.doc.bodyRequired ?? false,
        content: {
          "application/json": {
            schema: doc.requireOneOf
              ? requiredGroups(schemaOf(doc.body, "input", components), doc.requireOneOf)
              : schemaOf(doc.body, "input", components),
            ...(doc.examples
              ? {
                  examples: Object.fromEntries(
                    Object.entries(doc.examples).map(([k, v]) => [k, { value: v }]),
                  ),
                }
              : {}),
          },
        },
      };
    }
    paths[openapiPath(route.path)] ??= {};
    paths[openapiPath(route.path)]![route.method.toLowerCase()] = operation;
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "crondo",
      version: VERSION,
      description:
        "Self-hosted HTTP cron on Cloudflare Workers. Every response is an envelope: " +
        '{"ok": true, "data": …} or {"ok": false, "error": {"code", "message", "details"}}. ' +
        `Error codes: ${ERROR_CODES.join(", ")}.`,
    },
    servers: [{ url: serverUrl ?? "/" }],
    security: [{ bearer: [] }],
    tags: [
      { name: "cron", description: "Jobs" },
      { name: "runs", description: "Run history" },
      { name: "keys", description: "The calling API key" },
    ],
    paths,
    components: {
      securitySchemes: {
        bearer: {
          type: "http",
          scheme: "bearer",
          description:
            "API key from `npm run keys -- create`. A key's scopes (`x-crondo-scope` on each " +
            'operation): "read" for the GET operations, "write" for the others; a key without ' +
            "the scope an operation needs is answered 403 FORBIDDEN.",
        },
      },
      schemas: components,
    },
  };
}
