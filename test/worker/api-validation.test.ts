// Bad input gets the SPEC error code, never a 5xx, and changes nothing.
import { describe, expect, it } from "vitest";
import { api, createKey } from "./helpers";

const base = { schedule: "*/5 * * * *", url: "https://example.com/hook" };

type Case = [label: string, body: unknown, code: string, path?: string];
const CREATE_CASES: Case[] = [
  ["unknown field (typo)", { ...base, shedule: "* * * * *" }, "VALIDATION_ERROR", "shedule"],
  ["missing schedule and run_at", { url: base.url }, "VALIDATION_ERROR", "schedule"],
  ["missing url", { schedule: base.schedule }, "VALIDATION_ERROR", "url"],
  [
    "schedule and run_at",
    { ...base, run_at: "2099-01-01T00:00:00Z" },
    "VALIDATION_ERROR",
    "run_at",
  ],
  ["conflicting aliases", { ...base, cron_expr: "0 * * * *" }, "VALIDATION_ERROR", "schedule"],
  ["conflicting url aliases", { ...base, task: "https://example.org/" }, "VALIDATION_ERROR", "url"],
  ["retries 11", { ...base, retries: 11 }, "VALIDATION_ERROR", "retries"],
  ["retry -1", { ...base, retry: -1 }, "VALIDATION_ERROR", "retry"],
  ["retries as string", { ...base, retries: "3" }, "VALIDATION_ERROR", "retries"],
  ["retries fractional", { ...base, retries: 1.5 }, "VALIDATION_ERROR", "retries"],
  ["timeout 0", { ...base, timeout_seconds: 0 }, "VALIDATION_ERROR", "timeout_seconds"],
  ["timeout 901", { ...base, timeout_seconds: 901 }, "VALIDATION_ERROR", "timeout_seconds"],
  [
    "backoff 3601",
    { ...base, retry_backoff_seconds: 3601 },
    "VALIDATION_ERROR",
    "retry_backoff_seconds",
  ],
  ["retention 366", { ...base, retention_days: 366 }, "VALIDATION_ERROR", "retention_days"],
  ["max_runs 0", { ...base, max_runs: 0 }, "VALIDATION_ERROR", "max_runs"],
  ["bad overlap", { ...base, overlap_policy: "sometimes" }, "VALIDATION_ERROR", "overlap_policy"],
  ["bad method", { ...base, method: "HEAD" }, "VALIDATION_ERROR", "method"],
  ["task_type other", { ...base, task_type: "shell" }, "VALIDATION_ERROR", "task_type"],
  ["empty name", { ...base, name: "" }, "VALIDATION_ERROR", "name"],
  ["name too long", { ...base, name: "n".repeat(201) }, "VALIDATION_ERROR", "name"],
  ["name with control chars", { ...base, name: "a\u0007b" }, "VALIDATION_ERROR", "name"],
  ["enabled as string", { ...base, enabled: "false" }, "VALIDATION_ERROR", "enabled"],
  ["headers not strings", { ...base, headers: { "X-A": 1 } }, "VALIDATION_ERROR", "headers.X-A"],
  [
    "forbidden header Host",
    { ...base, headers: { Host: "evil" } },
    "VALIDATION_ERROR",
    "headers.Host",
  ],
  [
    "forbidden header X-Cron-Id",
    { ...base, headers: { "X-Cron-Id": "x" } },
    "VALIDATION_ERROR",
    "headers.X-Cron-Id",
  ],
  [
    "header CRLF injection",
    { ...base, headers: { "X-A": "a\r\nX-B: b" } },
    "VALIDATION_ERROR",
    "headers.X-A",
  ],
  ["bad header name", { ...base, headers: { "X A": "b" } }, "VALIDATION_ERROR", "headers.X A"],
  [
    "33 headers",
    {
      ...base,
      headers: Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`X-H${i}`, "v"])),
    },
    "VALIDATION_ERROR",
    "headers",
  ],
  [
    "header value too long",
    { ...base, headers: { "X-A": "v".repeat(4097) } },
    "VALIDATION_ERROR",
    "headers.X-A",
  ],
  [
    "payload over 256 KiB",
    { ...base, payload: { blob: "x".repeat(262_200) } },
    "VALIDATION_ERROR",
    "payload",
  ],
  [
    "run_at in the past",
    { url: base.url, run_at: "2020-01-01T00:00:00Z" },
    "VALIDATION_ERROR",
    "run_at",
  ],
  [
    "run_at without offset",
    { url: base.url, run_at: "2099-01-01T00:00:00" },
    "VALIDATION_ERROR",
    "run_at",
  ],
  ["run_at garbage", { url: base.url, run_at: "tomorrow" }, "VALIDATION_ERROR", "run_at"],
  ["cron minute 61", { ...base, schedule: "61 * * * *" }, "INVALID_CRON", "schedule"],
  ["cron too few fields", { ...base, schedule: "* * *" }, "INVALID_CRON", "schedule"],
  ["cron garbage", { url: base.url, cron_expr: "every day" }, "INVALID_CRON", "cron_expr"],
  ["cron never fires", { ...base, schedule: "0 0 30 2 *" }, "INVALID_CRON", "schedule"],
  ["unknown zone", { ...base, timezone: "Mars/Olympus" }, "INVALID_TIMEZONE", "timezone"],
  [
    "unknown zone for one-shot",
    { url: base.url, run_at: "2099-01-01T00:00:00Z", timezone: "Nope/Nope" },
    "INVALID_TIMEZONE",
    "timezone",
  ],
  ["ftp url", { ...base, url: "ftp://example.com/x" }, "INVALID_URL", "url"],
  ["relative url", { schedule: base.schedule, task_url: "/relative" }, "INVALID_URL", "task_url"],
  ["user-info url", { ...base, url: "https://user:pw@example.com/" }, "INVALID_URL", "url"],
  [
    "url too long",
    { ...base, url: `https://example.com/${"a".repeat(2100)}` },
    "VALIDATION_ERROR",
    "url",
  ],
  [
    "bad failure webhook",
    { ...base, on_failure_webhook: "javascript:alert(1)" },
    "INVALID_URL",
    "on_failure_webhook",
  ],
  ["schedule null", { ...base, schedule: null }, "VALIDATION_ERROR", "schedule"],
  // SPEC §10: time windows, jitter and catch-up.
  [
    "end_at before start_at",
    { ...base, start_at: "2099-02-01T00:00:00Z", end_at: "2099-01-01T00:00:00Z" },
    "VALIDATION_ERROR",
    "end_at",
  ],
  [
    "end_at equal to start_at",
    { ...base, start_at: "2099-02-01T00:00:00Z", end_at: "2099-02-01T00:00:00Z" },
    "VALIDATION_ERROR",
    "end_at",
  ],
  ["end_at in the past", { ...base, end_at: "2020-01-01T00:00:00Z" }, "VALIDATION_ERROR", "end_at"],
  ["start_at garbage", { ...base, start_at: "soon" }, "VALIDATION_ERROR", "start_at"],
  [
    "exclude_dates malformed",
    { ...base, exclude_dates: ["2026-12-25", "25/12/2026"] },
    "VALIDATION_ERROR",
    "exclude_dates.1",
  ],
  [
    "exclude_dates not a real date",
    { ...base, exclude_dates: ["2026-02-30"] },
    "VALIDATION_ERROR",
    "exclude_dates.0",
  ],
  [
    "exclude_dates duplicate",
    { ...base, exclude_dates: ["2026-12-25", "2026-12-24", "2026-12-25"] },
    "VALIDATION_ERROR",
    "exclude_dates.2",
  ],
  [
    "367 exclude_dates",
    {
      ...base,
      exclude_dates: Array.from({ length: 367 }, (_, i) =>
        new Date(Date.UTC(2027, 0, 1 + i)).toISOString().slice(0, 10),
      ),
    },
    "VALIDATION_ERROR",
    "exclude_dates",
  ],
  ["jitter 3601", { ...base, jitter_seconds: 3601 }, "VALIDATION_ERROR", "jitter_seconds"],
  ["jitter -1", { ...base, jitter_seconds: -1 }, "VALIDATION_ERROR", "jitter_seconds"],
  [
    "catch-up window 0",
    { ...base, catchup_window_seconds: 0 },
    "VALIDATION_ERROR",
    "catchup_window_seconds",
  ],
  [
    "catch-up window over a year",
    { ...base, catchup_window_seconds: 31_536_001 },
    "VALIDATION_ERROR",
    "catchup_window_seconds",
  ],
  ["bad misfire policy", { ...base, misfire_policy: "all" }, "VALIDATION_ERROR", "misfire_policy"],
  ["body is an array", [base], "VALIDATION_ERROR"],
  ["body is a string", '"hello"', "VALIDATION_ERROR"],
];

