import { iso } from "../../lib/time";
import { compileSchedule, describeSchedule } from "../../schedule";
import { describeWindow, type FireWindow, nextFirings } from "../../schedule/window";
import { readJsonObject, validate } from "../body";
import { ApiError } from "../errors";
import { ALIASES, checkSchedule, parseInstant, previewWindow } from "../job-input";
import { PreviewSchema } from "../models";
import { defineRoute, ok } from "../route";
import { previewSchema } from "../schemas";

export default defineRoute({
  operation: "cron.preview",
  method: "POST",
  path: "/v1/cron/preview",
  doc: {
    summary: "Preview the next fire times of an expression, with an English description",
    description:
      "The fire times as a job would have them: start_at, end_at and exclude_dates applied, " +
      "and each slot delayed by its jitter (seeded by cron_id when given, so that a job's own " +
      "offsets are shown); the description says which of these apply.",
    body: previewSchema,
    response: PreviewSchema,
    bodyRequired: true,
    requireOneOf: [ALIASES.schedule],
    errors: ["INVALID_CRON", "INVALID_TIMEZONE"],
    examples: {
      weekly: { schedule: "0 9 * * 1", timezone: "Europe/Berlin", count: 3 },
      windowed: {
        schedule: "0 9 * * *",
        timezone: "Europe/Berlin",
        start_at: "2026-12-01T00:00:00Z",
        exclude_dates: ["2026-12-25", "2026-12-26"],
        jitter_seconds: 300,
      },
    },
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
    const window: FireWindow = previewWindow(input);
    const firings = nextFirings(compiled, window, input.cron_id ?? "", from, input.count ?? 5);
    return ok(c, {
      schedule: expr,
      timezone: compiled.timezone,
      description: describeSchedule(compiled) + describeWindow(window),
      next: firings.map((f) => iso(f.fire_at)),
    });
  },
});
