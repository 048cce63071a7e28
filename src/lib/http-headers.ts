// The rule for the extra headers a job sends (SPEC §3), spelled once for the API's
// validation (src/api/schemas.ts) and the dashboard's form (web/dashboard/form-model.ts).
// Each side words the problems its own way; this module only decides what is wrong.
// Pure: no imports, so the dashboard bundle can take it as it is.

export const MAX_HEADERS = 32;
export const MAX_HEADER_NAME = 256;
export const MAX_HEADER_VALUE = 4096;

/** A header name is an RFC 9110 token (§5.1, §5.6.2). */
export const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** Headers crondo sets itself, so a job may not (lower case). `x-cron-*` is crondo's too. */
export const FORBIDDEN_HEADERS: ReadonlySet<string> = new Set([
  "host",
  "content-length",
  "connection",
  "transfer-encoding",
]);
export const RESERVED_HEADER_PREFIX = "x-cron-";

export type HeaderNameProblem = "invalid" | "reserved";
export type HeaderValueProblem = "too-long" | "control";

/** What is wrong with a header name, or null. */
export function headerNameProblem(name: string): HeaderNameProblem | null {
  if (!HEADER_NAME.test(name) || name.length > MAX_HEADER_NAME) return "invalid";
  const lower = name.toLowerCase();
  if (FORBIDDEN_HEADERS.has(lower) || lower.startsWith(RESERVED_HEADER_PREFIX)) return "reserved";
  return null;
}

/** Everything wrong with a header value, in the order the API reports it; empty if none. */
export function headerValueProblems(value: string): HeaderValueProblem[] {
  const problems: HeaderValueProblem[] = [];
  if (value.length > MAX_HEADER_VALUE) problems.push("too-long");
  // A CR or LF would split the header; fetch() refuses NUL.
  if (/[\r\n\0]/.test(value)) problems.push("control");
  return problems;
}
