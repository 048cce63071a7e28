import type { Context } from "hono";
import type { z } from "zod";
import type { AppEnv } from "./context";
import { ApiError, type ErrorDetail } from "./errors";

/** SPEC §2: request bodies over 1 MiB are refused with 413. */
export const MAX_BODY_BYTES = 1024 * 1024;
/** JSON nested deeper than this is refused (a parser's stack is not a resource to offer). */
export const MAX_JSON_DEPTH = 64;

async function readLimited(req: Request): Promise<string> {
  const declared = req.headers.get("content-length");
  if (declared !== null && Number(declared) > MAX_BODY_BYTES) throw tooLarge();
  if (!req.body) return "";
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_BODY_BYTES) {
      reader.cancel().catch(() => {});
      throw tooLarge();
    }
    chunks.push(value);
  }
  const all = new Uint8Array(size);
  let off = 0;
  for (const c of chunks) {
    all.set(c, off);
    off += c.byteLength;
  }
  return new TextDecoder().decode(all);
}

const tooLarge = () =>
  new ApiError("PAYLOAD_TOO_LARGE", `request body is larger than ${MAX_BODY_BYTES} bytes`);

function depthExceeds(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (inString) {
      if (ch === 92)
        i++; // backslash escape
      else if (ch === 34) inString = false;
    } else if (ch === 34) inString = true;
    else if (ch === 123 || ch === 91) {
      if (++depth > max) return true;
    } else if (ch === 125 || ch === 93) depth--;
  }
  return false;
}

/** The raw body text (at most 1 MiB), read once per request and kept on the context. */
export async function bodyText(c: Context<AppEnv>): Promise<string> {
  const cached = c.get("raw_body");
  if (cached !== undefined) return cached;
  const text = await readLimited(c.req.raw);
  c.set("raw_body", text);
  return text;
}

/**
 * Reads a JSON object body: 413 over 1 MiB, 415 for a non-JSON content type, 400
 * INVALID_JSON for malformed JSON. An empty body reads as `{}`.
 */
export async function readJsonObject(c: Context<AppEnv>): Promise<Record<string, unknown>> {
  const text = await bodyText(c);
  if (text.trim() === "") return {};
  const type = c.req.header("content-type");
  if (type && !/^application\/(?:[\w.+-]+\+)?json\b/i.test(type.trim())) {
    throw new ApiError(
      "UNSUPPORTED_MEDIA_TYPE",
      `request bodies must be JSON (Content-Type: application/json), got ${type.slice(0, 100)}`,
    );
  }
  if (depthExceeds(text, MAX_JSON_DEPTH)) {
    throw new ApiError("INVALID_JSON", `JSON nested deeper than ${MAX_JSON_DEPTH} levels`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new ApiError(
      "INVALID_JSON",
      `malformed JSON: ${e instanceof Error ? e.message : "parse error"}`,
    );
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new ApiError("VALIDATION_ERROR", "request body must be a JSON object", [
      { path: "", message: "expected an object" },
    ]);
  }
  return value as Record<string, unknown>;
}

const MAX_DETAILS = 50;
/** Client-supplied names are echoed back, but never at unbounded length. */
const clip = (text: string, max = 100) => (text.length > max ? `${text.slice(0, max)}…` : text);

export function zodDetails(error: z.ZodError): ErrorDetail[] {
  const details: ErrorDetail[] = [];
  for (const i of error.issues) {
    const base = i.path.map((p) => clip(String(p))).join(".");
    if (i.code === "unrecognized_keys") {
      const shown = i.keys.slice(0, 20);
      for (const key of shown) {
        const path = base ? `${base}.${clip(key)}` : clip(key);
        details.push({ path, message: `unknown field ${path}`, code: i.code });
      }
      if (i.keys.length > shown.length) {
        details.push({
          path: base,
          message: `and ${i.keys.length - shown.length} more unknown fields`,
          code: i.code,
        });
      }
    } else details.push({ path: base, message: clip(i.message, 300), code: i.code });
  }
  return details.slice(0, MAX_DETAILS);
}

/** Validates with zod; every failure becomes 400 VALIDATION_ERROR listing each bad field. */
export function validate<S extends z.ZodType>(schema: S, input: unknown): z.infer<S> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const details = zodDetails(parsed.error);
  const summary = details
    .slice(0, 5)
    .map((d) => (d.path ? `${d.path}: ${d.message}` : d.message))
    .join("; ");
  throw new ApiError("VALIDATION_ERROR", `invalid request: ${clip(summary, 500)}`, details);
}
