// The operators' dashboard (issue 17) in Debian's chromium against a real `wrangler dev`
// and real receivers: the overview's charts for a tenant with runs in several states, a
// failure appearing in the failures list without a reload, keyboard navigation, an axe-core
// check (no serious or critical violation) of every page in light and dark mode, no page
// error and no request to another host. Screenshots at desktop and phone sizes land in
// test-results/screenshots/.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import AxeBuilder from "@axe-core/playwright";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Browsing, launchBrowser } from "../helpers/browser";
import { type Receiver, startReceiver } from "../helpers/receiver";
import { waitFor } from "../helpers/wait";
import { type CrondoServer, PROJECT_ROOT, startCrondo } from "../helpers/wrangler-dev";
import { type Client, client, finishedRun, uniquePath } from "./client";

const SHOTS = join(PROJECT_ROOT, "test-results", "screenshots");
const DESKTOP = { width: 1280, height: 860 };
const PHONE = { width: 375, height: 800 };

let crondo: CrondoServer | undefined;
let receiver: Receiver | undefined;
let b: Browsing | undefined;
let key = "";
let api: Client;

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  [receiver, crondo] = await Promise.all([startReceiver(), startCrondo()]);
  [key, b] = await Promise.all([crondo.createKey("overview"), launchBrowser(DESKTOP)]);
  api = client(crondo.url, key);
});

afterAll(async () => {
  try {
    await b?.close();
  } finally {
    try {
      await crondo?.cleanup();
    } finally {
      await receiver?.close();
    }
  }
});

/** Serious and critical axe-core violations of the page as it is now, one line each. */
async function axe(page: Page): Promise<string[]> {
  const result = await new AxeBuilder({ page }).analyze();
  return result.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
}

