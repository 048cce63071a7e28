// crondo/verify in the receivers it is for: real deliveries from a running crondo
// (wrangler dev) verified by a Node receiver (crondoVerifyNode) and by a Worker run by
// miniflare (crondoVerify for Hono, verifyCrondoRequest); the same requests tampered,
// replayed against a clock 10 minutes ahead, or checked with the wrong secret are
// refused; during a rotation both secrets verify.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { Miniflare } from "miniflare";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signatureHeader } from "../../src/verify";
import { crondoVerifyNode, type NodeLikeRequest } from "../../src/verify/node";
import { type CrondoServer, startCrondo } from "../helpers/wrangler-dev";
import { type Client, client, finishedRun, uniquePath } from "./client";

let crondo: CrondoServer;
let api: Client;
let node: {
  url: string;
  server: Server;
  seen: Map<string, { headers: Record<string, string>; body: string }>;
};
let worker: { url: string; mf: Miniflare };

const nodeSecrets = new Map<string, string[]>();
const lookup = (id: string | null) => nodeSecrets.get(id ?? "") ?? [];

/** A Node receiver: /node/ok/… verifies, /node/skewed/… verifies with a clock 10 min ahead. */
async function startNodeReceiver() {
  const seen = new Map<string, { headers: Record<string, string>; body: string }>();
  const ok = crondoVerifyNode({ secret: lookup });
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://x").pathname;
    const mw = path.startsWith("/node/skewed/")
      ? crondoVerifyNode({ secret: lookup, now: Date.now() + 600_000 })
      : ok;
    mw(req, res, (err?: unknown) => {
      const r = req as unknown as NodeLikeRequest;
      const body = Buffer.from(r.rawBody as Uint8Array).toString("utf8");
      seen.set(path, { headers: req.headers as Record<string, string>, body });
      res.statusCode = err ? 500 : 200;
      res.setHeader("content-type", "application/json");
      res.end(
        JSON.stringify(err ? { error: String(err) } : { verified: true, runtime: "node", body }),
      );
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server, seen };
}

async function startWorkerReceiver() {
  const out = await build({
    entryPoints: [fileURLToPath(new URL("./fixtures/verify-worker.ts", import.meta.url))],
    bundle: true,
    format: "esm",
    platform: "neutral",
    target: "es2022",
    mainFields: ["module", "main"],
    conditions: ["workerd", "worker", "import"],
    write: false,
    logLevel: "silent",
  });
  const mf = new Miniflare({
    host: "127.0.0.1",
    port: 0,
    workers: [
      {
        config: {
          name: "verify-receiver",
          compatibilityDate: "2026-11-01",
          manifest: {
            mainModule: "worker.js",
            modulesRoot: "/",
            modules: { "worker.js": { type: "esm", contents: out.outputFiles[0]!.text } },
          },
        },
      },
    ],
  });
  return { url: String(await mf.ready).replace(/\/$/, ""), mf };
}

beforeAll(async () => {
  [node, worker, crondo] = await Promise.all([
    startNodeReceiver(),
    startWorkerReceiver(),
    startCrondo(),
  ]);
  api = client(crondo.url, await crondo.keyFor("verify"));
});

afterAll(async () => {
  try {
    await crondo?.cleanup();
  } finally {
    node?.server.closeAllConnections();
    node?.server.close();
    await worker?.mf.dispose();
  }
});

const register = async (cronId: string, secrets: string[]) => {
  nodeSecrets.set(cronId, secrets);
  const res = await fetch(`${worker.url}/__secrets`, {
    method: "POST",
    body: JSON.stringify({ cron_id: cronId, secrets }),
  });
  expect(res.status).toBe(200);
};

/** Creates a job at `url`, registers its secret (or `secretOverride`), triggers it, waits. */
async function deliver(url: string, extra: Record<string, unknown> = {}, secretOverride?: string) {
  const created = await api.post("/v1/cron/create", {
    schedule: "0 0 1 1 *",
    url,
    retries: 0,
    payload: { hello: "receiver", n: [1, 2, 3], text: "grüße" },
    ...extra,
  });
  expect(created.status, created.text).toBe(201);
  const job = created.body.data;
  await register(job.cron_id, [secretOverride ?? job.signing_secret]);
  const trig = await api.post(`/v1/cron/trigger/${job.cron_id}`, {});
  expect(trig.status, trig.text).toBe(200);
  const run = await finishedRun(api, job.cron_id, trig.body.data.run_id);
  return { job, run };
}

const post = (url: string, body: string, headers: Record<string, string>) =>
  fetch(url, { method: "POST", body, headers: { "content-type": "application/json", ...headers } });

describe("real deliveries", () => {
  it("verify in a Node receiver and in a Workers receiver (Hono middleware and the Fetch helper)", async () => {
    const n = await deliver(`${node.url}/node/ok/${crypto.randomUUID()}`);
    expect(n.run).toMatchObject({ state: "succeeded", response_status: 200 });
    expect(JSON.parse(n.run.response_body)).toMatchObject({ verified: true, runtime: "node" });

    const h = await deliver(`${worker.url}${uniquePath("hono")}`);
    expect(h.run).toMatchObject({ state: "succeeded", response_status: 200 });
    const seen = JSON.parse(h.run.response_body);
    expect(seen).toMatchObject({ verified: true, runtime: "Cloudflare-Workers" });
    expect(JSON.parse(seen.body)).toEqual({ hello: "receiver", n: [1, 2, 3], text: "grüße" });

    // a GET job has no body: the signature is over the empty body
    const f = await deliver(`${worker.url}${uniquePath("fetch")}`, {
      method: "GET",
      payload: null,
    });
    expect(f.run).toMatchObject({ state: "succeeded", response_status: 200 });
    expect(JSON.parse(f.run.response_body)).toMatchObject({ verified: true, body: "" });
  });

  it("a receiver holding the wrong secret refuses crondo's real delivery (401, the run fails)", async () => {
    for (const url of [
      `${node.url}/node/ok/${crypto.randomUUID()}`,
      `${worker.url}${uniquePath("hono")}`,
    ]) {
      const { run } = await deliver(url, {}, "whsec_not_this_jobs");
      expect(run).toMatchObject({ state: "failed", response_status: 401 });
      expect(JSON.parse(run.response_body)).toEqual({
        error: "invalid crondo signature",
        reason: "mismatch",
      });
    }
  });

  it("refuses the same real request tampered, replayed too late, or checked with another job's secret", async () => {
    const path = `/node/ok/${crypto.randomUUID()}`;
    const { job } = await deliver(`${node.url}${path}`);
    const real = node.seen.get(path)!;
    const headers = {
      "x-cron-id": job.cron_id,
      "x-cron-signature": real.headers["x-cron-signature"]!,
    };
    await register("cron_someone_else", ["whsec_someone_else"]);
    const targets = [
      { ok: `${node.url}/node/ok/replay`, skewed: `${node.url}/node/skewed/replay` },
      { ok: `${worker.url}/hono/replay`, skewed: `${worker.url}/skewed/replay` },
      { ok: `${worker.url}/fetch/replay`, skewed: `${worker.url}/skewed/replay` },
    ];
    for (const t of targets) {
      // the request as crondo sent it still verifies (the refusals below are about the change)
      expect((await post(t.ok, real.body, headers)).status, t.ok).toBe(200);
      const tampered = await post(t.ok, real.body.replace("receiver", "rec3iver"), headers);
      expect(tampered.status, t.ok).toBe(401);
      expect(await tampered.json()).toMatchObject({ reason: "mismatch" });
      const stale = await post(t.skewed, real.body, headers);
      expect(stale.status, t.skewed).toBe(401);
      expect(await stale.json()).toMatchObject({ reason: "stale" });
      const wrong = await post(t.ok, real.body, { ...headers, "x-cron-id": "cron_someone_else" });
      expect(wrong.status, t.ok).toBe(401);
      expect(await wrong.json()).toMatchObject({ reason: "mismatch" });
      const unsigned = await post(t.ok, real.body, { "x-cron-id": job.cron_id });
      expect(await unsigned.json()).toMatchObject({ reason: "missing_signature" });
    }
  });
});

describe("secret rotation (SPEC §12: t=…,v1=<new>,v1=<old>)", () => {
  it("both secrets verify during the overlap, in Node and in Workers", async () => {
    await register("cron_rotating", ["whsec_new", "whsec_old"]);
    await register("cron_still_old", ["whsec_old"]);
    await register("cron_already_new", ["whsec_new"]);
    const body = JSON.stringify({ rotation: true });
    const t = Math.floor(Date.now() / 1000);
    const both = await signatureHeader(["whsec_new", "whsec_old"], body, t);
    const oldOnly = await signatureHeader("whsec_old", body, t);
    const newOnly = await signatureHeader("whsec_new", body, t);
    const other = await signatureHeader("whsec_other", body, t);
    for (const url of [
      `${node.url}/node/ok/rot`,
      `${worker.url}/hono/rot`,
      `${worker.url}/fetch/rot`,
    ]) {
      const status = async (id: string, sig: string) =>
        (await post(url, body, { "x-cron-id": id, "x-cron-signature": sig })).status;
      // a sender rotating (both v1) verifies with the receiver on either or both secrets
      expect(await status("cron_rotating", both), url).toBe(200);
      expect(await status("cron_still_old", both), url).toBe(200);
      expect(await status("cron_already_new", both), url).toBe(200);
      // a receiver holding both accepts either single signature
      expect(await status("cron_rotating", oldOnly), url).toBe(200);
      expect(await status("cron_rotating", newOnly), url).toBe(200);
      // and nothing else
      expect(await status("cron_rotating", other), url).toBe(401);
      expect(await status("cron_still_old", newOnly), url).toBe(401);
    }
  });
});
