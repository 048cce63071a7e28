// cron.backfill (SPEC §10): past slots as runs with trigger "backfill" and a shared
// backfill_id, delivered one at a time in slot order with their own X-Cron-Scheduled-At;
// idempotent like every write; bad ranges are 400 naming the field and change nothing.
import { describe, expect, it } from "vitest";
import { BackfillSchema, CronRunSchema, successEnvelope } from "../../src/api/models";
import { waitFor } from "../helpers/wait";
import { api, createKey, receiverLog, receiverUrl, uniquePath } from "./helpers";

const MIN = 60_000;

async function everyMinuteJob(key: string, over: Record<string, unknown> = {}) {
  const path = uniquePath("ok/backfill");
  const res = await api("POST", "/v1/cron/create", key, {
    schedule: "* * * * *",
    url: `${receiverUrl()}${path}`,
    ...over,
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return { id: res.body.data.cron_id as string, path, record: res.body.data };
}

/** The last whole minute at or before now. */
const minuteFloor = (t = Date.now()) => Math.floor(t / MIN) * MIN;

async function runsOf(key: string, id: string): Promise<any[]> {
  const res = await api("GET", `/v1/cron/runs/list/${id}?limit=100`, key);
  expect(res.status).toBe(200);
  return res.body.data.items;
}

describe("cron.backfill", () => {
  it("delivers every slot of [from, to) once, one at a time, in slot order", async () => {
    const key = await createKey("backfill-happy");
    // Slots on excluded dates are not backfilled either; none here (yesterday's date only
    // when the range crosses midnight UTC, so exclude a date far away).
    const { id, path } = await everyMinuteJob(key, { exclude_dates: ["2020-01-01"] });
    const to = minuteFloor();
    const from = to - 10 * MIN;
    const res = await api("POST", `/v1/cron/backfill/${id}`, key, {
      from: new Date(from).toISOString(),
      to: new Date(to).toISOString(),
    });
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    expect(successEnvelope(BackfillSchema).safeParse(res.body).success).toBe(true);
    const { backfill_id } = res.body.data;
    expect(res.body.data).toEqual({
      cron_id: id,
      backfill_id,
      slots: 10,
      first_slot: new Date(from).toISOString(),
      last_slot: new Date(to - MIN).toISOString(),
    });

    const runs = await waitFor(
      async () => {
        const items = (await runsOf(key, id)).filter((r) => r.trigger === "backfill");
        return items.length === 10 && items.every((r) => r.state === "succeeded") && items;
      },
      { what: "10 backfill runs to succeed", timeoutMs: 20_000 },
    );
    for (const r of runs) {
      expect(CronRunSchema.safeParse(r).success, JSON.stringify(r)).toBe(true);
      expect(r.backfill_id).toBe(backfill_id);
    }
    const bySlot = [...runs].sort(
      (a, b) => Date.parse(a.scheduled_for) - Date.parse(b.scheduled_for),
    );
    expect(bySlot.map((r) => Date.parse(r.scheduled_for))).toEqual(
      Array.from({ length: 10 }, (_, i) => from + i * MIN),
    );
    // One after another: each started once the previous one had finished.
    for (let i = 1; i < bySlot.length; i++) {
      expect(Date.parse(bySlot[i].started_at)).toBeGreaterThanOrEqual(
        Date.parse(bySlot[i - 1].finished_at),
      );
    }
    // Each request carried its own slot as X-Cron-Scheduled-At, in slot order.
    const got = (await receiverLog(path)).filter((r) => r.headers["x-cron-run-id"] !== undefined);
    const backfilled = got.filter((r) =>
      runs.some((x: any) => x.run_id === r.headers["x-cron-run-id"]),
    );
    expect(backfilled.map((r) => r.headers["x-cron-scheduled-at"])).toEqual(
      bySlot.map((r) => r.scheduled_for),
    );
    expect(backfilled.every((r) => r.concurrent === 1)).toBe(true);
    // Backfill runs do not count towards max_runs.
    const job = await api("GET", `/v1/cron/get/${id}`, key);
    expect(job.body.data.run_count).toBeLessThanOrEqual(1);
  });

  it("is idempotent: the same key replays the answer and starts nothing more", async () => {
    const key = await createKey("backfill-idem");
    const { id } = await everyMinuteJob(key);
    const to = minuteFloor();
    const body = {
      from: new Date(to - 3 * MIN).toISOString(),
      to: new Date(to).toISOString(),
    };
    const headers = { "idempotency-key": "bf-1" };
    const first = await api("POST", `/v1/cron/backfill/${id}`, key, body, headers);
    expect(first.status).toBe(202);
    const again = await api("POST", `/v1/cron/backfill/${id}`, key, body, headers);
    expect(again.status).toBe(202);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(again.body).toEqual(first.body);
    const other = await api(
      "POST",
      `/v1/cron/backfill/${id}`,
      key,
      { ...body, to: body.from },
      headers,
    );
    expect(other.status).toBe(409);
    await waitFor(
      async () => {
        const runs = (await runsOf(key, id)).filter((r) => r.trigger === "backfill");
        return runs.length === 3 && runs.every((r) => r.state === "succeeded");
      },
      { what: "3 backfill runs", timeoutMs: 15_000 },
    );
    // A later look still finds 3 runs, all of the first backfill.
    const runs = (await runsOf(key, id)).filter((r) => r.trigger === "backfill");
    expect(new Set(runs.map((r) => r.backfill_id))).toEqual(new Set([first.body.data.backfill_id]));
  });

  it("refuses bad ranges and one-shot jobs with 400 naming the field, and changes nothing", async () => {
    const key = await createKey("backfill-bad");
    const { id, record } = await everyMinuteJob(key);
    const now = Date.now();
    const iso = (t: number) => new Date(t).toISOString();
    const cases: Array<[string, unknown, string]> = [
      ["to in the future", { from: iso(now - 10 * MIN), to: iso(now + MIN) }, "to"],
      ["range in the future", { from: iso(now + MIN), to: iso(now + 5 * MIN) }, "to"],
      ["reversed", { from: iso(now - MIN), to: iso(now - 10 * MIN) }, "from"],
      ["empty", { from: iso(now - MIN), to: iso(now - MIN) }, "from"],
      ["over 1,000 slots", { from: iso(now - 1001 * MIN), to: iso(now) }, "to"],
      [
        "no slot inside",
        // Inside the previous minute: always past (the current one's first 2 s are not).
        { from: iso(minuteFloor() - MIN + 1000), to: iso(minuteFloor() - MIN + 2000) },
        "from",
      ],
      ["malformed from", { from: "yesterday", to: iso(now) }, "from"],
      ["missing to", { from: iso(now - MIN) }, "to"],
      ["unknown field", { from: iso(now - MIN), to: iso(now), form: 1 }, "form"],
    ];
    for (const [label, body, field] of cases) {
      const res = await api("POST", `/v1/cron/backfill/${id}`, key, body);
      expect(res.status, label).toBe(400);
      expect(res.body.error.code, label).toBe("VALIDATION_ERROR");
      expect(
        res.body.error.details.map((d: { path: string }) => d.path),
        label,
      ).toContain(field);
    }
    // Nothing changed: no backfill run, the record as it was.
    expect((await runsOf(key, id)).filter((r) => r.trigger === "backfill")).toEqual([]);
    const unchanged = (await api("GET", `/v1/cron/get/${id}`, key)).body.data;
    expect({
      ...unchanged,
      next_run_at: null,
      last_run_at: null,
      last_run_state: null,
      run_count: 0,
    }).toEqual({
      ...record,
      next_run_at: null,
      last_run_at: null,
      last_run_state: null,
      run_count: 0,
    });
    // Exactly 1,000 slots is fine.
    const fine = await api("POST", `/v1/cron/backfill/${id}`, key, {
      from: iso(minuteFloor() - 1000 * MIN),
      to: iso(minuteFloor()),
    });
    expect(fine.status, JSON.stringify(fine.body)).toBe(202);
    expect(fine.body.data.slots).toBe(1000);
    await api("DELETE", `/v1/cron/delete/${id}`, key);

    const once = await api("POST", "/v1/cron/create", key, {
      run_at: iso(now + 3_600_000),
      url: `${receiverUrl()}/ok/once`,
    });
    const oneShot = await api("POST", `/v1/cron/backfill/${once.body.data.cron_id}`, key, {
      from: iso(now - 10 * MIN),
      to: iso(now),
    });
    expect(oneShot.status).toBe(400);
    expect(oneShot.body.error.details.map((d: { path: string }) => d.path)).toContain("schedule");
    expect(await runsOf(key, once.body.data.cron_id)).toEqual([]);
  });

  it("another tenant's job is a 404, and nothing runs", async () => {
    const owner = await createKey("backfill-owner");
    const other = await createKey("backfill-other");
    const { id } = await everyMinuteJob(owner);
    const to = minuteFloor();
    const body = { from: new Date(to - 5 * MIN).toISOString(), to: new Date(to).toISOString() };
    const res = await api("POST", `/v1/cron/backfill/${id}`, other, body);
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe("NOT_FOUND");
    const missing = await api(
      "POST",
      "/v1/cron/backfill/cron_01M85C67QJY8V9G5E3MR1PNZDM",
      other,
      body,
    );
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({ ...res.body });
    expect((await runsOf(owner, id)).filter((r) => r.trigger === "backfill")).toEqual([]);
    expect((await api("POST", `/v1/cron/backfill/${id}`, null, body)).status).toBe(401);
  });

  it("waits while max_concurrency is full, and starts as soon as an update makes room", async () => {
    const key = await createKey("backfill-room");
    // A yearly job (no scheduled slot comes during the test) whose target never answers.
    const path = uniquePath("hang/backfill-room");
    const created = await api("POST", "/v1/cron/create", key, {
      schedule: "0 0 1 1 *",
      url: `${receiverUrl()}${path}`,
      max_concurrency: 1,
      timeout_seconds: 60,
      retries: 0,
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const id = created.body.data.cron_id as string;
    // The manual run holds the only place; the backfill's two slots wait for it.
    expect((await api("POST", `/v1/cron/trigger/${id}`, key)).status).toBe(200);
    await waitFor(async () => (await receiverLog(path)).length === 1, {
      what: "the manual run's request",
    });
    const res = await api("POST", `/v1/cron/backfill/${id}`, key, {
      from: "2020-01-01T00:00:00Z",
      to: "2022-01-01T00:00:00Z",
    });
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    expect(res.body.data.slots).toBe(2);
    await new Promise((r) => setTimeout(r, 500));
    expect((await receiverLog(path)).length).toBe(1); // still waiting for room
    // Room made: the first backfill slot goes now, not when the manual run ends (60 s).
    const updated = await api("PATCH", `/v1/cron/update/${id}`, key, { max_concurrency: 2 });
    expect(updated.status, JSON.stringify(updated.body)).toBe(200);
    const requests = await waitFor(
      async () => {
        const log = await receiverLog(path);
        return log.length === 2 && log;
      },
      { what: "the first backfill slot's request after the update", timeoutMs: 10_000 },
    );
    expect(requests[1]!.headers["x-cron-scheduled-at"]).toBe("2020-01-01T00:00:00.000Z");
    expect((await api("DELETE", `/v1/cron/delete/${id}`, key)).status).toBe(200);
  });
});
