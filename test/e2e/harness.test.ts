// The e2e harness itself (test/helpers/wrangler-dev.ts): keys made by the CLI while the
// server runs are accepted, a SIGKILLed server leaves nothing behind, and a restart on the
// same state directory sees the same keys and jobs (what the crash tests build on).
import { afterAll, describe, expect, it } from "vitest";
import { type CrondoServer, startCrondo } from "../helpers/wrangler-dev";
import { client } from "./client";

const servers: CrondoServer[] = [];

afterAll(async () => {
  // Newest first: the first server owns the state directory and removes it last.
  for (const s of servers.reverse()) await s.cleanup();
});

const groupAlive = (pgid: number) => {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
};

describe("startCrondo", () => {
  it("survives a SIGKILL and a restart on the same state, with --var passed through", async () => {
    const first = await startCrondo();
    servers.push(first);
    const key = await first.keyFor("harness");
    expect(await first.keyFor("harness")).toBe(key); // cached per tenant
    const api = client(first.url, key);
    const created = await api.post("/v1/cron/create", {
      schedule: "0 0 1 1 *",
      url: "https://example.com/harness",
    });
    expect(created.status).toBe(201);
    const cronId = created.body.data.cron_id;

    const pgid = first.proc.pid!;
    await first.stop("SIGKILL");
    expect(groupAlive(pgid), "no process of the killed server's group is left").toBe(false);
    await expect(fetch(`${first.url}/v1/cron/list`)).rejects.toThrow();

    const second = await startCrondo({ persistTo: first.persistTo, vars: { JOB_QUOTA: "2" } });
    servers.push(second);
    const again = client(second.url, key);
    const got = await again.get(`/v1/cron/get/${cronId}`);
    expect(got.status).toBe(200);
    expect(got.body.data).toMatchObject({ cron_id: cronId, status: "active" });

    // A key made while this server runs works at once; JOB_QUOTA=2 came through --var.
    const other = client(second.url, await second.keyFor("harness-2"));
    const job = { schedule: "0 0 1 1 *", url: "https://example.com/q" };
    expect((await other.post("/v1/cron/create", job)).status).toBe(201);
    expect((await other.post("/v1/cron/create", job)).status).toBe(201);
    const third = await other.post("/v1/cron/create", job);
    expect(third.status).toBe(403);
    expect(third.body.error.code).toBe("QUOTA_EXCEEDED");

    const stopStarted = Date.now();
    await second.stop();
    expect(Date.now() - stopStarted, "SIGTERM stop time").toBeLessThan(10_000);
    expect(groupAlive(second.proc.pid!)).toBe(false);
    expect(second.logs()).toContain("[harness] wrangler dev exited");
  });
});
