// The receiver-side helpers of `crondo/verify`: the signature check itself (tolerance,
// tampering, wrong secret, several secrets and several v1 values during a rotation),
// and the Hono and Node middleware around it.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import {
  constantTimeEqual,
  parseSignatureHeader,
  signatureHeader,
  verifyCrondoRequest,
  verifyCrondoSignature,
  verifySignature,
} from "../../src/verify";
import { crondoVerify } from "../../src/verify/hono";
import { crondoVerifyNode } from "../../src/verify/node";

const NOW = Date.parse("2026-06-01T12:00:00Z");
const T = NOW / 1000;
const body = JSON.stringify({ hello: "wörld", n: [1, 2] });

describe("verifyCrondoSignature", () => {
  it("accepts crondo's own header and refuses a tampered body, a stale t and a wrong secret", async () => {
    const header = await signatureHeader("whsec_a", body, T);
    expect(header).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(await verifyCrondoSignature(body, header, { secret: "whsec_a", now: NOW })).toEqual({
      ok: true,
      timestamp: T,
      secret: 0,
    });
    // the same bytes as a Uint8Array verify too (non-ASCII included)
    const bytes = new TextEncoder().encode(body);
    expect((await verifyCrondoSignature(bytes, header, { secret: "whsec_a", now: NOW })).ok).toBe(
      true,
    );
    const refused = async (b: string, h: string | null, secret: string, now = NOW) =>
      verifyCrondoSignature(b, h, { secret, now });
    expect(await refused(`${body} `, header, "whsec_a")).toEqual({ ok: false, reason: "mismatch" });
    expect(await refused(body, header, "whsec_b")).toEqual({ ok: false, reason: "mismatch" });
    expect(await refused(body, header, "whsec_a", NOW + 301_000)).toEqual({
      ok: false,
      reason: "stale",
    });
    expect(await refused(body, header, "whsec_a", NOW - 301_000)).toMatchObject({ ok: false });
    expect((await refused(body, header, "whsec_a", NOW + 299_000)).ok).toBe(true);
    expect(
      (
        await verifyCrondoSignature(body, header, {
          secret: "whsec_a",
          now: NOW + 3_599_000,
          toleranceSeconds: 3600,
        })
      ).ok,
    ).toBe(true);
    expect(await refused(body, null, "whsec_a")).toEqual({
      ok: false,
      reason: "missing_signature",
    });
    expect(await refused(body, "t=abc,v1=zz", "whsec_a")).toEqual({
      ok: false,
      reason: "malformed_signature",
    });
    // the MAC covers t: moving t on an otherwise genuine header breaks it
    const moved = header.replace(/^t=\d+/, `t=${T + 1}`);
    expect(await refused(body, moved, "whsec_a")).toEqual({ ok: false, reason: "mismatch" });
  });

  it("rotation: any of several secrets against any of several v1 values", async () => {
    const both = await signatureHeader(["whsec_new", "whsec_old"], body, T);
    expect(parseSignatureHeader(both)?.v1).toHaveLength(2);
    const onlyOld = await signatureHeader("whsec_old", body, T);
    const check = (h: string, secret: string | string[]) =>
      verifyCrondoSignature(body, h, { secret, now: NOW });
    // a receiver still on the old secret, one on the new, one holding both
    expect(await check(both, "whsec_old")).toMatchObject({ ok: true, secret: 0 });
    expect(await check(both, "whsec_new")).toMatchObject({ ok: true, secret: 0 });
    expect(await check(both, ["whsec_new", "whsec_old"])).toMatchObject({ ok: true, secret: 0 });
    // a receiver that switched early to [new, old] still accepts a sender on the old one
    expect(await check(onlyOld, ["whsec_new", "whsec_old"])).toMatchObject({ ok: true, secret: 1 });
    expect(await check(both, ["whsec_other", "whsec_x"])).toEqual({
      ok: false,
      reason: "mismatch",
    });
    expect(await check(onlyOld, "whsec_new")).toEqual({ ok: false, reason: "mismatch" });
    // spaces and unknown schemes are tolerated
    const spaced = both.replace(/,/g, ", ").replace("t=", "v0=ignored, t=");
    expect((await check(spaced, "whsec_old")).ok).toBe(true);
  });

  it("compares in constant time per length", () => {
    expect(constantTimeEqual("abc", "abc")).toBe(true);
    expect(constantTimeEqual("abc", "abd")).toBe(false);
    expect(constantTimeEqual("abc", "abcd")).toBe(false);
    expect(constantTimeEqual("", "")).toBe(true);
  });

  it("verifySignature is the boolean form; verifyCrondoRequest reads a Fetch Request", async () => {
    const header = await signatureHeader("s", body, Math.floor(Date.now() / 1000));
    expect(await verifySignature("s", body, header)).toBe(true);
    expect(await verifySignature("s", "x", header)).toBe(false);
    const req = () =>
      new Request("http://r/hook", {
        method: "POST",
        body,
        headers: { "x-cron-signature": header, "x-cron-id": "cron_1" },
      });
    const ok = await verifyCrondoRequest(req(), { secret: (id) => (id === "cron_1" ? "s" : "no") });
    expect(ok).toMatchObject({ ok: true, body, cronId: "cron_1" });
    expect(await verifyCrondoRequest(req(), { secret: "t" })).toEqual({
      ok: false,
      reason: "mismatch",
    });
  });
});

