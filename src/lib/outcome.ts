// The neutral result of an operation below the HTTP edge (the job object, the store):
// a value, or a failure with a code from a closed vocabulary. Nothing below `api/`
// knows HTTP statuses; `api/errors.ts` maps each code to one. Plain data, so it
// crosses the Durable Object RPC boundary intact (class identity would not).

/** Why an operation below the edge did not happen. */
export const FAILURE_CODES = [
  "NOT_FOUND",
  "QUOTA_EXCEEDED",
  "INVALID_INPUT",
  // SPEC §11: a replay of a run still in progress; a cancel of a finished one.
  "RUN_IN_PROGRESS",
  "RUN_FINISHED",
  "INTERNAL",
] as const;
export type FailureCode = (typeof FAILURE_CODES)[number];

export interface Failure {
  ok: false;
  code: FailureCode;
  message: string;
  /** INVALID_INPUT: the request field at fault. */
  path?: string;
}
export type Outcome<T> = { ok: true; value: T } | Failure;

export const success = <T>(value: T): Outcome<T> => ({ ok: true, value });
export const failure = (code: FailureCode, message: string, path?: string): Failure => ({
  ok: false,
  code,
  message,
  ...(path === undefined ? {} : { path }),
});
