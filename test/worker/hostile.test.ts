// A hostile-input corpus over every endpoint of SPEC §3: wrong types for every field,
// huge strings and bodies, deep nesting, unicode oddities, prototype keys, bad cursors and
// limits, SQL-ish and path-traversal ids, odd Authorization headers, wrong content types,
// empty bodies and wrong methods.
//
// For every response: never a 5xx; the SPEC §2 envelope with a code from the closed set
// and the status that code carries; an X-Request-Id; nothing that looks like a stack trace
// or an internal name. Two jobs of two tenants, created before the barrage, must come out
// of it byte-for-byte unchanged: the barrage runs with their own keys against their own
// ids, and every request aimed at them must be refused.
import { SELF } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { ERROR_CODES, ERROR_STATUS, type ErrorCode } from "../../src/api/errors";
import { routes } from "../../src/api/routes";
import { createKey, landed, receiverLog, receiverUrl, uniquePath, waitForRun } from "./helpers";

// ------------------------------------------------------------------ requests

type Who = "A" | "B" | "C" | "none";
/** Body: `json` is serialised; `raw` is sent as is (string, bytes or a stream factory). */
interface Req {
  method: string;
  /** May contain {A} {Arun} {B} {C} {Cdel} {FAKE} {FAKERUN}: filled in at run time. */
  path: string;
  as: Who;
  json?: unknown;
  raw?: string | Uint8Array | (() => ReadableStream<Uint8Array>);
  /** Default application/json when there is a body; null sends none. */
  contentType?: string | null;
  headers?: Record<string, string>;
  /** Replaces the Authorization header entirely (the key placeholders {keyA} {keyB} work). */
  authorization?: string;
}
/** The acceptable outcomes: error codes, or "ok" for a 2xx. */
type Outcome = ErrorCode | "ok";
interface Case extends Req {
  name: string;
  expect: Outcome[];
}

const FAKE_ID = "cron_01M85C67QJY8V9G5E3MR1PNZDM";
const FAKE_RUN = "run_01M85C67QJY8V9G5E3MR1PNZDM";
const FAR = "0 0 1 1 *";
const PUBLIC_URL = "https://api.example.com/hostile";

const ids: Record<string, string> = { FAKE: FAKE_ID, FAKERUN: FAKE_RUN };
const keyPools: Record<string, { keys: string[]; used: number }> = {};
const firstKey: Record<string, string> = {};
const TENANT: Record<Exclude<Who, "none">, string> = {
  A: "hostile-a",
  B: "hostile-b",
  C: "hostile-c",
};

/** A key for `who`, rotated well before the 600-a-minute limit of wrangler.toml. */
async function keyFor(who: Exclude<Who, "none">): Promise<string> {
  keyPools[who] ??= { keys: [], used: 0 };
  const pool = keyPools[who];
  if (pool.keys.length === 0 || pool.used >= 200) {
    pool.keys.push(await createKey(TENANT[who]));
    pool.used = 0;
  }
  pool.used++;
  return pool.keys.at(-1)!;
}

const fill = (text: string) =>
  text
    .replace(/\{(A|Arun|B|C|Cdel|FAKE|FAKERUN)\}/g, (_m, name: string) => ids[name]!)
    .replace(/\{key(A|B)\}/g, (_m, who: string) => firstKey[who]!);

interface Answer {
  status: number;
  headers: Headers;
  text: string;
  body: any;
}

async function send(req: Req): Promise<Answer> {
  const headers = new Headers();
  for (const [k, v] of Object.entries(req.headers ?? {})) headers.set(k, fill(v));
  if (req.authorization !== undefined) headers.set("authorization", fill(req.authorization));
  else if (req.as !== "none") headers.set("authorization", `Bearer ${await keyFor(req.as)}`);
  let body: BodyInit | undefined;
  if (typeof req.raw === "function") body = req.raw();
  else if (typeof req.raw === "string") body = fill(req.raw);
  else if (req.raw !== undefined) body = req.raw;
  else if (req.json !== undefined) body = fill(JSON.stringify(req.json));
  if (body !== undefined && req.contentType !== null && !headers.has("content-type")) {
    headers.set("content-type", req.contentType ?? "application/json");
  }
  const res = await SELF.fetch(`https://crondo.test${fill(req.path)}`, {
    method: req.method,
    headers,
    body,
  });
  const text = await res.text();
  let parsed: any;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return { status: res.status, headers: res.headers, text, body: parsed };
}

// ------------------------------------------------------------------ the checks

