import { hmacSha256Hex } from "../lib/crypto";

/**
 * `X-Cron-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>` (SPEC §4).
 * The timestamp is inside the MAC so a receiver can refuse replays of old requests.
 */
export async function signatureHeader(secret: string, body: string, unixSeconds: number) {
  const mac = await hmacSha256Hex(secret, `${unixSeconds}.${body}`);
  return `t=${unixSeconds},v1=${mac}`;
}

/** Receiver-side check, used by the tests and documented in the README. */
export async function verifySignature(
  secret: string,
  body: string,
  header: string,
  opts: { now?: number; toleranceSeconds?: number } = {},
): Promise<boolean> {
  const parts = Object.fromEntries(
    header.split(",").map((p) => p.split("=", 2) as [string, string]),
  );
  const t = Number(parts.t);
  if (!Number.isInteger(t) || !parts.v1) return false;
  const now = Math.floor((opts.now ?? Date.now()) / 1000);
  if (Math.abs(now - t) > (opts.toleranceSeconds ?? 300)) return false;
  const expected = await hmacSha256Hex(secret, `${t}.${body}`);
  return expected === parts.v1;
}