describe("cron.create validation", () => {
  for (const [label, body, code, path] of CREATE_CASES) {
    it(`${label} → ${code}`, async () => {
      const key = await createKey(`val-${label}`);
      const res = await api("POST", "/v1/cron/create", key, body);
      expect(res.status).toBe(400);
      expect(res.body.ok).toBe(false);
      expect(res.body.error.code).toBe(code);
      expect(typeof res.body.error.message).toBe("string");
      if (path !== undefined) {
        expect(res.body.error.details.map((d: { path: string }) => d.path)).toContain(path);
      }
      const list = await api("GET", "/v1/cron/list", key);
      expect(list.body.data.items).toHaveLength(0);
    });
  }

  it("malformed JSON → 400 INVALID_JSON", async () => {
    const key = await createKey("val-json");
    for (const raw of ["{", '{"a":}', "nul", "{'single': 1}", "[1,2"]) {
      const res = await api("POST", "/v1/cron/create", key, raw);
      expect(res.status, raw).toBe(400);
      expect(res.body.error.code, raw).toBe("INVALID_JSON");
    }
  });

  it("deep nesting → 400 INVALID_JSON, not a crash", async () => {
    const key = await createKey("val-deep");
    const deep = `{"payload":${"[".repeat(100_000)}${"]".repeat(100_000)}}`;
    const res = await api("POST", "/v1/cron/create", key, deep);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("INVALID_JSON");
  });

  it("a body over 1 MiB → 413", async () => {
    const key = await createKey("val-big");
    const res = await api("POST", "/v1/cron/create", key, {
      ...base,
      payload: "x".repeat(1024 * 1024 + 10),
    });
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe("PAYLOAD_TOO_LARGE");
  });

  it("a non-JSON content type → 415", async () => {
    const key = await createKey("val-type");
    const res = await api("POST", "/v1/cron/create", key, JSON.stringify(base), {
      "content-type": "text/plain",
    });
    expect(res.status).toBe(415);
    expect(res.body.error.code).toBe("UNSUPPORTED_MEDIA_TYPE");
  });
});