/** Signs of a stack trace or of internals in a response body. */
const LEAKS: [string, RegExp][] = [
  ["stack frame", /\bat (?:async )?[\w$.<>[\]]+ \(|\n\s+at\s/],
  ["source position", /\.(?:ts|js|mjs):\d+/],
  ["file path", /node_modules|file:\/\/|\/src\/|\/work\//],
  ["error class", /\b(?:TypeError|RangeError|ReferenceError|SyntaxError|URIError|ZodError)\b/],
  ["database", /SQLITE|D1_ERROR|\bsqlite\b|no such (?:table|column)/i],
  ["runtime", /workerd|DurableObject|Durable Object|jsg\.|internal error/i],
  ["object dump", /\[object Object\]|\bundefined is not\b|Cannot read propert/],
];

function checkAnswer(c: Case, res: Answer) {
  const where = `${c.name}: ${res.status} ${res.text.slice(0, 300)}`;
  expect(res.status, where).toBeLessThan(500);
  expect(res.headers.get("x-request-id"), where).toMatch(/^req_[0-9A-HJKMNP-TV-Z]{26}$/);
  expect(res.headers.get("content-type"), where).toMatch(/^application\/json/);
  expect(res.body, `${where} (not JSON)`).toBeTypeOf("object");
  for (const [what, re] of LEAKS) expect(res.text, `${where} — ${what}`).not.toMatch(re);

  if (res.status < 300) {
    expect(c.expect, `${where} — a 2xx was not expected`).toContain("ok");
    expect(Object.keys(res.body).sort(), where).toEqual(["data", "ok"]);
    expect(res.body.ok, where).toBe(true);
    return;
  }
  expect(Object.keys(res.body).sort(), where).toEqual(["error", "ok"]);
  expect(res.body.ok, where).toBe(false);
  const { error } = res.body;
  expect(Object.keys(error).sort(), where).toEqual(["code", "details", "message"]);
  expect(ERROR_CODES, where).toContain(error.code);
  expect(res.status, where).toBe(ERROR_STATUS[error.code as ErrorCode]);
  expect(error.message, where).toBeTypeOf("string");
  expect(error.message.length, where).toBeGreaterThan(0);
  expect(Array.isArray(error.details), where).toBe(true);
  for (const d of error.details) {
    expect(d.path, where).toBeTypeOf("string");
    expect(d.message, where).toBeTypeOf("string");
  }
  expect(c.expect, where).toContain(error.code);
  if (error.code === "UNAUTHORIZED")
    expect(res.headers.get("www-authenticate"), where).toBeTruthy();
  if (error.code === "METHOD_NOT_ALLOWED") expect(res.headers.get("allow"), where).toBeTruthy();
}

// ------------------------------------------------------------------ the corpus

/** A registered route as the corpus sees it: `op` is its operation without "cron.". */
interface Route {
  op: string;
  method: string;
  /** The registered path, e.g. "/v1/cron/runs/get/:id/:run_id". */
  path: string;
  /** A request body that would succeed (and change the job) if it reached the operation. */
  body?: Record<string, unknown>;
  /** The route refuses a missing body (its fields are required). */
  bodyRequired: boolean;
}
/**
 * Bodies that would succeed, by operation. Every registered route that is not a GET must
 * have one here (checked below), so a new route gets the body corpus as well.
 */
const GOOD_BODIES: Record<string, Record<string, unknown>> = {
  "cron.create": { schedule: FAR, url: PUBLIC_URL },
  "cron.update": { name: "pwned" },
  "cron.delete": {},
  "cron.pause": {},
  "cron.resume": {},
  "cron.trigger": {},
  "cron.retention.set": { retention_days: 1 },
  "cron.preview": { schedule: "* * * * *" },
  "cron.backfill": { from: "2026-01-01T00:00:00Z", to: "2026-01-01T00:10:00Z" },
  "cron.runs.replay": {},
  "cron.runs.replay_many": { state: "failed" },
  "cron.runs.cancel": {},
  "cron.rotate_secret": {},
};
/** The routes the app registers (src/api/routes), not a copy of them. */
const ROUTES: Route[] = routes.map((r) => ({
  op: r.operation.replace(/^cron\./, ""),
  method: r.method,
  path: r.path,
  body: GOOD_BODIES[r.operation],
  bodyRequired: r.doc.bodyRequired ?? false,
}));
const route = (op: string) => {
  const r = ROUTES.find((r) => r.op === op);
  if (!r) throw new Error(`no registered route for operation ${op}`);
  return r;
};
/** A route's path with its parameters filled in; an unknown parameter is an error. */
const at = (r: Route, id = "{A}", run = "{Arun}") =>
  r.path.replace(/:(\w+)/g, (_m, name: string) => {
    if (name === "id") return id;
    if (name === "run_id") return run;
    throw new Error(`${r.op}: the corpus has no values for path parameter :${name}`);
  });
/** Whether a case's path (placeholders and query string included) is aimed at route `r`. */
const aimsAt = (r: Route, path: string) =>
  new RegExp(`^${r.path.replace(/:\w+/g, "[^/?]+")}(?:\\?.*)?$`).test(path);
const BODY_ROUTES = ROUTES.filter((r) => r.body !== undefined);
const ACTION_OPS = ["delete", "pause", "resume", "trigger"];

const CASES: Case[] = [];
const add = (c: Case) => CASES.push(c);
const KB = 1024;
const MB = 1024 * KB;

// --- 1. Authorization header oddities, on every route, aimed at A's job --------------------
const AUTH: [string, string][] = [
  ["empty", ""],
  ["scheme only", "Bearer"],
  ["scheme and spaces", "Bearer    "],
  ["two keys", "Bearer {keyA} {keyA}"],
  ["two credentials", "Bearer {keyA}, Bearer {keyB}"],
  ["comma-joined keys", "Bearer {keyA},{keyB}"],
  ["non-ASCII key", "Bearer cl\u00e9-\u00fc\u00f1\u00ee"],
  ["10 KB key", `Bearer ${"k".repeat(10 * KB)}`],
  ["basic scheme", "Basic aG9zdGlsZTpwYXNz"],
  ["token scheme", "Token {keyA}"],
  ["key plus one char", "Bearer {keyA}x"],
  ["quoted key", 'Bearer "{keyA}"'],
  ["vertical tab separator", "Bearer\u000b{keyA}"],
  ["trailing NBSP", "Bearer {keyA}\u00a0"],
  ["SQL in key", "Bearer ' OR '1'='1"],
];
for (const r of ROUTES) {
  for (const [label, authorization] of AUTH) {
    add({
      name: `${r.op} — Authorization: ${label}`,
      method: r.method,
      path: at(r),
      as: "A",
      authorization,
      json: r.body,
      expect: ["UNAUTHORIZED"],
    });
  }
}
// Spellings of the API paths without a key: never past the authentication.
for (const path of [
  "/v1/%63ron/list",
  "/v1/cron/%6cist",
  "/v1/cron/list/",
  "/v1/cron//list",
  "//v1/cron/list",
  "/v1/cron/./list",
  "/v1/cron/list;x",
  "/v1/cron/list%00",
  "/V1/CRON/LIST",
  "/v1/cron/get/{A}/",
  "/v1/cron/%67et/{A}",
  "/v1/cron/runs/../get/{A}",
]) {
  add({
    name: `no key — GET ${path}`,
    method: "GET",
    path,
    as: "none",
    expect: ["UNAUTHORIZED", "NOT_FOUND"],
  });
}

// --- 2. Methods not allowed -----------------------------------------------------------------
for (const r of ROUTES) {
  for (const method of ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "PURGE"]) {
    if (method === r.method) continue;
    add({
      name: `${r.op} — method ${method}`,
      method,
      path: at(r),
      as: "A",
      json: method === "GET" || method === "OPTIONS" ? undefined : r.body,
      expect: ["METHOD_NOT_ALLOWED"],
    });
  }
}
for (const path of ["/v1/cron/", "/v1/cron/nope", "/v1/cron/get", "/v1/cron/get/{A}/extra"]) {
  add({ name: `unknown route ${path}`, method: "GET", path, as: "A", expect: ["NOT_FOUND"] });
}

// --- 3. Hostile ids, in every route that takes one ------------------------------------------
const BAD_IDS: [string, string][] = [
  ["SQL quote", "cron_'%20OR%20'1'%3D'1"],
  ["SQL tautology", "1%20OR%201%3D1"],
  ["SQL comment", `${FAKE_ID}'--`],
  ["SQL drop", "'%3B%20DROP%20TABLE%20jobs%3B--"],
  ["SQL union", "cron_x'%20UNION%20SELECT%20record%20FROM%20jobs--"],
  ["NUL", "%00"],
  ["id with NUL", "{A}%00"],
  ["encoded traversal", "..%2F..%2Flist"],
  ["dot-encoded traversal", "%2e%2e%2f%2e%2e%2flist"],
  ["double-encoded traversal", "%252e%252e%252flist"],
  ["traversal to etc", "..%2F..%2F..%2F..%2Fetc%2Fpasswd"],
  ["backslash traversal", "..%5C..%5Cwindows"],
  ["lower-case id", "{A}".toLowerCase()],
  ["id with space", "{A}%20"],
  ["id with newline", "{A}%0A"],
  ["RTL override", "%E2%80%AE{A}"],
  ["lone surrogate (invalid UTF-8)", "%ED%A0%80"],
  ["stray percent", "cron_%"],
  ["emoji", "%F0%9F%92%A9"],
  ["10 KB id", `cron_${"0".repeat(10 * KB)}`],
  ["wildcard", "*"],
  ["LIKE pattern", "cron_%25"],
  ["another tenant's job", "{B}"],
  ["unknown job", "{FAKE}"],
];
for (const r of ROUTES.filter((r) => r.path.includes(":id"))) {
  for (const [label, id] of BAD_IDS) {
    add({
      name: `${r.op} — id: ${label}`,
      method: r.method,
      path: at(r, id),
      as: "A",
      json: r.body,
      expect: ["NOT_FOUND"],
    });
  }
}
for (const [label, run] of BAD_IDS) {
  add({
    name: `runs.get — run id: ${label}`,
    method: "GET",
    path: at(route("runs.get"), "{A}", run),
    as: "A",
    expect: ["NOT_FOUND"],
  });
}
add({
  name: "runs.get — A's real run under B's key",
  method: "GET",
  path: at(route("runs.get")),
  as: "B",
  expect: ["NOT_FOUND"],
});

// --- 4. Query strings: bad limits, cursors and filters ---------------------------------------
const b64 = (s: string) => encodeURIComponent(btoa(s));
const QUERIES: [string, string, Outcome[]][] = [
  ["limit -1", "limit=-1", ["VALIDATION_ERROR"]],
  ["limit 0", "limit=0", ["VALIDATION_ERROR"]],
  ["limit 101", "limit=101", ["VALIDATION_ERROR"]],
  ["limit 1e9", "limit=1e9", ["VALIDATION_ERROR"]],
  ["limit NaN", "limit=NaN", ["VALIDATION_ERROR"]],
  ["limit Infinity", "limit=Infinity", ["VALIDATION_ERROR"]],
  ["limit 1.5", "limit=1.5", ["VALIDATION_ERROR"]],
  ["limit SQL", "limit=1%3BDROP%20TABLE%20jobs", ["VALIDATION_ERROR"]],
  ["limit words", "limit=ten", ["VALIDATION_ERROR"]],
  ["limit empty", "limit=", ["VALIDATION_ERROR"]],
  ["limit 1e400", "limit=1e400", ["VALIDATION_ERROR"]],
  ["limit huge digits", `limit=${"9".repeat(400)}`, ["VALIDATION_ERROR"]],
  ["limit twice", "limit=1&limit=2", ["ok", "VALIDATION_ERROR"]],
  ["limit as array", "limit[]=1", ["VALIDATION_ERROR"]],
  ["cursor NUL", "cursor=%00", ["VALIDATION_ERROR"]],
  ["cursor junk", "cursor=junk", ["VALIDATION_ERROR"]],
  ["cursor base64 junk", `cursor=${b64("\u0001\u00ff junk")}`, ["VALIDATION_ERROR"]],
  ["cursor base64 {}", `cursor=${b64("{}")}`, ["VALIDATION_ERROR"]],
  ["cursor base64 wrong id", `cursor=${b64('{"k":"x"}')}`, ["VALIDATION_ERROR"]],
  ["cursor base64 SQL", `cursor=${b64(`{"k":"cron_' OR 1=1--"}`)}`, ["VALIDATION_ERROR"]],
  ["cursor base64 proto", `cursor=${b64('{"__proto__":{"k":"x"}}')}`, ["VALIDATION_ERROR"]],
  ["cursor 600 chars", `cursor=${"A".repeat(600)}`, ["VALIDATION_ERROR"]],
  ["cursor 100 KB", `cursor=${"A".repeat(100 * KB)}`, ["VALIDATION_ERROR"]],
  ["cursor SQL", "cursor=%27%20OR%201%3D1--", ["VALIDATION_ERROR"]],
  ["cursor traversal", "cursor=..%2F..%2Fetc", ["VALIDATION_ERROR"]],
  ["cursor unicode", "cursor=%E2%80%AE%ED%A0%80", ["VALIDATION_ERROR"]],
  ["cursor empty", "cursor=", ["ok", "VALIDATION_ERROR"]],
  ["unknown param", "foo=1", ["VALIDATION_ERROR"]],
  ["constructor param", "constructor=1", ["VALIDATION_ERROR"]],
  ["__proto__ param", "__proto__=1", ["ok", "VALIDATION_ERROR"]],
  ["toString param", "toString=x", ["VALIDATION_ERROR"]],
  [
    "1000 params",
    Array.from({ length: 1000 }, (_, i) => `p${i}=1`).join("&"),
    ["VALIDATION_ERROR"],
  ],
];
for (const op of ["list", "runs.list"]) {
  const filter = op === "list" ? "status" : "state";
  const rows: [string, string, Outcome[]][] = [
    ...QUERIES,
    [`${filter} SQL`, `${filter}=active'%20OR%20'1'%3D'1`, ["VALIDATION_ERROR"]],
    [`${filter} upper case`, `${filter}=ACTIVE`, ["VALIDATION_ERROR"]],
    [`${filter} empty`, `${filter}=`, ["VALIDATION_ERROR"]],
    [`${filter} null`, `${filter}=null`, ["VALIDATION_ERROR"]],
  ];
  for (const [label, query, outcomes] of rows) {
    add({
      name: `${op} — query: ${label}`,
      method: "GET",
      path: `${at(route(op))}?${query}`,
      as: "A",
      expect: outcomes,
    });
  }
}

// stats takes one parameter, window (1..1000), and nothing else.
const STATS_QUERIES: [string, string, Outcome[]][] = [
  ["window -1", "window=-1", ["VALIDATION_ERROR"]],
  ["window 0", "window=0", ["VALIDATION_ERROR"]],
  ["window 1001", "window=1001", ["VALIDATION_ERROR"]],
  ["window 1e9", "window=1e9", ["VALIDATION_ERROR"]],
  ["window NaN", "window=NaN", ["VALIDATION_ERROR"]],
  ["window Infinity", "window=Infinity", ["VALIDATION_ERROR"]],
  ["window 1.5", "window=1.5", ["VALIDATION_ERROR"]],
  ["window SQL", "window=1%3BDROP%20TABLE%20runs", ["VALIDATION_ERROR"]],
  ["window words", "window=ten", ["VALIDATION_ERROR"]],
  ["window empty", "window=", ["VALIDATION_ERROR"]],
  ["window 1e400", "window=1e400", ["VALIDATION_ERROR"]],
  ["window huge digits", `window=${"9".repeat(400)}`, ["VALIDATION_ERROR"]],
  ["window twice", "window=1&window=2", ["ok", "VALIDATION_ERROR"]],
  ["window as array", "window[]=1", ["VALIDATION_ERROR"]],
  ["a list parameter", "limit=10", ["VALIDATION_ERROR"]],
  ...QUERIES.filter(([label]) => label.endsWith(" param") || label === "1000 params"),
];
for (const [label, query, outcomes] of STATS_QUERIES) {
  add({
    name: `stats — query: ${label}`,
    method: "GET",
    path: `${at(route("stats"))}?${query}`,
    as: "A",
    expect: outcomes,
  });
}

// --- 5. Bodies: size, nesting, syntax, shape, content type -----------------------------------
const deepArray = (n: number) => `${"[".repeat(n)}${"]".repeat(n)}`;
const deepObject = (n: number) => `${'{"a":'.repeat(n)}1${"}".repeat(n)}`;
const bigStream = (bytes: number) => () => {
  const chunk = new TextEncoder().encode(" ".repeat(64 * KB));
  let sent = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent >= bytes) {
        controller.enqueue(new TextEncoder().encode("{}"));
        controller.close();
        return;
      }
      controller.enqueue(chunk);
      sent += chunk.byteLength;
    },
  });
};
const BODIES: [string, Pick<Req, "raw" | "json" | "contentType">, Outcome[]][] = [
  ["10,000 nested arrays", { raw: deepArray(10_000) }, ["INVALID_JSON"]],
  ["10,000 nested objects", { raw: deepObject(10_000) }, ["INVALID_JSON"]],
  [
    "10,000 nested arrays beside an idempotency_key",
    { raw: `{"idempotency_key":"deep-${crypto.randomUUID()}","x":${deepArray(10_000)}}` },
    ["INVALID_JSON"],
  ],
  ["65 nested levels", { raw: `{"payload":${deepArray(64)}}` }, ["INVALID_JSON"]],
  ["1.1 MB JSON", { json: { payload: "x".repeat(1.1 * MB) } }, ["PAYLOAD_TOO_LARGE"]],
  ["5 MB JSON", { raw: `{"name":"${"x".repeat(5 * MB)}"}` }, ["PAYLOAD_TOO_LARGE"]],
  ["1.1 MB streamed, no length", { raw: bigStream(1.1 * MB) }, ["PAYLOAD_TOO_LARGE"]],
  ["truncated", { raw: '{"name":' }, ["INVALID_JSON"]],
  ["single quotes", { raw: "{'name':'x'}" }, ["INVALID_JSON"]],
  ["trailing comma", { raw: '{"name":"x",}' }, ["INVALID_JSON"]],
  ["two documents", { raw: "{}{}" }, ["INVALID_JSON"]],
  ["NaN literal", { raw: '{"retention_days":NaN}' }, ["INVALID_JSON"]],
  ["NUL byte", { raw: "\u0000" }, ["INVALID_JSON"]],
  ["invalid UTF-8", { raw: new Uint8Array([0xff, 0xfe, 0x7b, 0x7d]) }, ["INVALID_JSON"]],
  ["unterminated string", { raw: '{"name":"x' }, ["INVALID_JSON"]],
  ["JSON array", { raw: "[]" }, ["VALIDATION_ERROR"]],
  ["JSON number", { raw: "1" }, ["VALIDATION_ERROR"]],
  ["JSON string", { raw: '"hello"' }, ["VALIDATION_ERROR"]],
  ["JSON null", { raw: "null" }, ["VALIDATION_ERROR"]],
  ["JSON true", { raw: "true" }, ["VALIDATION_ERROR"]],
];
const CONTENT_TYPES = [
  "text/plain",
  "application/x-www-form-urlencoded",
  "multipart/form-data; boundary=x",
  "application/xml",
  "application/jsonx",
  "text/json",
  "json",
  "application/javascript",
];
for (const r of BODY_ROUTES) {
  const path = at(r);
  for (const [label, body, outcomes] of BODIES) {
    add({
      name: `${r.op} — body: ${label}`,
      method: r.method,
      path,
      as: "A",
      ...body,
      expect: outcomes,
    });
  }
  for (const type of CONTENT_TYPES) {
    add({
      name: `${r.op} — Content-Type: ${type}`,
      method: r.method,
      path,
      as: "A",
      json: r.body,
      contentType: type,
      expect: ["UNSUPPORTED_MEDIA_TYPE"],
    });
  }
  // An empty body is `{}`: refused where fields are required; the actions accept it (C only).
  // A run operation accepts it too, and then looks the (fake) run up: NOT_FOUND.
  const onRun = r.path.includes(":run_id");
  const empty: Outcome[] = r.bodyRequired ? ["VALIDATION_ERROR"] : onRun ? ["NOT_FOUND"] : ["ok"];
  const target = !r.bodyRequired ? (r.op === "delete" ? "{Cdel}" : "{C}") : "{A}";
  const as: Who = !r.bodyRequired ? "C" : "A";
  for (const [label, raw] of [
    ["empty body", ""],
    ["whitespace body", " \n\t "],
  ] as const) {
    if (r.op === "delete" && raw !== "") continue; // one delete is enough
    add({
      name: `${r.op} — ${label} with Content-Type JSON`,
      method: r.method,
      path: at(r, target, "{FAKERUN}"),
      as,
      raw,
      expect: empty,
    });
  }
}

