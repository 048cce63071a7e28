// The request signature of SPEC §4 and §12, spelled once: crondo signs with it
// (src/delivery/send.ts) and receivers verify with it (src/verify, published as
// `crondo/verify`). WebCrypto only, so the same code runs in Workers, Deno, Bun and
// Node ≥ 20.
//
//   X-Cron-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>[,v1=…]
//
// The timestamp is inside the MAC so that a receiver can refuse replays of old
// requests. While a secret is being rotated a request carries one v1 per valid secret
// (new first), and a receiver may hold several secrets: any secret matching any v1
// verifies.
import { hmacSha256Hex } from "./crypto";

export const SIGNATURE_HEADER = "X-Cron-Signature";
/** How far a request's `t` may be from the receiver's clock, by default. */
export const DEFAULT_TOLERANCE_SECONDS = 300;

type Body = string | Uint8Array;

const encoder = new TextEncoder();

/** `"<t>.<body>"` as bytes: the body's own bytes, never re-encoded. */
function signedBytes(unixSeconds: number, body: Body): Uint8Array<ArrayBuffer> {
  const prefix = encoder.encode(`${unixSeconds}.`);
  const bytes = typeof body === "string" ? encoder.encode(body) : body;
  const out = new Uint8Array(prefix.byteLength + bytes.byteLength);
  out.set(prefix, 0);
  out.set(bytes, prefix.byteLength);
  return out;
}

/** The header value for `body` at `unixSeconds`, one `v1` per secret (in order). */
export async function signatureHeader(
  secrets: string | readonly string[],
  body: Body,
  unixSeconds: number,
): Promise<string> {
  const list = typeof secrets === "string" ? [secrets] : secrets;
  const message = signedBytes(unixSeconds, body);
  const macs = await Promise.all(list.map((s) => hmacSha256Hex(s, message)));
  return [`t=${unixSeconds}`, ...macs.map((m) => `v1=${m}`)].join(",");
}

export interface ParsedSignature {
  t: number;
  v1: string[];
}

/** `t` and every `v1` of a header; null when it has no integer `t` or no `v1`. */
export function parseSignatureHeader(header: string | null | undefined): ParsedSignature | null {
  if (!header) return null;
  let t: number | null = null;
  const v1: string[] = [];
  for (const part of header.split(",")) {
    const eq = part.indexOf("=");
    if (eq < 0) continue;
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === "t" && /^\d{1,12}$/.test(value)) t = Number(value);
    else if (key === "v1" && /^[0-9a-f]{64}$/i.test(value)) v1.push(value.toLowerCase());
  }
  return t === null || v1.length === 0 ? null : { t, v1 };
}

/**
 * Equality of two strings in time that depends on their length only, not on where
 * they differ (a MAC compared with `===` leaks its prefix through timing).
 */
export function constantTimeEqual(a: string, b: string): boolean {
  const n = Math.max(a.length, b.length);
  let diff = a.length ^ b.length;
  for (let i = 0; i < n; i++) diff |= (a.charCodeAt(i) | 0) ^ (b.charCodeAt(i) | 0);
  return diff === 0;
}

export interface VerifyOptions {
  /** The job's signing secret, or several (rotation: the new and the previous one). */
  secret: string | readonly string[];
  /** Largest accepted |now − t| in seconds (default 300). */
  toleranceSeconds?: number;
  /** The receiver's clock in ms (default `Date.now()`), for tests. */
  now?: number;
}

export type VerifyFailure = "missing_signature" | "malformed_signature" | "stale" | "mismatch";

export type VerifyResult =
  | { ok: true; timestamp: number /** index into the secrets that matched */; secret: number }
  | { ok: false; reason: VerifyFailure };

/** Checks a request's body (its exact bytes or text) against its signature header. */
export async function verifyCrondoSignature(
  body: Body,
  header: string | null | undefined,
  opts: VerifyOptions,
): Promise<VerifyResult> {
  if (!header) return { ok: false, reason: "missing_signature" };
  const parsed = parseSignatureHeader(header);
  if (!parsed) return { ok: false, reason: "malformed_signature" };
  const now = Math.floor((opts.now ?? Date.now()) / 1000);
  if (Math.abs(now - parsed.t) > (opts.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS)) {
    return { ok: false, reason: "stale" };
  }
  const secrets = typeof opts.secret === "string" ? [opts.secret] : opts.secret;
  const message = signedBytes(parsed.t, body);
  let matched = -1;
  // Every pair is compared (no early exit), so timing says nothing about which matched.
  for (const [i, secret] of secrets.entries()) {
    const expected = await hmacSha256Hex(secret, message);
    for (const candidate of parsed.v1) {
      if (constantTimeEqual(expected, candidate) && matched < 0) matched = i;
    }
  }
  return matched < 0
    ? { ok: false, reason: "mismatch" }
    : { ok: true, timestamp: parsed.t, secret: matched };
}
