// The interactive API reference at /docs works offline: everything it loads comes
// from the Worker on 127.0.0.1, and it renders every operation of the document.
import { mkdir } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Browsing, launchBrowser } from "../helpers/browser";
import { type CrondoServer, startCrondo } from "../helpers/wrangler-dev";

let crondo: CrondoServer;
let browsing: Browsing;

beforeAll(async () => {
  crondo = await startCrondo();
  browsing = await launchBrowser();
});

afterAll(async () => {
  await browsing?.close();
  await crondo?.cleanup();
});

describe("/docs", () => {
  it("renders every operation with the network beyond 127.0.0.1 blocked", async () => {
    const doc = (await (await fetch(`${crondo.url}/v1/openapi.json`)).json()) as {
      paths: Record<string, Record<string, { operationId: string }>>;
    };
    const operations = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((method) => ({ method: method.toUpperCase(), path })),
    );
    expect(operations.length).toBeGreaterThanOrEqual(14);

    const { page } = browsing;
    await page.goto(`${crondo.url}/docs/`, { waitUntil: "networkidle" });
    await page.waitForSelector(".opblock", { timeout: 30_000 });
    const rendered = await page.$$eval(".opblock", (blocks) =>
      blocks.map((b) => ({
        method: b.querySelector(".opblock-summary-method")?.textContent?.trim() ?? "",
        path: b.querySelector(".opblock-summary-path")?.getAttribute("data-path") ?? "",
      })),
    );
    for (const op of operations) {
      expect(rendered, `${op.method} ${op.path}`).toContainEqual(op);
    }
    expect(await page.textContent(".info .title")).toContain("crondo");
    await mkdir("test-results/screenshots", { recursive: true });
    await page.screenshot({ path: "test-results/screenshots/docs.png", fullPage: false });
    expect(browsing.external).toEqual([]);
    expect(browsing.errors).toEqual([]);
  });
});