// --- 6. Wrong types for every field of create and update -------------------------------------
const STRING_FIELDS = [
  "name",
  "schedule",
  "cron_expr",
  "run_at",
  "url",
  "task",
  "task_url",
  "timezone",
  "task_type",
  "method",
  "overlap_policy",
  "idempotency_key",
];
const INT_FIELDS = [
  "retries",
  "retry",
  "retry_backoff_seconds",
  "timeout_seconds",
  "retention_days",
];
const NOT_A_STRING = [1, 0, -1.5, true, false, null, [], ["x"], {}, { a: "b" }];
const NOT_AN_INT = ["3", "1", "", true, false, [], [3], {}, { n: 3 }, 1.5, -1, 1e9, 2 ** 63];
const WRONG: [string, unknown[]][] = [
  ...STRING_FIELDS.map((f): [string, unknown[]] => [f, NOT_A_STRING]),
  ...INT_FIELDS.map((f): [string, unknown[]] => [f, [...NOT_AN_INT, null]]),
  ["max_runs", [...NOT_AN_INT.filter((v) => v !== 1e9), 0]],
  ["enabled", ["true", "false", 1, 0, null, [], {}]],
  ["on_failure_webhook", [1, true, [], {}, ["https://example.com/"]]],
  [
    "headers",
    [
      "x",
      1,
      true,
      null,
      [],
      [["X-A", "b"]],
      { "X-A": 1 },
      { "X-A": null },
      { "X-A": true },
      { "X-A": ["v"] },
      { "X-A": {} },
      { "": "v" },
      { "X A": "v" },
      { "X-A\r\nX-B": "v" },
      { Host: "evil.example" },
      { "Content-Length": "0" },
      { "Transfer-Encoding": "chunked" },
      { "X-Cron-Signature": "forged" },
      { "X-A": "a\r\nInjected: 1" },
      { "X-A": "a\u0000b" },
      { "X-A": "v".repeat(5000) },
      Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`X-H${i}`, "v"])),
    ],
  ],
  ["payload", [{ blob: "x".repeat(300 * KB) }]],
];
const short = (v: unknown) => {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 40 ? `${s.slice(0, 30)}… (${s.length})` : s;
};
for (const [field, values] of WRONG) {
  for (const value of values) {
    add({
      name: `create — ${field}: ${short(value)}`,
      method: "POST",
      path: "/v1/cron/create",
      as: "A",
      json: { schedule: FAR, url: PUBLIC_URL, [field]: value },
      expect: ["VALIDATION_ERROR"],
    });
    add({
      name: `update — ${field}: ${short(value)}`,
      method: "PATCH",
      path: at(route("update")),
      as: "A",
      json: { [field]: value },
      expect: ["VALIDATION_ERROR"],
    });
  }
}
for (const field of ["cron_id", "job_id"]) {
  for (const value of [1, null, [], {}, "{B}", FAKE_ID]) {
    add({
      name: `update — ${field}: ${short(value)}`,
      method: "PATCH",
      path: at(route("update")),
      as: "A",
      json: { name: "pwned", [field]: value },
      expect: ["VALIDATION_ERROR"],
    });
  }
}
for (const value of ["30", -1, 366, 1.5, null, [], {}, true, 1e9, "30 OR 1=1"]) {
  add({
    name: `retention.set — retention_days: ${short(value)}`,
    method: "PUT",
    path: at(route("retention.set")),
    as: "A",
    json: { retention_days: value },
    expect: ["VALIDATION_ERROR"],
  });
}
for (const op of ACTION_OPS) {
  for (const value of [1, true, null, [], {}, "", "k".repeat(256), ["k"]]) {
    add({
      name: `${op} — idempotency_key: ${short(value)}`,
      method: route(op).method,
      path: at(route(op)),
      as: "A",
      json: { idempotency_key: value },
      expect: ["VALIDATION_ERROR"],
    });
  }
  for (const [label, header] of [
    ["empty Idempotency-Key", ""],
    ["10 KB Idempotency-Key", "k".repeat(10 * KB)],
  ]) {
    add({
      name: `${op} — ${label}`,
      method: route(op).method,
      path: at(route(op)),
      as: "A",
      json: {},
      headers: { "idempotency-key": header! },
      expect: ["VALIDATION_ERROR"],
    });
  }
  add({
    name: `${op} — header and body keys differ`,
    method: route(op).method,
    path: at(route(op)),
    as: "A",
    json: { idempotency_key: "one" },
    headers: { "idempotency-key": "two" },
    expect: ["VALIDATION_ERROR"],
  });
}
for (const [field, values] of [
  ["schedule", [1, true, null, [], {}, "x".repeat(100 * KB)]],
  ["cron_expr", [1, false, [], { a: 1 }]],
  ["timezone", [1, true, null, [], {}, "x".repeat(100 * KB)]],
  ["from", [1, true, null, [], {}, "yesterday", "2026-13-45T99:99:99Z"]],
  ["count", ["5", 0, 101, 1.5, null, [], {}, true, -1, 1e9]],
  ["unknown", [1]],
] as const) {
  for (const value of values) {
    add({
      name: `preview — ${field}: ${short(value)}`,
      method: "POST",
      path: "/v1/cron/preview",
      as: "A",
      json: { schedule: "* * * * *", [field]: value },
      expect: ["VALIDATION_ERROR"],
    });
  }
}

