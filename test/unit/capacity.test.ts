// The isolate's bound on requests in flight (src/delivery/capacity.ts): a place per
// request, refused when the gate is full, freed when the request ends whatever its end;
// a refused attempt is never sent.
import { describe, expect, it } from "vitest";
import { BURST_WAIT_MS, OutboundGate, SendInstants } from "../../src/delivery/capacity";
import { type DeliveryJob, sendAttempt, sendNotification } from "../../src/delivery/send";

const job: DeliveryJob = {
  cron_id: "cron_01M85C67QJY8V9G5E3MR1PNZDM",
  signing_secret: "whsec_test",
  config: {
    url: "https://public.example.com/hook",
    method: "POST",
    payload: null,
    headers: {},
    timeout_seconds: 5,
  },
};
const info = { run_id: "run_01M85C67QJY8V9G5E3MR1PNZDM", attempt: 1, scheduled_for: Date.now() };

describe("OutboundGate", () => {
  it("hands out at most `limit` places and frees each once", () => {
    const gate = new OutboundGate();
    const a = gate.take(2);
    const b = gate.take(2);
    const c = gate.take(2);
    expect("release" in a && "release" in b).toBe(true);
    expect(c).toEqual({ refused: expect.stringMatching(/2 requests in flight/) });
    expect(gate.inFlight).toBe(2);
    if ("release" in a) {
      a.release();
      a.release(); // idempotent: a double release frees nothing more
    }
    expect(gate.inFlight).toBe(1);
    expect("release" in gate.take(2)).toBe(true);
    expect("refused" in gate.take(2)).toBe(true);
  });
});

describe("sendAttempt and sendNotification through the gate", () => {
  it("a refused attempt fails at once and nothing is fetched", async () => {
    const gate = new OutboundGate();
    const held = gate.take(1);
    let fetched = 0;
    const fetcher = (async () => {
      fetched++;
      return new Response("ok");
    }) as typeof fetch;
    const result = await sendAttempt(job, info, {
      allowPrivate: false,
      fetcher,
      acquire: () => gate.take(1),
    });
    expect(fetched).toBe(0);
    expect(result).toMatchObject({ ok: false, response_status: null, duration_ms: 0 });
    expect(result.error).toMatch(/^not sent: crondo already has 1 requests in flight/);
    if ("release" in held) held.release();
    gate.take(1);
    const event = {
      id: "evt_01M85C67QJY8V9G5E3MR1PNZDM",
      type: "run.failed" as const,
      target: "https://public.example.com/notify",
      body: "{}",
    };
    const note = await sendNotification(job, event, {
      allowPrivate: false,
      fetcher,
      acquire: () => gate.take(1),
      timeoutMs: 1000,
    });
    expect(note).toMatchObject({ outcome: "failed", error: expect.stringMatching(/^not sent/) });
    expect(fetched).toBe(0);
  });

  it("holds its place while the request is out and frees it on success, error and timeout", async () => {
    const gate = new OutboundGate();
    let seen = -1;
    const answers: Array<(init?: RequestInit) => Promise<Response>> = [
      async () => new Response("fine"),
      async () => {
        throw new Error("connection reset");
      },
      // Never answers: the job's timeout aborts it.
      (init) =>
        new Promise<Response>((_, reject) =>
          init?.signal?.addEventListener("abort", () => reject(new Error("aborted"))),
        ),
    ];
    for (const [i, answer] of answers.entries()) {
      const fetcher = (async (_input: RequestInfo | URL, init?: RequestInit) => {
        seen = gate.inFlight;
        return answer(init);
      }) as typeof fetch;
      const result = await sendAttempt(
        { ...job, config: { ...job.config, timeout_seconds: 0.05 } },
        info,
        { allowPrivate: false, fetcher, acquire: () => gate.take(5) },
      );
      expect(seen).toBe(1);
      expect(gate.inFlight).toBe(0);
      expect(result.ok).toBe(i === 0);
    }
  });
});