describe("middleware", () => {
  it("Hono: 401 with a reason, or the verified body on the context (and c.req.json still works)", async () => {
    const app = new Hono<{ Bindings: { SECRETS: string } }>();
    app.post(
      "/hook",
      crondoVerify<{ SECRETS: string }>({ secret: (env) => env.SECRETS.split(",") }),
      async (c) => c.json({ got: c.get("crondo").body, parsed: await c.req.json() }),
    );
    const env = { SECRETS: "whsec_new,whsec_old" };
    const send = async (h: string | undefined, b = body) =>
      app.request(
        "/hook",
        { method: "POST", body: b, headers: h ? { "x-cron-signature": h } : {} },
        env,
      );
    const t = Math.floor(Date.now() / 1000);
    const res = await send(await signatureHeader("whsec_old", body, t));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ got: body, parsed: JSON.parse(body) });
    const tampered = await send(await signatureHeader("whsec_old", body, t), `${body}x`);
    expect(tampered.status).toBe(401);
    expect(await tampered.json()).toMatchObject({ reason: "mismatch" });
    expect((await send(undefined)).status).toBe(401);
    expect((await send(await signatureHeader("whsec_old", body, t - 600))).status).toBe(401);
  });

  it("Node: verifies a real node:http request; refuses an already-parsed body clearly", async () => {
    const mw = crondoVerifyNode({ secret: ["whsec_new", "whsec_old"] });
    const server = createServer((req, res) => {
      mw(req, res, (err?: unknown) => {
        res.statusCode = err ? 500 : 200;
        res.end(
          err ? String(err) : Buffer.from((req as unknown as { rawBody: Uint8Array }).rawBody),
        );
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
    try {
      const t = Math.floor(Date.now() / 1000);
      const post = async (h: string, b = body) =>
        fetch(url, { method: "POST", body: b, headers: { "x-cron-signature": h } });
      const ok = await post(await signatureHeader(["whsec_new", "whsec_old"], body, t));
      expect(ok.status).toBe(200);
      expect(await ok.text()).toBe(body);
      const bad = await post(await signatureHeader("whsec_wrong", body, t));
      expect(bad.status).toBe(401);
      expect(await bad.json()).toEqual({ error: "invalid crondo signature", reason: "mismatch" });
    } finally {
      server.close();
    }
    let error: unknown;
    await new Promise<void>((resolve) =>
      mw(
        { headers: {}, body: { parsed: true }, [Symbol.asyncIterator]: async function* () {} },
        { statusCode: 0, setHeader: () => {}, end: () => {} },
        (err) => {
          error = err;
          resolve();
        },
      ),
    );
    expect(String(error)).toMatch(/already parsed/);
  });
});