// --- 7. Huge strings, unicode oddities and prototype keys, aimed at the victims --------------
const HUGE = "x".repeat(100 * KB);
const REFUSED_VALUES: [string, Record<string, unknown>, Outcome[]][] = [
  ["100 KB name", { name: HUGE }, ["VALIDATION_ERROR"]],
  ["100 KB schedule", { schedule: HUGE }, ["VALIDATION_ERROR"]],
  ["100 KB url", { url: `https://example.com/${HUGE}` }, ["VALIDATION_ERROR"]],
  ["100 KB timezone", { timezone: HUGE }, ["VALIDATION_ERROR"]],
  ["100 KB run_at", { run_at: HUGE }, ["VALIDATION_ERROR"]],
  ["100 KB idempotency_key", { idempotency_key: HUGE }, ["VALIDATION_ERROR"]],
  ["100 KB header value", { headers: { "X-A": HUGE } }, ["VALIDATION_ERROR"]],
  ["100 KB unknown field", { [`x${HUGE}`]: 1 }, ["VALIDATION_ERROR"]],
  ["name NUL", { name: "a\u0000b" }, ["VALIDATION_ERROR"]],
  ["name BEL", { name: "a\u0007b" }, ["VALIDATION_ERROR"]],
  ["name newline", { name: "a\nb" }, ["VALIDATION_ERROR"]],
  ["schedule NUL", { schedule: "* * * * *\u0000" }, ["VALIDATION_ERROR"]],
  ["schedule RTL override", { schedule: "\u202e* * * * *" }, ["INVALID_CRON"]],
  ["schedule zero-width", { schedule: "*\u200b * * * *" }, ["INVALID_CRON"]],
  ["schedule SQL", { schedule: "* * * * *'; DROP TABLE jobs;--" }, ["INVALID_CRON"]],
  ["timezone NUL", { timezone: "UTC\u0000" }, ["INVALID_TIMEZONE", "VALIDATION_ERROR"]],
  ["timezone traversal", { timezone: "../../../etc/localtime" }, ["INVALID_TIMEZONE"]],
  ["timezone lone surrogate", { timezone: "Europe/\ud800" }, ["INVALID_TIMEZONE"]],
  ["url NUL host", { url: "https://exa\u0000mple.com/" }, ["INVALID_URL"]],
  ["url RTL host", { url: "https://\u202eexample.com/" }, ["INVALID_URL"]],
  ["url lone surrogate host", { url: "https://ex\ud800ample.com/" }, ["INVALID_URL"]],
  ["url javascript", { url: "javascript:alert(document.cookie)" }, ["INVALID_URL"]],
  ["run_at NUL", { run_at: "2099-01-01T00:00:00Z\u0000" }, ["VALIDATION_ERROR"]],
  ["run_at SQL", { run_at: "2099-01-01' OR '1'='1" }, ["VALIDATION_ERROR"]],
  ["method lower case", { method: "post" }, ["VALIDATION_ERROR"]],
  ["method TRACE", { method: "TRACE" }, ["VALIDATION_ERROR"]],
  ["method with CRLF", { method: "GET\r\nX: 1" }, ["VALIDATION_ERROR"]],
  ["task_type other", { task_type: "shell" }, ["VALIDATION_ERROR"]],
];
for (const [label, fields, outcomes] of REFUSED_VALUES) {
  add({
    name: `create — ${label}`,
    method: "POST",
    path: "/v1/cron/create",
    as: "B",
    json: { schedule: FAR, url: PUBLIC_URL, ...fields },
    expect: outcomes,
  });
  if ("idempotency_key" in fields) continue; // update takes it too, but one is enough
  add({
    name: `update — ${label}`,
    method: "PATCH",
    path: at(route("update"), "{B}"),
    as: "B",
    json: fields,
    expect: outcomes,
  });
}
// Numbers JSON can spell but JavaScript cannot hold: Infinity, and integers past 2^53.
for (const raw of [
  '{"retries":1e400}',
  '{"max_runs":1e400}',
  '{"retention_days":-1e400}',
  '{"max_runs":9007199254740993}',
]) {
  add({
    name: `update — raw number ${raw}`,
    method: "PATCH",
    path: at(route("update"), "{B}"),
    as: "B",
    raw,
    expect: ["VALIDATION_ERROR"],
  });
}
// Prototype keys need raw JSON: an object literal's __proto__ is not an own key.
const PROTO_BODIES: [string, string][] = [
  ["__proto__ object", '{"__proto__":{"name":"pwned","enabled":false}}'],
  ["__proto__ null", '{"__proto__":null}'],
  ["constructor.prototype", '{"constructor":{"prototype":{"polluted":"yes"}}}'],
  ["prototype", '{"prototype":{"polluted":"yes"}}'],
  ["toString", '{"toString":"x"}'],
  ["hasOwnProperty", '{"hasOwnProperty":1}'],
  ["valueOf", '{"valueOf":{}}'],
];
for (const [label, raw] of PROTO_BODIES) {
  for (const [op, id] of [
    ["create", "{A}"],
    ["update", "{A}"],
    ["update", "{B}"],
    ["preview", "{A}"],
  ] as const) {
    const r = route(op);
    add({
      name: `${op} ${id} — ${label}`,
      method: r.method,
      path: at(r, id),
      as: id === "{B}" ? "B" : "A",
      raw,
      expect: ["VALIDATION_ERROR"],
    });
  }
  // Loose schemas (retention.set) ignore extra keys, but must not read through them.
  add({
    name: `retention.set — ${label} without retention_days`,
    method: "PUT",
    path: at(route("retention.set")),
    as: "A",
    raw: raw.replace('"name":"pwned"', '"retention_days":5'),
    expect: ["VALIDATION_ERROR"],
  });
}
add({
  name: "retention.set — retention_days only in __proto__",
  method: "PUT",
  path: at(route("retention.set")),
  as: "A",
  raw: '{"__proto__":{"retention_days":5}}',
  expect: ["VALIDATION_ERROR"],
});
add({
  name: "preview — schedule only in __proto__",
  method: "POST",
  path: "/v1/cron/preview",
  as: "A",
  raw: '{"__proto__":{"schedule":"* * * * *"}}',
  expect: ["VALIDATION_ERROR"],
});
add({
  name: "update — 10,000 unknown fields",
  method: "PATCH",
  path: at(route("update")),
  as: "A",
  json: Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [`f${i}`, i])),
  expect: ["VALIDATION_ERROR"],
});

