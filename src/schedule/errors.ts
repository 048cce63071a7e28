export type ScheduleErrorCode = "INVALID_CRON" | "INVALID_TIMEZONE";

/**
 * The one error the schedule module throws, and only from `compileSchedule`.
 * `message` is the human sentence without the code (the API envelope carries
 * the code separately); `field` names the offending cron field when there is one.
 */
export class ScheduleError extends Error {
  readonly code: ScheduleErrorCode;
  readonly field?: string;

  constructor(code: ScheduleErrorCode, message: string, field?: string) {
    super(message);
    this.name = "ScheduleError";
    this.code = code;
    if (field !== undefined) this.field = field;
  }
}

/** Field names as they appear in messages and in `ScheduleError.field`. */
export type FieldName = "second" | "minute" | "hour" | "day-of-month" | "month" | "day-of-week";

export function fieldError(field: FieldName, detail: string): ScheduleError {
  return new ScheduleError("INVALID_CRON", `${field} field: ${detail}`, field);
}
