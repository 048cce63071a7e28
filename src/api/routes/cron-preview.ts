import { iso } from "../../lib/time";
import { compileSchedule, describeSchedule, nextFires } from "../../schedule";
import { readJsonObject, validate } from "../body";
import { ApiError } from "../errors";
import { ALIASES, checkSchedule, parseInstant } from "../job-input";
import { PreviewSchema } from "../models";
import { defineRoute, ok } from "../route";
import { previewSchema } from "../schemas";

export default defineRoute({
  operation: "cron.preview",
  method: "POST",
  path: "/v1/cron/preview",
  doc: {
    summary: "Preview the next fire times of an expression, with an English description",
    body: previewSchema,
    response: PreviewSchema,
    bodyRequired: true,
    requireOneOf: [ALIASES.schedule],
    errors: ["INVALID_CRON", "INVALID_TIMEZONE"],
    examples: { weekly: { schedule: "0 9 * * 1", timezone: "Europe/Berlin", count: 3 } },
  },
  mutating: false,
  handler: async (c) => {
    const input = validate(previewSchema, await readJsonObject(c));
    if (
      input.schedule !== undefined &&
      input.cron_expr !== undefined &&
      input.schedule !== input.cron_expr
    ) {
      throw new ApiError(
        "VALIDATION_ERROR",
        "schedule and cron_expr are the same field and differ",
        [{ path: "cron_expr", message: "conflicts with schedule" }],
      );
    }
    const expr = input.schedule ?? input.cron_expr;
    if (expr === undefined) {
      throw new ApiError("VALIDATION_ERROR", "schedule (or cron_expr) is required", [
        { path: "schedule", message: "required" },
      ]);
    }
    const zone = checkSchedule(expr, input.timezone);
    const compiled = compileSchedule(expr, zone);
    const from = input.from === undefined ? Date.now() : parseInstant(input.from, "from");
    return ok(c, {
      schedule: expr,
      timezone: compiled.timezone,
      description: describeSchedule(compiled),
      next: nextFires(compiled, from, input.count ?? 5).map((t) => iso(t)),
    });
  },
});