// --- 8. Accepted-but-odd input, on the sandbox tenant C: never a 5xx, reads back the same --
const CREATE_BASE = { schedule: FAR, url: PUBLIC_URL };
/** Raw create bodies: CREATE_BASE plus the given members (raw JSON text). */
const createRaw = (members: string) => `${JSON.stringify(CREATE_BASE).slice(0, -1)},${members}}`;
const SANDBOX: [op: string, label: string, body: Record<string, unknown> | string][] = [
  ["create", "RTL override name", { name: "\u202egnp.exe" }],
  ["create", "lone surrogate name", { name: "\ud800" }],
  ["create", "reversed surrogates name", { name: "\udfff\ud800" }],
  ["create", "zero-width and BOM name", { name: "\u200b\ufeff\u2060" }],
  ["create", "combining marks name", { name: `e${"\u0301".repeat(150)}` }],
  ["create", "emoji name", { name: "\ud83d\udca9".repeat(100) }],
  ["create", "noncharacter name", { name: "\uffff\ufffe" }],
  ["create", "SQL name", { name: "x'); DROP TABLE jobs;--" }],
  ["create", "HTML name", { name: "<script>alert(1)</script>" }],
  ["create", "lone surrogate in url path", { url: "https://example.com/\ud800" }],
  ["create", "RTL in url path", { url: "https://example.com/\u202eevil" }],
  ["create", "unicode header value", { headers: { "X-A": "\u202e\ud800" } }],
  ["create", "__proto__ header name", createRaw('"headers":{"__proto__":"x"}')],
  ["create", "constructor header name", { headers: { constructor: "x" } }],
  ["create", "__proto__ in payload", createRaw('"payload":{"__proto__":{"polluted":"yes"},"a":1}')],
  [
    "create",
    "constructor in payload",
    { payload: { constructor: { prototype: { polluted: 1 } } } },
  ],
  ["create", "lone surrogate in payload", { payload: { s: "\ud800", t: "\u0000" } }],
  ["create", "63 levels of payload", createRaw(`"payload":${deepArray(63)}`)],
  ["create", "250 KB payload", { payload: "x".repeat(250 * KB) }],
  ["create", "100 KB header name", { headers: { [`X-${HUGE}`]: "v" } }],
  ["create", "duplicate keys", createRaw('"name":"first","name":"second"')],
  ["create", "BOM before JSON", `\ufeff${JSON.stringify(CREATE_BASE)}`],
  ["create", "huge max_runs", { max_runs: 2 ** 53 - 1 }],
  ["create", "negative zero retries", createRaw('"retries":-0')],
  ["create", "exponent retention", createRaw('"retention_days":3e1')],
  ["update", "RTL override name", { name: "\u202etxt.exe" }],
  ["update", "lone surrogate name", { name: "\udc00" }],
  ["update", "__proto__ payload", '{"payload":{"__proto__":{"polluted":"yes"}}}'],
  ["update", "duplicate keys", '{"name":"first","name":"second"}'],
  ["pause", "__proto__ body", '{"__proto__":{"polluted":"yes"}}'],
  ["resume", "constructor body", '{"constructor":{"prototype":{"polluted":"yes"}}}'],
  ["pause", "BOM before JSON", "\ufeff{}"],
  ["resume", "extra junk fields", { cron_id: 1, job_id: [], x: { y: null } }],
  ["retention.set", "__proto__ beside", '{"retention_days":7,"__proto__":{"polluted":"yes"}}'],
];
const sandboxCreates = new Set<string>();
for (const [op, label, body] of SANDBOX) {
  const r = route(op);
  const name = `sandbox ${op} — ${label}`;
  if (op === "create") sandboxCreates.add(name);
  add({
    name,
    method: r.method,
    path: at(r, "{C}"),
    as: "C",
    raw:
      typeof body === "string"
        ? body
        : JSON.stringify(op === "create" ? { ...CREATE_BASE, ...body } : body),
    expect: ["ok", "VALIDATION_ERROR", "INVALID_URL", "INVALID_JSON"],
  });
}