async function shot(page: Page, name: string) {
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

/** Screenshot at phone width; the document's width there (≤ 375: no sideways scrolling). */
async function phone(page: Page, name: string): Promise<number> {
  await page.setViewportSize(PHONE);
  const width = await waitFor(
    async () => {
      const w = await page.evaluate<number>("document.documentElement.scrollWidth");
      return w <= PHONE.width ? w : null;
    },
    { what: `${name} to fit a phone's width`, timeoutMs: 5_000 },
  ).catch(() => page.evaluate<number>("document.documentElement.scrollWidth"));
  await shot(page, name);
  await page.setViewportSize(DESKTOP);
  return width;
}

async function create(body: Record<string, unknown>): Promise<string> {
  const res = await api.post("/v1/cron/create", body);
  expect(res.status, res.text).toBe(201);
  return res.body.data.cron_id;
}

async function failNow(cronId: string): Promise<string> {
  const t = await api.post(`/v1/cron/trigger/${cronId}`, {});
  expect(t.status, t.text).toBe(200);
  expect((await finishedRun(api, cronId, t.body.data.run_id)).state).toBe("failed");
  return t.body.data.run_id;
}

describe("operators' dashboard", () => {
  it("overview: charts by state, live failures, keyboard, axe on every page, phone and dark", async () => {
    const page = b!.page;
    page.setDefaultTimeout(20_000);
    // Runs in four final states: on time, failing, skipped (overlap) and cancelled (replace).
    const ok = await create({
      name: "heartbeat",
      schedule: "*/2 * * * * *",
      url: `${receiver!.url}${uniquePath("ok")}`,
    });
    const failing = await create({
      name: "billing export",
      schedule: "0 3 * * *",
      url: `${receiver!.url}${uniquePath("status/503")}`,
      retries: 0,
    });
    const skipper = await create({
      name: "slow report",
      schedule: "* * * * * *",
      url: `${receiver!.url}${uniquePath("slow/2500")}`,
      overlap_policy: "skip",
    });
    const replacer = await create({
      name: "replaced sync",
      schedule: "*/2 * * * * *",
      url: `${receiver!.url}${uniquePath("slow/6000")}`,
      overlap_policy: "replace",
    });
    await failNow(failing);
    await waitFor(
      async () => {
        const o = (await api.get("/v1/cron/overview")).body.data;
        const total = (s: string) => o.runs_per_minute.reduce((a: number, p: any) => a + p[s], 0);
        return ["succeeded", "failed", "skipped", "cancelled"].every((s) => total(s) > 0);
      },
      { what: "runs in every final state", timeoutMs: 60_000, stepMs: 500 },
    );
    for (const id of [skipper, replacer])
      expect((await api.post(`/v1/cron/pause/${id}`, {})).status).toBe(200);

    // Sign in, then the overview from the navigation.
    await page.goto(`${crondo!.url}/`);
    await page.getByLabel("API key").fill(key);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "Jobs" }).waitFor();
    await page
      .getByRole("navigation", { name: "Main" })
      .getByRole("link", { name: "Overview" })
      .click();
    await page.getByRole("heading", { name: "Overview", level: 1 }).waitFor();
    for (const state of ["succeeded", "failed", "skipped", "cancelled"])
      await page.locator(`#runs-chart rect.fill-${state}`).first().waitFor();
    await page.locator("#lag-chart path.line-p50").waitFor({ state: "attached" });
    await page.locator("#lag-chart path.line-p99").waitFor({ state: "attached" });
    expect(await page.locator("#runs-chart svg").getAttribute("aria-label")).toMatch(/\d+ failed/);
    // The timeline: the every-2-s heartbeat first, its fires listed up to the cap, and the
    // daily export's one fire.
    const lanes = page.locator("#timeline-chart .timeline-jobs li");
    await lanes.first().waitFor();
    expect(await lanes.first().textContent()).toMatch(/^heartbeat — next .*, 200\+ in 24 h$/);
    await page.locator("#timeline-chart li", { hasText: "billing export" }).waitFor();
    expect(await page.locator("#timeline-chart line.fire").count()).toBeGreaterThan(200);
    const firstFailure = page.locator("#failures tbody tr").first();
    await firstFailure.waitFor();
    // The job's name replaces its id once fetched.
    await firstFailure.locator('td[data-label="Job"]', { hasText: "billing export" }).waitFor();

    // A failure made now by the receiver shows up without a reload (the page polls).
    await page.evaluate("window.__noReload = true");
    const runId = await failNow(failing);
    await page.locator(`#failures tr[data-run-id="${runId}"]`).waitFor({ timeout: 45_000 });
    expect(await page.evaluate("window.__noReload")).toBe(true);
    expect(
      await page
        .locator(`#failures tr[data-run-id="${runId}"] td[data-label="HTTP"]`)
        .textContent(),
    ).toBe("503");

    await shot(page, "overview-desktop");
    expect(await phone(page, "overview-375")).toBeLessThanOrEqual(PHONE.width);
    expect(await axe(page), "overview").toEqual([]);

    // Keyboard only: the skip link first, then the navigation, to the jobs page.
    // Start sequential navigation from the top of the document, as after a fresh load.
    await page.evaluate(
      "window.scrollTo(0, 0); document.body.tabIndex = -1; document.body.focus(); document.body.removeAttribute('tabindex')",
    );
    await page.keyboard.press("Tab");
    expect(await page.evaluate("document.activeElement.textContent")).toBe("Skip to content");
    let onJobs = false;
    for (let i = 0; i < 6 && !onJobs; i++) {
      await page.keyboard.press("Tab");
      onJobs = (await page.evaluate("document.activeElement.textContent")) === "Jobs";
    }
    expect(onJobs).toBe(true);
    await page.keyboard.press("Enter");
    await page.getByRole("heading", { name: "Jobs", level: 1 }).waitFor();
    const heartbeat = page.locator(".jobs-table tr", { hasText: "heartbeat" });
    await heartbeat.waitFor();
    expect(await heartbeat.locator('td[data-label="Schedule"] .sub').textContent()).toMatch(
      /every 2 seconds/i,
    );
    expect(await heartbeat.locator('td[data-label="Success"]').textContent()).toMatch(/%/);
    expect(await axe(page), "jobs").toEqual([]);
    expect(await phone(page, "jobs-summary-375")).toBeLessThanOrEqual(PHONE.width);

    // The job page, a run page and the form: axe-clean too.
    await page.getByRole("link", { name: "billing export" }).click();
    await page.locator(".runs-table tbody tr").first().waitFor();
    expect(await axe(page), "job").toEqual([]);
    await shot(page, "job-failing-desktop");
    expect(await phone(page, "job-failing-375")).toBeLessThanOrEqual(PHONE.width);
    await page.locator('.runs-table a[href*="/runs/"]').first().click();
    await page.getByRole("heading", { name: "Attempt log" }).waitFor();
    expect(await axe(page), "run").toEqual([]);
    await page.goto(`${crondo!.url}/#/new`);
    await page.getByLabel("Cron expression").waitFor();
    expect(await axe(page), "new job form").toEqual([]);

    // Dark mode follows the system setting, and stays axe-clean.
    await page.emulateMedia({ colorScheme: "dark" });
    await page.goto(`${crondo!.url}/#/overview`);
    await page.locator("#runs-chart rect.fill-failed").first().waitFor();
    const bg = await page.evaluate<string>("getComputedStyle(document.body).backgroundColor");
    expect(bg).toBe("rgb(13, 17, 23)");
    expect(await axe(page), "overview, dark").toEqual([]);
    await shot(page, "overview-dark-desktop");
    expect(await phone(page, "overview-dark-375")).toBeLessThanOrEqual(PHONE.width);
    await page.goto(`${crondo!.url}/#/jobs`);
    await page.locator(".jobs-table").waitFor();
    expect(await axe(page), "jobs, dark").toEqual([]);
    await page.emulateMedia({ colorScheme: "light" });

    // Signed out: the sign-in page.
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByLabel("API key").waitFor();
    expect(await axe(page), "sign-in").toEqual([]);

    expect(b!.errors).toEqual([]);
    expect(b!.external).toEqual([]);
    await api.post(`/v1/cron/pause/${ok}`, {});
  });

  it("job page: replay and cancel change the run history; bulk replay, backfill, audit, auto-pause, rotation", async () => {
    const page = b!.page;
    page.setDefaultTimeout(20_000);
    await page.emulateMedia({ colorScheme: "light" });
    const failing = await create({
      name: "flaky import",
      schedule: "*/15 * * * *",
      url: `${receiver!.url}${uniquePath("status/500")}`,
      retries: 0,
      pause_after_failures: 2,
    });
    const hanging = await create({
      name: "hanging call",
      schedule: "0 0 1 1 *",
      url: `${receiver!.url}${uniquePath("hang")}`,
      retries: 0,
      timeout_seconds: 120,
    });
    const failed = await failNow(failing);
    await page.goto(`${crondo!.url}/`);
    if (await page.getByLabel("API key").isVisible()) {
      await page.getByLabel("API key").fill(key);
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.getByRole("heading", { name: "Jobs", level: 1 }).waitFor();
    }

    // Replay the failed run from its row: a new run with trigger replay joins the history.
    await page.goto(`${crondo!.url}/#/jobs/${failing}`);
    await page.getByRole("button", { name: `Replay run ${failed}` }).click();
    const replayRow = page.locator(".runs-table tbody tr", { hasText: "replay" });
    await replayRow.first().waitFor({ timeout: 30_000 });
    const replays = await waitFor(
      async () => {
        const items = (await api.get(`/v1/cron/runs/list/${failing}`)).body.data.items;
        const r = items.filter((x: any) => x.trigger === "replay" && x.replay_of === failed);
        return r.length === 1 && r[0].state === "failed" ? r : null;
      },
      { what: "the replay to run and fail", timeoutMs: 30_000, stepMs: 250 },
    );
    expect(replays).toHaveLength(1);
    // Two failures in a row: the job paused itself, and the page says why.
    await page.locator("#auto-pause").waitFor({ timeout: 30_000 });
    expect(await page.locator("#auto-pause").textContent()).toMatch(/pause_after_failures = 2/);
    expect((await api.get(`/v1/cron/get/${failing}`)).body.data.paused_reason).toBe(
      "consecutive_failures",
    );
    expect(await axe(page), "job with the auto-pause banner").toEqual([]);

    // Bulk replay of failures (a paused job replays too).
    await page.getByRole("button", { name: "Replay failed runs…" }).click();
    await page.getByLabel("At most").fill("10");
    expect(await axe(page), "bulk replay dialog").toEqual([]);
    await page.getByRole("dialog").getByRole("button", { name: "Replay" }).click();
    await page.locator("#toast", { hasText: "Replaying 2 failed runs." }).waitFor();
    await waitFor(
      async () =>
        (await api.get(`/v1/cron/runs/list/${failing}?limit=100`)).body.data.items.filter(
          (x: any) => x.trigger === "replay",
        ).length === 3,
      { what: "the bulk replay's runs", timeoutMs: 30_000, stepMs: 250 },
    );

    // Backfill: the last hour's slots of an every-15-minutes job.
    await page.getByRole("button", { name: "Backfill…" }).click();
    await page.getByLabel("From").waitFor();
    await page.getByRole("dialog").getByRole("button", { name: "Backfill" }).click();
    await page.locator("#toast", { hasText: /Backfilling [1-5] slots?/ }).waitFor();
    await page
      .locator(".runs-table tbody tr", { hasText: "backfill" })
      .first()
      .waitFor({ timeout: 30_000 });

    // Rotate the secret: the page shows until when the previous one still signs.
    const before = (await api.get(`/v1/cron/get/${failing}`)).body.data.signing_secret;
    await page.getByRole("button", { name: "Rotate signing secret" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Rotate secret" }).click();
    await page.getByText("Previous secret valid until").waitFor();
    const after = (await api.get(`/v1/cron/get/${failing}`)).body.data;
    expect(after.signing_secret).not.toBe(before);
    expect(Date.parse(after.previous_secret_expires_at)).toBeGreaterThan(Date.now());

    // The audit log lists what was done, newest first, with its actor.
    const audit = page.locator("#audit tbody tr");
    await page.locator("#audit td", { hasText: "rotate-secret" }).waitFor({ timeout: 30_000 });
    const actions = await page.locator('#audit td[data-label="Action"]').allTextContents();
    for (const a of ["rotate-secret", "backfill", "replay", "pause", "create"])
      expect(actions, a).toContain(a);
    expect(await audit.locator('td[data-label="By"]').allTextContents()).toContain("system");
    await shot(page, "job-ops-desktop");
    expect(await phone(page, "job-ops-375")).toBeLessThanOrEqual(PHONE.width);
    expect(await axe(page), "job page after the operations").toEqual([]);

    // Cancel a run in flight from its row: the request is aborted, the run is cancelled.
    const t = await api.post(`/v1/cron/trigger/${hanging}`, {});
    const runId = t.body.data.run_id;
    await page.goto(`${crondo!.url}/#/jobs/${hanging}`);
    await page.getByRole("button", { name: `Cancel run ${runId}` }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Cancel run" }).click();
    await page
      .locator(".runs-table tbody tr", { hasText: "cancelled" })
      .first()
      .waitFor({ timeout: 30_000 });
    expect((await api.get(`/v1/cron/runs/get/${hanging}/${runId}`)).body.data.state).toBe(
      "cancelled",
    );
    await page.getByRole("button", { name: `Replay run ${runId}` }).waitFor(); // finished now

    expect(b!.errors).toEqual([]);
    expect(b!.external).toEqual([]);
  });
});
