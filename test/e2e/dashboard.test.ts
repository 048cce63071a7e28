// The "Dashboard" issue, end to end: a real chromium (playwright-core, Debian's
// /usr/bin/chromium) drives the dashboard served by a real `wrangler dev` at /, against
// a real receiver on 127.0.0.1. Every request to another host is aborted and fails the
// test. Screenshots land in test-results/screenshots/ for a person to look at.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Browsing, launchBrowser } from "../helpers/browser";
import { type Receiver, startReceiver } from "../helpers/receiver";
import { type CrondoServer, PROJECT_ROOT, startCrondo } from "../helpers/wrangler-dev";
import { client, requestsTo, uniquePath } from "./client";

const SHOTS = join(PROJECT_ROOT, "test-results", "screenshots");
const DESKTOP = { width: 1280, height: 860 };
const PHONE = { width: 375, height: 800 };
/** A name that would be markup if the dashboard ever used innerHTML with data. */
const NAME = 'Nightly <b>report</b> & "co"';

let crondo: CrondoServer | undefined;
let receiver: Receiver | undefined;
let b: Browsing | undefined;
let key = "";

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  [receiver, crondo] = await Promise.all([startReceiver(), startCrondo()]);
  [key, b] = await Promise.all([crondo.createKey("dashboard"), launchBrowser(DESKTOP)]);
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

/** A full-page screenshot once the last toast has gone (it would hide what is under it). */
async function shot(page: Page, name: string) {
  await page.locator("#toast:empty").waitFor({ state: "attached", timeout: 10_000 });
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
}

/** Width of the document at a 375 px viewport (no horizontal scrolling when ≤ 375). */
async function phoneWidth(page: Page, name: string): Promise<number> {
  await page.setViewportSize(PHONE);
  await page.waitForTimeout(300); // layout and the chart's ResizeObserver settle
  const width = await page.evaluate<number>("document.documentElement.scrollWidth");
  await shot(page, name);
  await page.setViewportSize(DESKTOP);
  return width;
}

const h1 = (page: Page) => page.locator("h1").textContent();