// ------------------------------------------------------------------ the run

/** What the victims look like through every read endpoint, as raw response text. */
async function snapshot(): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const who of ["A", "B"] as const) {
    const key = firstKey[who]!;
    const id = ids[who]!;
    for (const path of [
      `/v1/cron/get/${id}`,
      "/v1/cron/list?limit=100",
      `/v1/cron/runs/list/${id}?limit=100`,
      `/v1/cron/retention/get/${id}`,
      ...(who === "A" ? [`/v1/cron/runs/get/${id}/${ids.Arun}`] : []),
    ]) {
      const res = await SELF.fetch(`https://crondo.test${path}`, {
        headers: { authorization: `Bearer ${key}` },
      });
      out[`${who} ${path}`] = `${res.status} ${await res.text()}`;
    }
  }
  return out;
}

let before: Record<string, string>;
const prototypeBefore = Object.getOwnPropertyNames(Object.prototype).sort();

describe("hostile-input corpus", () => {
  beforeAll(async () => {
    for (const who of ["A", "B", "C"] as const) firstKey[who] = await keyFor(who);
    // A: recurring, with a payload, headers and one finished run.
    const a = await send({
      method: "POST",
      path: "/v1/cron/create",
      as: "A",
      json: {
        name: "victim A",
        schedule: FAR,
        url: `${receiverUrl()}${uniquePath()}`,
        payload: { report: "weekly", n: [1, 2, 3] },
        headers: { "X-Team": "ops" },
        on_failure_webhook: "https://alerts.example.com/a",
      },
    });
    expect(a.status, a.text).toBe(201);
    ids.A = a.body.data.cron_id;
    const trig = await send({ method: "POST", path: `/v1/cron/trigger/${ids.A}`, as: "A" });
    expect(trig.status, trig.text).toBe(200);
    await waitForRun(firstKey.A!, ids.A!, trig.body.data.run_id);
    ids.Arun = trig.body.data.run_id;
    // Its row (and the jobs index's run progress, in the same queue message) in its shard:
    // what the reads show from here on no longer changes by itself.
    await landed([trig.body.data.run_id]);
    // B: a paused one-shot of another tenant.
    const b = await send({
      method: "POST",
      path: "/v1/cron/create",
      as: "B",
      json: {
        name: "victim B",
        run_at: "2099-12-31T23:00:00Z",
        timezone: "Asia/Kolkata",
        url: PUBLIC_URL,
        enabled: false,
        retention_days: 90,
      },
    });
    expect(b.status, b.text).toBe(201);
    ids.B = b.body.data.cron_id;
    // C: the sandbox, where odd but acceptable input may succeed.
    for (const name of ["C", "Cdel"]) {
      const c = await send({
        method: "POST",
        path: "/v1/cron/create",
        as: "C",
        json: {
          name: `sandbox ${name}`,
          schedule: FAR,
          url: `${receiverUrl()}${uniquePath()}`,
          retries: 0,
        },
      });
      expect(c.status, c.text).toBe(201);
      ids[name] = c.body.data.cron_id;
    }
    before = await snapshot();
  });

  it("covers every registered route with a large corpus", () => {
    expect(CASES.length).toBeGreaterThan(1000);
    expect(ROUTES.map((r) => `${r.method} ${r.path}`).sort()).toEqual(
      routes.map((r) => `${r.method} ${r.path}`).sort(),
    );
    for (const r of ROUTES) {
      const aimed = CASES.filter((c) => aimsAt(r, c.path));
      const own = aimed.filter((c) => c.method === r.method);
      // The shared cases at least: every Authorization oddity, and the other methods.
      expect(own.length, `${r.op}: cases with ${r.method} ${r.path}`).toBeGreaterThanOrEqual(
        AUTH.length,
      );
      expect(
        aimed.filter((c) => c.method !== r.method).length,
        `${r.op}: cases with another method`,
      ).toBeGreaterThan(0);
      if (r.path.includes(":id")) {
        expect(
          own.filter((c) => c.expect.includes("NOT_FOUND")).length,
          `${r.op}: hostile ids`,
        ).toBeGreaterThanOrEqual(BAD_IDS.length);
      }
    }
    // A route that takes a body has one that would succeed, so the body corpus covers it.
    expect(
      ROUTES.filter((r) => r.method !== "GET" && r.body === undefined).map((r) => r.op),
      "routes without an entry in GOOD_BODIES",
    ).toEqual([]);
  });

  for (const c of CASES) {
    it(c.name, async () => {
      const res = await send(c);
      checkAnswer(c, res);
      // Odd input that was accepted reads back as it was answered.
      if (res.status < 300 && c.as === "C" && (c.method === "POST" || c.method === "PATCH")) {
        const id = sandboxCreates.has(c.name) ? res.body.data.cron_id : ids.C;
        if (sandboxCreates.has(c.name) || c.path.includes("/update/")) {
          const get = await send({ method: "GET", path: `/v1/cron/get/${id}`, as: "C" });
          expect(get.status).toBe(200);
          expect(get.body.data, c.name).toEqual(res.body.data);
        }
      }
    });
  }

  it("leaves both victims byte-for-byte unchanged", async () => {
    expect(await snapshot()).toEqual(before);
  });

  it("pollutes no prototype", () => {
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(prototypeBefore);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe("regressions the corpus found", () => {
  it("a __proto__ member of a payload is kept: stored, read back and delivered as sent", async () => {
    // SPEC §3: the payload is "any JSON value ... sent as the body of every run". A JSON
    // parser or schema that treats "__proto__" as special would drop the member.
    const payload = '{"__proto__":{"x":1},"a":1}';
    const path = uniquePath();
    const raw = `{"schedule":"${FAR}","url":"${receiverUrl()}${path}","payload":${payload}}`;
    const res = await send({ method: "POST", path: "/v1/cron/create", as: "C", raw });
    expect(res.status, res.text).toBe(201);
    expect(JSON.stringify(res.body.data.payload), "payload in the create answer").toBe(payload);
    const id = res.body.data.cron_id;
    const got = await send({ method: "GET", path: `/v1/cron/get/${id}`, as: "C" });
    expect(JSON.stringify(got.body.data.payload), "payload read back").toBe(payload);
    const trig = await send({ method: "POST", path: `/v1/cron/trigger/${id}`, as: "C" });
    expect(trig.status, trig.text).toBe(200);
    const run = await waitForRun(await keyFor("C"), id, trig.body.data.run_id);
    expect(run.state).toBe("succeeded");
    const [delivered] = await receiverLog(path);
    expect(delivered?.body, "payload delivered").toBe(payload);
  });

  it("an error answer echoes unknown field names within a bound (a 100 KB name, 10,000 names)", async () => {
    // Like the other echoes of client input (the path of an unknown route, a content type),
    // the names of unknown fields are cut short, not repeated in full in `path`, `message`
    // and the summary (which made the answer ~4x the offending input).
    for (const json of [
      { [`x${HUGE}`]: 1 },
      Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [`f${i}`, i])),
    ]) {
      const res = await send({ method: "PATCH", path: at(route("update"), "{C}"), as: "C", json });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe("VALIDATION_ERROR");
      expect(res.text.length, "error response size in characters").toBeLessThanOrEqual(16 * KB);
    }
  });
});
