// The URL guard at dispatch time (SPEC §8 "again before every request"): sendAttempt checks
// the target before the first request and every redirect hop; sendNotification checks the
// webhook. A fake fetcher stands in for the network and records what would have been sent.
import { describe, expect, it } from "vitest";
import { type DeliveryJob, sendAttempt, sendNotification } from "../../src/delivery/send";

const job = (url: string): DeliveryJob => ({
  cron_id: "cron_01M85C67QJY8V9G5E3MR1PNZDM",
  signing_secret: "whsec_test",
  config: { url, method: "POST", payload: { a: 1 }, headers: {}, timeout_seconds: 5 },
});
const info = { run_id: "run_01M85C67QJY8V9G5E3MR1PNZDM", attempt: 1, scheduled_for: Date.now() };

/** A fetcher that answers each call with the next response and records the URLs asked for. */
function fakeFetcher(responses: Array<() => Response>) {
  const calls: string[] = [];
  const fetcher = (async (input: RequestInfo | URL) => {
    calls.push(String(input));
    const next = responses[calls.length - 1];
    if (!next) throw new Error(`unexpected fetch #${calls.length} to ${String(input)}`);
    return next();
  }) as typeof fetch;
  return { fetcher, calls };
}

const redirect =
  (location: string, status = 302) =>
  () =>
    new Response(null, { status, headers: { location } });
const okResponse = () => new Response("fine", { status: 200 });

describe("sendAttempt re-checks every hop", () => {
  it("refuses a 302 to the metadata address before the second fetch", async () => {
    const { fetcher, calls } = fakeFetcher([
      redirect("http://169.254.169.254/latest/meta-data/"),
      okResponse,
    ]);
    const result = await sendAttempt(job("https://public.example.com/hook"), info, {
      allowPrivate: false,
      fetcher,
    });
    expect(calls).toEqual(["https://public.example.com/hook"]);
    expect(result.ok).toBe(false);
    expect(result.error).toMatch(
      /^refused by the URL guard: target host 169\.254\.169\.254 is the cloud metadata address/,
    );
    expect(result.response_status).toBeNull();
    expect(result.response_body).toBeNull();
  });

  it.each([
    ["a numeric loopback", "http://2130706433/admin", 301],
    ["a hex loopback", "http://0x7f.1/", 302],
    ["IPv4-mapped loopback", "http://[::ffff:7f00:1]/", 303],
    ["IPv6 loopback", "http://[::1]:8080/", 307],
    ["localhost", "http://localhost/", 308],
    ["a scheme-relative private host", "//10.0.0.1/internal", 302],
    ["a .internal name", "http://metadata.google.internal/computeMetadata/v1/", 302],
    ["a file: URL", "file:///etc/passwd", 302],
    ["user-info", "https://user:pw@example.com/", 302],
  ])("refuses a redirect to %s (%s, %d)", async (_label, location, status) => {
    const { fetcher, calls } = fakeFetcher([redirect(location, status), okResponse]);
    const result = await sendAttempt(job("https://public.example.com/hook"), info, {
      allowPrivate: false,
      fetcher,
    });
    expect(calls).toHaveLength(1);
    expect(result.ok).toBe(false);
    expect(result.error).toMatch(/^refused by the URL guard: /);
  });

  it("refuses a private hop deep in a chain of public redirects", async () => {
    const { fetcher, calls } = fakeFetcher([
      redirect("https://b.example.com/2"),
      redirect("/3"),
      redirect("http://192.168.0.1/router"),
      okResponse,
    ]);
    const result = await sendAttempt(job("https://a.example.com/1"), info, {
      allowPrivate: false,
      fetcher,
    });
    expect(calls).toEqual([
      "https://a.example.com/1",
      "https://b.example.com/2",
      "https://b.example.com/3",
    ]);
    expect(result.error).toMatch(/^refused by the URL guard: target host 192\.168\.0\.1/);
  });

  it("refuses a private target before any request at all", async () => {
    const { fetcher, calls } = fakeFetcher([okResponse]);
    const result = await sendAttempt(job("http://127.0.0.1:8787/hook"), info, {
      allowPrivate: false,
      fetcher,
    });
    expect(calls).toEqual([]);
    expect(result.error).toMatch(/^refused by the URL guard: target host 127\.0\.0\.1/);
  });

  it("follows public redirects (control), and private ones only with allowPrivate", async () => {
    const publicChain = fakeFetcher([redirect("https://b.example.com/next"), okResponse]);
    const followed = await sendAttempt(job("https://a.example.com/"), info, {
      allowPrivate: false,
      fetcher: publicChain.fetcher,
    });
    expect(publicChain.calls).toEqual(["https://a.example.com/", "https://b.example.com/next"]);
    expect(followed).toMatchObject({ ok: true, response_status: 200, error: null });

    const open = fakeFetcher([redirect("http://169.254.169.254/latest/meta-data/"), okResponse]);
    const allowed = await sendAttempt(job("https://a.example.com/"), info, {
      allowPrivate: true,
      fetcher: open.fetcher,
    });
    expect(open.calls).toHaveLength(2);
    expect(allowed.ok).toBe(true);
  });
});

describe("sendNotification re-checks the webhook", () => {
  it("sends nothing to a private on_failure_webhook", async () => {
    const { fetcher, calls } = fakeFetcher([okResponse]);
    const result = await sendNotification(
      job("https://public.example.com/hook"),
      {
        id: "evt_01M85C67QJY8V9G5E3MR1PNZDM",
        type: "run.failed",
        target: "http://[fd00:ec2::254]/latest/meta-data/",
        body: "{}",
      },
      { allowPrivate: false, fetcher, timeoutMs: 1000 },
    );
    expect(calls).toEqual([]);
    expect(result.outcome).toBe("refused");
    expect(result.error).toMatch(/AWS metadata/);
  });
});
