// Receiver-side verification of crondo's signed requests (SPEC §4, §12), published
// as `crondo/verify`. One WebCrypto implementation for Workers, Deno, Bun and
// Node ≥ 20; framework middleware in `crondo/verify/hono` and `crondo/verify/node`.
//
//   const result = await verifyCrondoRequest(request, { secret: [current, previous] });
//   if (!result.ok) return new Response(result.reason, { status: 401 });
//   const body = JSON.parse(result.body);
import {
  SIGNATURE_HEADER,
  type VerifyOptions,
  type VerifyResult,
  verifyCrondoSignature,
} from "../lib/signature";

export {
  constantTimeEqual,
  DEFAULT_TOLERANCE_SECONDS,
  type ParsedSignature,
  parseSignatureHeader,
  SIGNATURE_HEADER,
  signatureHeader,
  type VerifyFailure,
  type VerifyOptions,
  type VerifyResult,
  verifyCrondoSignature,
} from "../lib/signature";

/**
 * Where the secrets come from: fixed, or looked up per request (a receiver of several
 * jobs keys them by `X-Cron-Id`).
 */
export type SecretSource =
  | string
  | readonly string[]
  | ((cronId: string | null) => string | readonly string[] | Promise<string | readonly string[]>);

export interface RequestVerifyOptions extends Omit<VerifyOptions, "secret"> {
  secret: SecretSource;
}

/** The secrets for a request with this `X-Cron-Id`. */
export async function secretsFor(
  source: SecretSource,
  cronId: string | null,
): Promise<string | readonly string[]> {
  return typeof source === "function" ? await source(cronId) : source;
}

/**
 * Reads a Fetch `Request`'s body (once; pass a clone to keep the original readable) and
 * verifies it. On success the body text is returned for the handler to parse.
 */
export async function verifyCrondoRequest(
  request: Request,
  opts: RequestVerifyOptions,
): Promise<
  | (VerifyResult & { ok: true; body: string; cronId: string | null })
  | (VerifyResult & { ok: false })
> {
  const bytes = new Uint8Array(await request.arrayBuffer());
  const cronId = request.headers.get("x-cron-id");
  const result = await verifyCrondoSignature(bytes, request.headers.get(SIGNATURE_HEADER), {
    ...opts,
    secret: await secretsFor(opts.secret, cronId),
  });
  return result.ok ? { ...result, body: new TextDecoder().decode(bytes), cronId } : result;
}

/** True when `header` signs `body` with `secret` (or one of several) within the tolerance. */
export async function verifySignature(
  secret: string | readonly string[],
  body: string | Uint8Array,
  header: string | null | undefined,
  opts: Omit<VerifyOptions, "secret"> = {},
): Promise<boolean> {
  return (await verifyCrondoSignature(body, header, { ...opts, secret })).ok;
}
