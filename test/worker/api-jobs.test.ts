import { describe, expect, it } from "vitest";
import { waitFor } from "../helpers/wait";
import { api, createKey, receiverUrl } from "./helpers";

const SEED_CREATE = {
  cron_expr: "0 9 * * 1",
  task_type: "http_url",
  task_url: "https://api.acme.com/weekly",
};

describe("cron.create", () => {
  it("accepts the seed reference's example verbatim and returns the full record", async () => {
    const key = await createKey("jobs-a");
    const before = Date.now();
    const res = await api("POST", "/v1/cron/create", key, SEED_CREATE);
    expect(res.status).toBe(201);
    expect(res.headers.get("x-request-id")).toMatch(/^req_/);
    const job = res.body.data;
    expect(res.body.ok).toBe(true);
    expect(job.cron_id).toMatch(/^cron_[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(job).toMatchObject({
      schedule: "0 9 * * 1",
      cron_expr: "0 9 * * 1",
      url: "https://api.acme.com/weekly",
      task: "https://api.acme.com/weekly",
      task_type: "http_url",
      run_at: null,
      method: "POST",
      payload: null,
      headers: {},
      timezone: "UTC",
      retries: 3,
      retry: 3,
      retry_backoff_seconds: 10,
      timeout_seconds: 30,
      overlap_policy: "allow",
      max_runs: null,
      on_failure_webhook: null,
      retention_days: 30,
      enabled: true,
      status: "active",
      last_run_at: null,
      last_run_state: null,
      run_count: 0,
      consecutive_failures: 0,
      name: "api.acme.com/weekly",
    });
    expect(job.signing_secret).toMatch(/^whsec_/);
    // next Monday 09:00 UTC
    const next = new Date(job.next_run_at);
    expect(next.getUTCDay()).toBe(1);
    expect(next.getUTCHours()).toBe(9);
    expect(next.getUTCMinutes()).toBe(0);
    expect(next.getTime()).toBeGreaterThan(before);
    expect(next.getTime() - before).toBeLessThanOrEqual(7 * 86400_000);
    expect(Date.parse(job.created_at)).toBeGreaterThanOrEqual(before - 1000);
  });

  it("accepts the other spellings and every field", async () => {
    const key = await createKey("jobs-b");
    const res = await api("POST", "/v1/cron/create", key, {
      name: "nightly report",
      schedule: "30 2 * * *",
      url: "https://example.com/hook",
      method: "PUT",
      payload: { hello: ["world", 1, true, null] },
      headers: { "X-Team": "ops" },
      timezone: "America/New_York",
      retry: 5,
      retry_backoff_seconds: 2,
      timeout_seconds: 60,
      overlap_policy: "queue",
      max_runs: 7,
      on_failure_webhook: "https://example.com/failed",
      enabled: false,
      retention_days: 0,
    });
    expect(res.status).toBe(201);
    expect(res.body.data).toMatchObject({
      name: "nightly report",
      schedule: "30 2 * * *",
      task: "https://example.com/hook",
      method: "PUT",
      payload: { hello: ["world", 1, true, null] },
      headers: { "X-Team": "ops" },
      timezone: "America/New_York",
      retries: 5,
      retry: 5,
      retry_backoff_seconds: 2,
      timeout_seconds: 60,
      overlap_policy: "queue",
      max_runs: 7,
      on_failure_webhook: "https://example.com/failed",
      enabled: false,
      status: "paused",
      next_run_at: null,
      retention_days: 0,
    });
  });

  it("creates a one-shot job with run_at", async () => {
    const key = await createKey("jobs-c");
    const at = new Date(Date.now() + 3600_000).toISOString();
    const res = await api("POST", "/v1/cron/create", key, {
      run_at: at,
      task: "https://example.com/once",
    });
    expect(res.status).toBe(201);
    expect(res.body.data).toMatchObject({
      schedule: null,
      cron_expr: null,
      run_at: at,
      next_run_at: at,
    });
  });

  it("takes the zone from a CRON_TZ= prefix and accepts 6-field expressions", async () => {
    const key = await createKey("jobs-d");
    const res = await api("POST", "/v1/cron/create", key, {
      schedule: "CRON_TZ=Asia/Kolkata 0 30 9 * * *",
      url: "https://example.com/",
    });
    expect(res.status).toBe(201);
    expect(res.body.data.timezone).toBe("Asia/Kolkata");
    const next = new Date(res.body.data.next_run_at);
    // 09:30 IST is 04:00 UTC
    expect([next.getUTCHours(), next.getUTCMinutes(), next.getUTCSeconds()]).toEqual([4, 0, 0]);
  });
});

describe("cron.list", () => {
  it("lists newest first with an opaque cursor, per tenant", async () => {
    const key = await createKey("list-a");
    const other = await createKey("list-b");
    await api("POST", "/v1/cron/create", other, SEED_CREATE);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await api("POST", "/v1/cron/create", key, { ...SEED_CREATE, name: `job ${i}` });
      ids.push(r.body.data.cron_id);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const q: string = cursor ? `?limit=2&cursor=${encodeURIComponent(cursor)}` : "?limit=2";
      const page = await api("GET", `/v1/cron/list${q}`, key);
      expect(page.status).toBe(200);
      expect(page.body.data.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.data.items.map((j: { cron_id: string }) => j.cron_id));
      cursor = page.body.data.next_cursor;
      pages++;
    } while (cursor && pages < 10);
    expect(seen).toEqual([...ids].reverse());
    expect(pages).toBe(3);

    const all = await api("GET", "/v1/cron/list", key);
    expect(all.body.data.items).toHaveLength(5);
    expect(all.body.data.items[0]).toHaveProperty("cron_expr", "0 9 * * 1");
    expect(all.body.data.next_cursor).toBeNull();
  });

  it("filters by status", async () => {
    const key = await createKey("list-c");
    await api("POST", "/v1/cron/create", key, { ...SEED_CREATE, enabled: false });
    await api("POST", "/v1/cron/create", key, SEED_CREATE);
    const paused = await api("GET", "/v1/cron/list?status=paused", key);
    expect(paused.body.data.items.map((j: { status: string }) => j.status)).toEqual(["paused"]);
  });

  it("refuses bad limits and cursors", async () => {
    const key = await createKey("list-d");
    for (const q of [
      "limit=0",
      "limit=101",
      "limit=abc",
      "limit=2.5",
      "cursor=garbage",
      "cursor=eyJrIjoxfQ",
      "bogus=1",
    ]) {
      const res = await api("GET", `/v1/cron/list?${q}`, key);
      expect(res.status, q).toBe(400);
      expect(res.body.error.code, q).toBe("VALIDATION_ERROR");
    }
  });
});

describe("cron.get / update / pause / resume / retention / delete", () => {
  it("walks a job through its life cycle", async () => {
    const key = await createKey("life");
    const created = (await api("POST", "/v1/cron/create", key, SEED_CREATE)).body.data;
    const id = created.cron_id;

    const got = await api("GET", `/v1/cron/get/${id}`, key);
    expect(got.status).toBe(200);
    expect(got.body.data).toEqual(created);

    const updated = await api("PATCH", `/v1/cron/update/${id}`, key, {
      cron_id: id,
      cron_expr: "*/5 * * * *",
      task: "https://example.com/new",
      retry: 1,
      name: "renamed",
    });
    expect(updated.status).toBe(200);
    expect(updated.body.data).toMatchObject({
      schedule: "*/5 * * * *",
      url: "https://example.com/new",
      retries: 1,
      name: "renamed",
      status: "active",
    });
    const next = Date.parse(updated.body.data.next_run_at);
    expect(next - Date.now()).toBeLessThanOrEqual(5 * 60_000);
    expect(new Date(next).getUTCMinutes() % 5).toBe(0);

    const tz = await api("PATCH", `/v1/cron/update/${id}`, key, {
      schedule: "0 9 * * *",
      timezone: "Asia/Tokyo",
    });
    expect(new Date(tz.body.data.next_run_at).getUTCHours()).toBe(0);

    const paused = await api("POST", `/v1/cron/pause/${id}`, key, { cron_id: id });
    expect(paused.status).toBe(200);
    expect(paused.body.data).toMatchObject({ enabled: false, status: "paused", next_run_at: null });

    const listed = await api("GET", "/v1/cron/list", key);
    expect(listed.body.data.items[0]).toMatchObject({ cron_id: id, status: "paused" });

    const resumed = await api("POST", `/v1/cron/resume/${id}`, key, { cron_id: id });
    expect(resumed.body.data).toMatchObject({ enabled: true, status: "active" });
    expect(Date.parse(resumed.body.data.next_run_at)).toBeGreaterThan(Date.now());

    expect((await api("GET", `/v1/cron/retention/get/${id}`, key)).body.data).toEqual({
      cron_id: id,
      retention_days: 30,
    });
    const set = await api("PUT", `/v1/cron/retention/set/${id}`, key, { retention_days: 0 });
    expect(set.body.data).toEqual({ cron_id: id, retention_days: 0 });
    expect((await api("GET", `/v1/cron/get/${id}`, key)).body.data.retention_days).toBe(0);
    const bad = await api("PUT", `/v1/cron/retention/set/${id}`, key, { retention_days: 366 });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0].path).toBe("retention_days");

    const del = await api("DELETE", `/v1/cron/delete/${id}`, key);
    expect(del.status).toBe(200);
    expect(del.body.data).toEqual({ cron_id: id, deleted: true });
    expect((await api("GET", `/v1/cron/get/${id}`, key)).status).toBe(404);
    expect((await api("DELETE", `/v1/cron/delete/${id}`, key)).status).toBe(404);
    expect((await api("GET", "/v1/cron/list", key)).body.data.items).toHaveLength(0);
  });

  it("resuming a one-shot whose run_at passed while paused schedules it for now", async () => {
    const key = await createKey("oneshot-resume");
    const at = Date.now() + 1500;
    const job = (
      await api("POST", "/v1/cron/create", key, {
        run_at: new Date(at).toISOString(),
        url: `${receiverUrl()}/ok/oneshot-resume`,
        enabled: false,
      })
    ).body.data;
    // The awaited event is the clock passing run_at (nothing changes while the job is paused).
    await waitFor(() => Date.now() > at, { what: "run_at to pass", timeoutMs: 5000 });
    const resumed = await api("POST", `/v1/cron/resume/${job.cron_id}`, key);
    expect(resumed.body.data.status).toBe("active");
    expect(Date.parse(resumed.body.data.next_run_at)).toBe(at);
  });

  it("a completed job stays completed on resume, and an update can re-arm it", async () => {
    const key = await createKey("completed");
    const job = (
      await api("POST", "/v1/cron/create", key, {
        run_at: new Date(Date.now() + 60_000).toISOString(),
        url: "https://example.com/x",
      })
    ).body.data;
    const later = new Date(Date.now() + 120_000).toISOString();
    const upd = await api("PATCH", `/v1/cron/update/${job.cron_id}`, key, { run_at: later });
    expect(upd.body.data).toMatchObject({ run_at: later, next_run_at: later, status: "active" });
    const toRecurring = await api("PATCH", `/v1/cron/update/${job.cron_id}`, key, {
      schedule: "@hourly",
    });
    expect(toRecurring.body.data).toMatchObject({
      schedule: "@hourly",
      run_at: null,
      status: "active",
    });
  });
});

