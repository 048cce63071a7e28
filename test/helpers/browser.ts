// A headless Debian chromium driven by playwright-core, for the dashboard e2e test.
// Every request to a host other than 127.0.0.1 is aborted and recorded in `external`
// (the dashboard must load nothing from a third party); console errors and page errors
// are recorded too. `close()` ends the browser process.
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";

export const CHROMIUM = "/usr/bin/chromium";

export interface Browsing {
  browser: Browser;
  context: BrowserContext;
  page: Page;
  /** URLs of requests to any host but 127.0.0.1 (aborted). */
  external: string[];
  /** Console errors and uncaught page errors (CSP violations show up here). */
  errors: string[];
  close(): Promise<void>;
}

export async function launchBrowser(
  viewport: { width: number; height: number } = { width: 1280, height: 860 },
): Promise<Browsing> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--no-first-run",
    ],
    timeout: 30_000,
  });
  const external: string[] = [];
  const errors: string[] = [];
  try {
    const context = await browser.newContext({ viewport, colorScheme: "light" });
    await context.route("**/*", (route) => {
      const url = route.request().url();
      let host = "";
      try {
        host = new URL(url).hostname;
      } catch {
        // not a URL with a host: treat as external
      }
      if (host !== "127.0.0.1") {
        external.push(url);
        return route.abort("blockedbyclient");
      }
      return route.continue();
    });
    const page = await context.newPage();
    page.on("console", (msg) => {
      if (msg.type() === "error") errors.push(`console: ${msg.text()}`);
    });
    page.on("pageerror", (err) => errors.push(`pageerror: ${err.message}`));
    return {
      browser,
      context,
      page,
      external,
      errors,
      close: async () => {
        await context.close().catch(() => {});
        await browser.close();
      },
    };
  } catch (e) {
    await browser.close();
    throw e;
  }
}
