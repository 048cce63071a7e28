// Node middleware (Express, Connect, or a bare `node:http` handler) that refuses
// requests crondo did not sign (`crondo/verify/node`).
//
//   app.post("/hook", crondoVerifyNode({ secret: process.env.CRONDO_SECRET! }), (req, res) => {
//     const payload = JSON.parse(req.rawBody.toString());
//   });
//
// Mount it before any body parser (or use `express.raw()`): the signature is over the
// exact bytes sent, which a parsed-and-reserialized JSON body no longer is. Structural
// types only, so neither @types/node nor express is needed.
import { SIGNATURE_HEADER, type VerifyResult, verifyCrondoSignature } from "../lib/signature";
import { type RequestVerifyOptions, secretsFor } from "./index";

export interface NodeLikeRequest extends AsyncIterable<Uint8Array | string> {
  headers: Record<string, string | string[] | undefined>;
  /** Set by this middleware (or an earlier raw-body reader) to the body's bytes. */
  rawBody?: Uint8Array | string;
  /** `express.raw()` leaves a Buffer here; a string is used as is. */
  body?: unknown;
  crondo?: { cronId: string | null; timestamp: number };
}

export interface NodeLikeResponse {
  statusCode: number;
  setHeader(name: string, value: string): unknown;
  end(body?: string): unknown;
}

const header = (req: NodeLikeRequest, name: string): string | null => {
  const v = req.headers[name.toLowerCase()];
  return (Array.isArray(v) ? v[0] : v) ?? null;
};

async function rawBodyOf(req: NodeLikeRequest): Promise<Uint8Array | string> {
  if (req.rawBody !== undefined) return req.rawBody;
  if (req.body instanceof Uint8Array || typeof req.body === "string") return req.body;
  if (req.body !== undefined && req.body !== null && typeof req.body === "object") {
    throw new TypeError(
      "crondo/verify/node: the body was already parsed; mount the middleware before the JSON parser or use express.raw()",
    );
  }
  const encoder = new TextEncoder();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of req) {
    const bytes = typeof chunk === "string" ? encoder.encode(chunk) : chunk;
    chunks.push(bytes);
    size += bytes.byteLength;
  }
  const out = new Uint8Array(size);
  let off = 0;
  for (const c of chunks) {
    out.set(c, off);
    off += c.byteLength;
  }
  return out;
}

/** Reads the body of a Node request (setting `req.rawBody`) and verifies it. */
export async function verifyNodeRequest(
  req: NodeLikeRequest,
  opts: RequestVerifyOptions,
): Promise<VerifyResult> {
  const body = await rawBodyOf(req);
  req.rawBody = body;
  const cronId = header(req, "x-cron-id");
  const result = await verifyCrondoSignature(body, header(req, SIGNATURE_HEADER), {
    ...opts,
    secret: await secretsFor(opts.secret, cronId),
  });
  if (result.ok) req.crondo = { cronId, timestamp: result.timestamp };
  return result;
}

/** `(req, res, next)`: 401 with a JSON reason for a request crondo did not sign. */
export function crondoVerifyNode(opts: RequestVerifyOptions) {
  return (req: NodeLikeRequest, res: NodeLikeResponse, next: (err?: unknown) => void): void => {
    verifyNodeRequest(req, opts).then((result) => {
      if (result.ok) return next();
      res.statusCode = 401;
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify({ error: "invalid crondo signature", reason: result.reason }));
    }, next);
  };
}