describe("dashboard", () => {
  it("signs in, creates a job with the form, triggers, inspects, edits, pauses and deletes it", async () => {
    const page = b!.page;
    page.setDefaultTimeout(15_000);
    const path = uniquePath("ok");
    const api = client(crondo!.url, key);

    // Sign-in: a wrong key is refused with a message; the right one is kept in sessionStorage only.
    await page.goto(`${crondo!.url}/`);
    await page.getByLabel("API key").fill("definitely-not-a-valid-key");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByText("That API key was not accepted.").waitFor();
    await page.getByLabel("API key").fill(key);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByText("No jobs yet.").waitFor();
    expect(await h1(page)).toBe("Jobs");
    const storage = JSON.parse(
      await page.evaluate<string>(
        "JSON.stringify({ session: Object.values(sessionStorage), local: localStorage.length, cookie: document.cookie })",
      ),
    );
    expect(storage).toEqual({ session: [key], local: 0, cookie: "" });
    expect(page.url()).not.toContain(key);

    // Create: typing a schedule shows its description and the next 5 fire times.
    await page.getByRole("link", { name: "New job" }).last().click();
    await page.waitForURL(/#\/new$/);
    await page.getByLabel("Name").fill(NAME);
    await page.getByLabel("URL", { exact: true }).fill(`${receiver!.url}${path}`);
    await page.getByLabel("Timezone").fill("Europe/Berlin");
    const schedule = page.getByLabel("Cron expression");
    await schedule.pressSequentially("61 * * * *", { delay: 15 });
    // The API's own error for the expression, placed next to the field while typing.
    await page.locator("#f-schedule-error").filter({ hasText: /\S/ }).waitFor();
    await schedule.fill("");
    await schedule.pressSequentially("*/5 * * * *", { delay: 15 });
    await page.locator(".next-times li").nth(4).waitFor();
    expect(await page.locator(".next-times li").count()).toBe(5);
    expect(await page.locator(".preview .description").textContent()).toMatch(/every 5 minutes/i);
    expect(await page.locator(".next-times li").first().textContent()).toMatch(/ (CET|CEST) /);
    expect(await page.locator("#f-schedule-error").textContent()).toBe("");
    // Client-side checks as you type.
    const payload = page.getByLabel("Payload (JSON)");
    await payload.fill('{"hello": ');
    await page.locator("#f-payload-error").getByText("Not valid JSON").waitFor();
    expect(await payload.getAttribute("aria-invalid")).toBe("true");
    await payload.fill('{"hello": "world"}');
    await page.locator("#f-payload-error:empty").waitFor({ state: "attached" });
    // The window and catch-up fields (SPEC §10): checked as typed, applied to the preview.
    const dates = page.getByLabel("Excluded dates");
    await dates.fill("2026-02-30");
    await page.locator("#f-exclude_dates-error").getByText("is not a date").waitFor();
    await dates.fill("2031-12-25, 2031-12-26");
    await page.locator("#f-exclude_dates-error:empty").waitFor({ state: "attached" });
    await page.getByLabel("Jitter (s)").fill("30");
    await page.getByLabel("Missed runs").selectOption("run_all");
    await page.locator(".preview .description", { hasText: "up to 30 s of jitter" }).waitFor();
    expect(await page.locator(".preview .description").textContent()).toMatch(
      /not on 2031-12-25, 2031-12-26/,
    );
    expect(await phoneWidth(page, "form-375")).toBeLessThanOrEqual(375);
    await page.getByRole("button", { name: "Create job" }).click();
    await page.waitForURL(/#\/jobs\/cron_[0-9A-Z]{26}$/);
    const cronId = decodeURIComponent(page.url().split("/").pop()!);
    // Data is text: the name shows literally, no <b> element is made from it.
    await page.locator("h1", { hasText: NAME }).waitFor();
    expect(await page.locator("h1 b").count()).toBe(0);
    const created = await api.get(`/v1/cron/get/${cronId}`);
    expect(created.body.data).toMatchObject({
      name: NAME,
      schedule: "*/5 * * * *",
      timezone: "Europe/Berlin",
      payload: { hello: "world" },
      status: "active",
      exclude_dates: ["2031-12-25", "2031-12-26"],
      jitter_seconds: 30,
      misfire_policy: "run_all",
      catchup_window_seconds: 3600,
      start_at: null,
      end_at: null,
    });

    // The jobs list shows it, with its description; no horizontal scroll at 375 px.
    await page.getByRole("link", { name: "Jobs", exact: true }).first().click();
    const row = page.locator(".jobs-table tbody tr", { hasText: NAME });
    await row.getByText(/every 5 minutes/i).waitFor();
    expect(await row.locator(".badge").first().textContent()).toBe("active");
    await page.waitForTimeout(300); // success-rate cells
    await shot(page, "jobs-desktop");
    expect(await phoneWidth(page, "jobs-375")).toBeLessThanOrEqual(375);

    // Job view: trigger now → a succeeded run with HTTP 200 appears (the page polls).
    await page.getByRole("link", { name: NAME }).click();
    await page.waitForURL(/#\/jobs\/cron_/);
    await page.getByRole("button", { name: "Trigger now" }).click();
    const succeeded = page.locator(".runs-table tbody tr", { hasText: "succeeded" });
    await succeeded.first().waitFor({ timeout: 30_000 });
    expect(await succeeded.first().locator('td[data-label="HTTP"]').textContent()).toBe("200");
    expect(requestsTo(receiver!.requests, path)[0]?.headers["x-cron-id"]).toBe(cronId);
    await page.locator(".chart canvas").first().waitFor();
    // The signing secret is hidden until asked for.
    expect(await page.locator("#signing-secret").textContent()).not.toMatch(/^whsec_/);
    await page.getByRole("button", { name: "Show signing secret" }).click();
    expect(await page.locator("#signing-secret").textContent()).toBe(
      created.body.data.signing_secret,
    );
    await page.getByRole("button", { name: "Hide signing secret" }).click();
    await page.waitForTimeout(300); // stats and chart refresh after the run
    await shot(page, "job-desktop");
    expect(await phoneWidth(page, "job-375")).toBeLessThanOrEqual(375);

    // Run detail: the attempt log and the response body (as text).
    await succeeded.first().locator('a[href*="/runs/"]').click();
    await page.waitForURL(/\/runs\/run_/);
    await page.getByRole("heading", { name: "Attempt log" }).waitFor();
    const attempt = page.locator(".attempts-table tbody tr").first();
    expect(await attempt.locator('td[data-label="HTTP"]').textContent()).toBe("200");
    expect(await page.locator(".response-body").textContent()).toBe(`ok ${path}`);
    await shot(page, "run-desktop");

    // Edit sends a partial PATCH of the changed field only.
    await page
      .getByRole("navigation", { name: "Breadcrumb" })
      .getByRole("link", { name: NAME })
      .click();
    await page.getByRole("link", { name: "Edit" }).click();
    await page.waitForURL(/\/edit$/);
    await page.locator(".next-times li").nth(4).waitFor();
    await page.getByLabel("Retries").fill("5");
    const patch = page.waitForRequest((r) => r.method() === "PATCH");
    await page.getByRole("button", { name: "Save changes" }).click();
    expect((await patch).postDataJSON()).toEqual({ retries: 5 });
    await page.waitForURL(/#\/jobs\/cron_[0-9A-Z]{26}$/);

    // Pause: the status shows paused and the button offers Resume.
    await page.getByRole("button", { name: "Pause" }).click();
    await page.locator(".view-head .badge", { hasText: "paused" }).waitFor();
    await page.getByRole("button", { name: "Resume" }).waitFor();
    expect((await api.get(`/v1/cron/get/${cronId}`)).body.data).toMatchObject({
      status: "paused",
      retries: 5,
    });

    // Delete asks first in a modal dialog (focus on Cancel; Escape cancels), then deletes.
    const del = page.getByRole("button", { name: "Delete", exact: true });
    await del.click();
    const dialog = page.getByRole("dialog", { name: "Delete this job?" });
    await dialog.waitFor();
    expect(await page.evaluate<string>("document.activeElement.textContent")).toBe("Cancel");
    await page.keyboard.press("Escape");
    await dialog.waitFor({ state: "detached" });
    expect(await page.evaluate<string>("document.activeElement.textContent")).toBe("Delete");
    await del.click();
    await dialog.getByRole("button", { name: "Delete job" }).click();
    await page.waitForURL(/#\/jobs$/);
    await page.getByText("No jobs yet.").waitFor();
    expect(await page.locator(".jobs-table").count()).toBe(0);
    expect((await api.get(`/v1/cron/get/${cronId}`)).status).toBe(404);

    // Sign out forgets the key; a key the API refuses later sends you back to sign-in.
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByLabel("API key").waitFor();
    expect(await page.evaluate<number>("sessionStorage.length")).toBe(0);
    await page.evaluate("sessionStorage.setItem('crondo.apiKey', 'revoked-or-never-valid')");
    await page.reload();
    await page.getByText(/was not accepted/).waitFor();
    expect(await page.evaluate<number>("sessionStorage.length")).toBe(0);
  });

  it("pages through the jobs with Next/Previous and filters them by status", async () => {
    const page = b!.page;
    const other = await crondo!.createKey("dashboard-pages");
    const api = client(crondo!.url, other);
    // 22 jobs, newest first in the list: "job 21" … "job 00"; the two oldest paused.
    for (let i = 0; i < 22; i++) {
      const res = await api.post("/v1/cron/create", {
        name: `job ${String(i).padStart(2, "0")}`,
        schedule: "0 0 1 1 *",
        url: `${receiver!.url}/ok/pages`,
        enabled: i >= 2,
      });
      expect(res.status).toBe(201);
    }
    await page.evaluate(`sessionStorage.setItem('crondo.apiKey', ${JSON.stringify(other)})`);
    await page.goto(`${crondo!.url}/#/jobs`);
    await page.reload();
    const names = () => page.locator(".jobs-table tbody tr .job-link").allTextContents();
    // (page.waitForFunction with a string would need 'unsafe-eval', which the CSP refuses.)
    const rows = (n: number) =>
      expect.poll(() => page.locator(".jobs-table tbody tr").count(), { timeout: 15_000 }).toBe(n);
    await rows(20);
    expect((await names())[0]).toBe("job 21");
    const next = page.getByRole("button", { name: "Next" });
    const prev = page.getByRole("button", { name: "Previous" });
    expect(await prev.isDisabled()).toBe(true);
    await next.click();
    await rows(2);
    expect(await names()).toEqual(["job 01", "job 00"]);
    await page.getByText("Page 2").waitFor();
    expect(await next.isDisabled()).toBe(true);
    await prev.click();
    await rows(20);
    expect((await names())[0]).toBe("job 21");
    await page.getByLabel("Status").selectOption("paused");
    await page.waitForURL(/#\/jobs\?status=paused$/);
    await rows(2);
    expect(await names()).toEqual(["job 01", "job 00"]);
    expect(await page.locator(".jobs-table .badge-paused").count()).toBe(2);
  });

  it("signs in with a read-only key: jobs and runs to look at, no enabled action, a note why", async () => {
    const page = b!.page;
    const tenant = "dashboard-ro";
    const writer = client(crondo!.url, await crondo!.createKey(tenant));
    const created = await writer.post("/v1/cron/create", {
      name: "watched",
      schedule: "0 0 1 1 *",
      url: `${receiver!.url}/ok/read-only`,
    });
    expect(created.status).toBe(201);
    const cronId = created.body.data.cron_id as string;
    expect((await writer.post(`/v1/cron/trigger/${cronId}`, {})).status).toBe(200);
    const reader = await crondo!.createKey(tenant, "viewer", ["--scope", "read"]);
    // The key is refused what it cannot do, so the dashboard must not offer it.
    expect((await client(crondo!.url, reader).post(`/v1/cron/pause/${cronId}`, {})).status).toBe(
      403,
    );

    await page.evaluate("sessionStorage.clear()");
    await page.goto(`${crondo!.url}/#/jobs`);
    await page.reload();
    await page.getByLabel("API key").fill(reader);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.locator(".jobs-table tbody tr", { hasText: "watched" }).waitFor();
    const note = page.locator("#read-only-note");
    expect(await note.textContent()).toMatch(/Read-only API key/);
    // No way to create: neither the header's link nor the list's button.
    expect(await page.getByRole("link", { name: "New job" }).count()).toBe(0);
    expect(await page.getByRole("link", { name: "Create a job" }).count()).toBe(0);

    // The job: every action there, disabled, described by the note; its runs are shown.
    await page.getByRole("link", { name: "watched" }).click();
    await page.waitForURL(/#\/jobs\/cron_/);
    await page.locator(".runs-table tbody tr").first().waitFor();
    const actions = page.getByRole("group", { name: "Job actions" });
    const buttons = actions.getByRole("button");
    expect(await buttons.allTextContents()).toEqual(["Trigger now", "Pause", "Edit", "Delete"]);
    for (const button of await buttons.all()) {
      expect(await button.isDisabled(), (await button.textContent()) ?? "").toBe(true);
      expect(await button.getAttribute("aria-describedby")).toBe("read-only-note");
    }
    expect(await actions.getByRole("link").count()).toBe(0);
    expect(await page.locator("#read-only-note").isVisible()).toBe(true);
    await shot(page, "job-read-only");

    // The forms are not offered either, even by address.
    for (const hash of ["#/new", `#/jobs/${cronId}/edit`]) {
      await page.goto(`${crondo!.url}/${hash}`);
      await page.locator("#read-only-note").waitFor();
      expect(await page.locator("main form").count(), hash).toBe(0);
    }
    // Nothing changed: the job is as the writer left it.
    expect((await writer.get(`/v1/cron/get/${cronId}`)).body.data.status).toBe("active");
  });

  it("asked nothing of any host but 127.0.0.1 and logged no errors", () => {
    expect(b!.external).toEqual([]);
    // Console errors (CSP violations included), except the responses the first test
    // provoked on purpose: the 400 of the preview of "61 * * * *" and the 401s of the
    // refused keys.
    const errors = b!.errors.filter((e) => !/Failed to load resource: .* status of 40[01]/.test(e));
    expect(errors).toEqual([]);
  });
});