describe("SendInstants: work after a response waits for the sends due at that instant", () => {
  it("knows which waiting attempts are due, and forgets those sent", () => {
    const instants = new SendInstants();
    const a = instants.wait(1_000);
    const b = instants.wait(2_000);
    expect(instants.dueBy(999)).toBeNull();
    expect(instants.dueBy(1_500)).toBe(1_000);
    instants.sent(a);
    expect(instants.dueBy(1_500)).toBeNull();
    expect(instants.dueBy(2_000)).toBe(2_000);
    instants.sent(b);
    instants.sent(b); // twice is harmless
    expect(instants.dueBy(Number.POSITIVE_INFINITY)).toBeNull();
  });

  it("afterSends resolves at once when nothing waits or flies, and after a due send has left", async () => {
    const instants = new SendInstants();
    await instants.afterSends(); // nothing waits
    const order: string[] = [];
    const token = instants.wait(Date.now() - 1); // due: its timer has already expired
    setTimeout(() => {
      order.push("send");
      instants.sent(token);
      instants.answered(token);
    }, 0);
    await instants.afterSends().then(() => order.push("after"));
    expect(order).toEqual(["send", "after"]);
  });

  it("afterSends waits for every request that has left to have its result", async () => {
    const instants = new SendInstants();
    const order: string[] = [];
    const a = instants.wait(Date.now() - 1);
    const b = instants.wait(Date.now() - 1);
    instants.sent(a);
    instants.sent(b);
    expect(instants.unanswered).toBe(2);
    setTimeout(() => {
      order.push("a answered");
      instants.answered(a);
    }, 10);
    setTimeout(() => {
      order.push("b answered");
      instants.answered(b);
    }, 30);
    await instants.afterSends({ maxMs: 5_000 }).then(() => order.push("after"));
    expect(order).toEqual(["a answered", "b answered", "after"]);
    expect(instants.unanswered).toBe(0);
  });

  it("requests out for longer than a burst (a target that hangs) are not waited for, nor answers with answers: false", async () => {
    const instants = new SendInstants();
    const t0 = Date.now();
    instants.sent(instants.wait(t0 - 1));
    await instants.afterSends({ answers: false, maxMs: 5_000 });
    expect(Date.now() - t0).toBeLessThan(BURST_WAIT_MS);
    await new Promise((r) => setTimeout(r, BURST_WAIT_MS + 10));
    const t1 = Date.now();
    await instants.afterSends({ maxMs: 5_000 }); // out for longer than BURST_WAIT_MS
    expect(Date.now() - t1).toBeLessThan(BURST_WAIT_MS);
    expect(instants.unanswered).toBe(1);
  });

  it("a request never answered, or a send that never leaves, holds the work up for maxMs only", async () => {
    const instants = new SendInstants();
    instants.sent(instants.wait(Date.now() - 1)); // a target that hangs
    const t0 = Date.now();
    await instants.afterSends({ maxMs: 40 });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(35);
    expect(instants.unanswered).toBe(1);
    instants.wait(Date.now() - 1); // due, never sent
    await instants.afterSends({ maxMs: 20 }); // resolves although it still waits
    expect(instants.dueBy(Date.now())).not.toBeNull();
  });
});

describe("sendAttempt and SendInstants", () => {
  it("an attempt is registered while it waits for its instant and leaves once its request is out", async () => {
    const instants = new SendInstants();
    const sendAt = Date.now() + 30;
    const pending = sendAttempt(job, info, {
      allowPrivate: false,
      instants,
      sendAt,
      fetcher: async () => new Response("ok"),
    });
    await new Promise((r) => setTimeout(r, 10)); // built and signed, waiting for sendAt
    const seenWhileWaiting = instants.dueBy(Number.POSITIVE_INFINITY);
    expect((await pending).ok).toBe(true);
    expect(seenWhileWaiting).toBe(sendAt);
    expect(instants.dueBy(Number.POSITIVE_INFINITY)).toBeNull();
  });

  it("an attempt whose request has left is unanswered until its response is read", async () => {
    const instants = new SendInstants();
    let respond: (r: Response) => void = () => {};
    const pending = sendAttempt(job, info, {
      allowPrivate: false,
      instants,
      fetcher: () => new Promise<Response>((r) => (respond = r)),
    });
    await new Promise((r) => setTimeout(r, 10));
    const whileOut = {
      waiting: instants.dueBy(Number.POSITIVE_INFINITY),
      unanswered: instants.unanswered,
    };
    respond(new Response("ok"));
    expect((await pending).ok).toBe(true);
    expect(whileOut).toEqual({ waiting: null, unanswered: 1 });
    expect(instants.unanswered).toBe(0);
  });

  it("an attempt refused by the gate or aborted before its instant leaves too", async () => {
    const instants = new SendInstants();
    const refused = await sendAttempt(job, info, {
      allowPrivate: false,
      instants,
      acquire: () => ({ refused: "full" }),
      fetcher: async () => new Response("ok"),
    });
    expect(refused.ok).toBe(false);
    const abort = new AbortController();
    const aborted = sendAttempt(job, info, {
      allowPrivate: false,
      instants,
      sendAt: Date.now() + 10_000,
      signal: abort.signal,
      fetcher: async () => new Response("ok"),
    });
    abort.abort("cancelled");
    expect((await aborted).ok).toBe(false);
    expect(instants.dueBy(Number.POSITIVE_INFINITY)).toBeNull();
    expect(instants.unanswered).toBe(0);
  });
});
