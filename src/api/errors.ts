import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { FailureCode, Outcome } from "../lib/outcome";

/** The closed set of error codes of SPEC §2, each with its HTTP status. */
export const ERROR_STATUS = {
  INVALID_JSON: 400,
  VALIDATION_ERROR: 400,
  INVALID_CRON: 400,
  INVALID_TIMEZONE: 400,
  INVALID_URL: 400,
  UNAUTHORIZED: 401,
  QUOTA_EXCEEDED: 403,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  IDEMPOTENCY_CONFLICT: 409,
  RUN_IN_PROGRESS: 409,
  RUN_FINISHED: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  RATE_LIMITED: 429,
  INTERNAL: 500,
} as const satisfies Record<string, ContentfulStatusCode>;

export type ErrorCode = keyof typeof ERROR_STATUS;
export const ERROR_CODES = Object.keys(ERROR_STATUS) as ErrorCode[];

export interface ErrorDetail {
  path: string;
  message: string;
  code?: string;
}

/** The one error type of the HTTP edge; `onError` turns it into the envelope. */
export class ApiError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: ErrorDetail[] = [],
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = "ApiError";
  }

  get status(): ContentfulStatusCode {
    return ERROR_STATUS[this.code];
  }

  toBody() {
    return {
      ok: false as const,
      error: { code: this.code, message: this.message, details: this.details },
    };
  }
}

export const notFound = (what = "cron job") => new ApiError("NOT_FOUND", `${what} not found`);

/** How a neutral failure from below the edge (src/lib/outcome.ts) reads over HTTP. */
const FAILURE_ERROR: Record<FailureCode, ErrorCode> = {
  NOT_FOUND: "NOT_FOUND",
  QUOTA_EXCEEDED: "QUOTA_EXCEEDED",
  INVALID_INPUT: "VALIDATION_ERROR",
  RUN_IN_PROGRESS: "RUN_IN_PROGRESS",
  RUN_FINISHED: "RUN_FINISHED",
  INTERNAL: "INTERNAL",
};

export function unwrap<T>(outcome: Outcome<T>): T {
  if (outcome.ok) return outcome.value;
  const details =
    outcome.path === undefined ? [] : [{ path: outcome.path, message: outcome.message }];
  throw new ApiError(FAILURE_ERROR[outcome.code], outcome.message, details);
}