describe("cron.preview", () => {
  it("lists the next fire times and describes the expression", async () => {
    const key = await createKey("preview");
    const res = await api("POST", "/v1/cron/preview", key, {
      cron_expr: "0 9 * * 1",
      timezone: "Europe/Berlin",
      from: "2026-03-01T00:00:00Z",
      count: 3,
    });
    expect(res.status).toBe(200);
    expect(res.body.data.next).toEqual([
      "2026-03-02T08:00:00.000Z",
      "2026-03-09T08:00:00.000Z",
      "2026-03-16T08:00:00.000Z",
    ]);
    expect(res.body.data.timezone).toBe("Europe/Berlin");
    expect(res.body.data.description).toMatch(/09:00/);
    expect(res.body.data.description).toMatch(/Monday/);
    const bad = await api("POST", "/v1/cron/preview", key, { schedule: "61 * * * *" });
    expect(bad.body.error.code).toBe("INVALID_CRON");
    const badCount = await api("POST", "/v1/cron/preview", key, {
      schedule: "* * * * *",
      count: 101,
    });
    expect(badCount.body.error.code).toBe("VALIDATION_ERROR");
  });
});

describe("cron.preview with a time window and jitter (SPEC §10)", () => {
  it("applies start_at, end_at and exclude_dates, jitters each slot, and says so", async () => {
    const key = await createKey("preview-window");
    const window = {
      start_at: "2026-03-03T00:00:00Z",
      end_at: "2026-03-07T12:00:00Z",
      exclude_dates: ["2026-03-05"],
    };
    const plain = await api("POST", "/v1/cron/preview", key, {
      schedule: "0 9 * * *",
      timezone: "Europe/Berlin",
      from: "2026-03-01T00:00:00Z",
      count: 10,
      ...window,
    });
    expect(plain.status, JSON.stringify(plain.body)).toBe(200);
    // 03, 04, 06, 07 March at 09:00 Berlin (08:00Z); the 5th excluded, nothing after end_at.
    expect(plain.body.data.next).toEqual([
      "2026-03-03T08:00:00.000Z",
      "2026-03-04T08:00:00.000Z",
      "2026-03-06T08:00:00.000Z",
      "2026-03-07T08:00:00.000Z",
    ]);
    expect(plain.body.data.description).toMatch(/from 2026-03-03T00:00:00\.000Z/);
    expect(plain.body.data.description).toMatch(/until 2026-03-07T12:00:00\.000Z/);
    expect(plain.body.data.description).toMatch(/not on 2026-03-05/);

    const jittered = await api("POST", "/v1/cron/preview", key, {
      schedule: "0 9 * * *",
      timezone: "Europe/Berlin",
      from: "2026-03-01T00:00:00Z",
      count: 10,
      jitter_seconds: 600,
      ...window,
    });
    expect(jittered.body.data.description).toMatch(/up to 600 s of jitter/);
    const offsets = jittered.body.data.next.map(
      (t: string, i: number) => Date.parse(t) - Date.parse(plain.body.data.next[i]),
    );
    expect(offsets).toHaveLength(4);
    for (const o of offsets) {
      expect(o).toBeGreaterThanOrEqual(0);
      expect(o).toBeLessThan(600_000);
    }
    expect(new Set(offsets).size).toBeGreaterThan(1);
  });

  it("with the job's cron_id shows the job's own fire times (next_run_at)", async () => {
    const key = await createKey("preview-seed");
    const job = (
      await api("POST", "/v1/cron/create", key, {
        schedule: "*/5 * * * *",
        url: "https://example.com/hook",
        jitter_seconds: 240,
      })
    ).body.data;
    const res = await api("POST", "/v1/cron/preview", key, {
      schedule: "*/5 * * * *",
      jitter_seconds: 240,
      cron_id: job.cron_id,
      count: 1,
    });
    expect(res.body.data.next).toEqual([job.next_run_at]);
    const other = await api("POST", "/v1/cron/preview", key, {
      schedule: "*/5 * * * *",
      jitter_seconds: 240,
      count: 1,
      cron_id: "cron_01M85C67QJY8V9G5E3MR1PNZDM",
    });
    expect(other.body.data.next).not.toEqual([job.next_run_at]);
    const bad = await api("POST", "/v1/cron/preview", key, {
      schedule: "* * * * *",
      exclude_dates: ["2026-02-30"],
    });
    expect(bad.body.error.details.map((d: { path: string }) => d.path)).toContain(
      "exclude_dates.0",
    );
  });
});
