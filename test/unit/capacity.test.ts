// The isolate's bound on requests in flight (src/delivery/capacity.ts): a place per
// request, refused when the gate is full, freed when the request ends whatever its end;
// a refused attempt is never sent.
import { describe, expect, it } from "vitest";
import { OutboundGate, SendInstants } from "../../src/delivery/capacity";
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

  it("afterDueSends resolves once the due sends have left, and at once when none is due", async () => {
    const instants = new SendInstants();
    await instants.afterDueSends(); // nothing waits
    const order: string[] = [];
    const token = instants.wait(Date.now() - 1); // due: its timer has already expired
    setTimeout(() => {
      order.push("send");
      instants.sent(token);
    }, 0);
    await instants.afterDueSends().then(() => order.push("after"));
    expect(order).toEqual(["send", "after"]);
  });

  it("a send that never leaves holds the work up for a bounded number of rounds only", async () => {
    const instants = new SendInstants();
    instants.wait(Date.now() - 1);
    await instants.afterDueSends(3); // resolves although the attempt is still waiting
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
  });
});