describe("cron.update validation", () => {
  it("refuses unknown fields, bad values and a mismatched cron_id, and changes nothing", async () => {
    const key = await createKey("val-update");
    const job = (
      await api("POST", "/v1/cron/create", key, { ...base, start_at: "2099-06-01T00:00:00Z" })
    ).body.data;
    const path = `/v1/cron/update/${job.cron_id}`;
    const cases: Case[] = [
      ["typo", { shedule: "* * * * *" }, "VALIDATION_ERROR", "shedule"],
      [
        "mismatched id",
        { cron_id: "cron_01M85C67QJY8V9G5E3MR1PNZDM" },
        "VALIDATION_ERROR",
        "cron_id",
      ],
      [
        "both",
        { schedule: "* * * * *", run_at: "2099-01-01T00:00:00Z" },
        "VALIDATION_ERROR",
        "run_at",
      ],
      ["bad cron", { cron_expr: "* * * * * * *" }, "INVALID_CRON", "cron_expr"],
      ["bad zone", { timezone: "Nowhere/Land" }, "INVALID_TIMEZONE", "timezone"],
      ["bad url", { task: "file:///etc/passwd" }, "INVALID_URL", "task"],
      ["bad retries", { retry: 99 }, "VALIDATION_ERROR", "retry"],
      ["max_runs string", { max_runs: "3" }, "VALIDATION_ERROR", "max_runs"],
      // end_at against the job's stored start_at is the job's own check.
      [
        "end_at before stored start_at",
        { end_at: "2099-01-01T00:00:00Z" },
        "VALIDATION_ERROR",
        "end_at",
      ],
      ["end_at in the past", { end_at: "2021-01-01T00:00:00Z" }, "VALIDATION_ERROR", "end_at"],
      [
        "duplicate date",
        { exclude_dates: ["2027-01-01", "2027-01-01"] },
        "VALIDATION_ERROR",
        "exclude_dates.1",
      ],
      ["jitter 4000", { jitter_seconds: 4000 }, "VALIDATION_ERROR", "jitter_seconds"],
    ];
    for (const [label, body, code, p] of cases) {
      const res = await api("PATCH", path, key, body);
      expect(res.status, label).toBe(400);
      expect(res.body.error.code, label).toBe(code);
      expect(
        res.body.error.details.map((d: { path: string }) => d.path),
        label,
      ).toContain(p);
    }
    const after = await api("GET", `/v1/cron/get/${job.cron_id}`, key);
    expect(after.body.data).toEqual(job);
  });
});
