import { jobStub } from "../../object/stub";
import { readJsonObject, validate } from "../body";
import { ApiError, unwrap } from "../errors";
import { parseInstant } from "../job-input";
import { BackfillSchema } from "../models";
import { changeBy, cronIdParam, defineRoute, ok } from "../route";
import { backfillSchema } from "../schemas";

const invalid = (path: string, message: string) =>
  new ApiError("VALIDATION_ERROR", `${path} ${message}`, [{ path, message }]);

export default defineRoute({
  operation: "cron.backfill",
  method: "POST",
  path: "/v1/cron/backfill/:id",
  doc: {
    summary: "Run the job's past slots in [from, to), one after another (SPEC §10)",
    description:
      "Each slot of the schedule in [from, to) — after start_at, end_at and exclude_dates — " +
      "becomes a run with trigger backfill, its own scheduled_for and a shared backfill_id, " +
      "delivered in slot order with at most one backfill run in flight, beside the job's " +
      "scheduled runs. At most 1,000 slots; `to` not in the future; not for one-shot jobs.",
    body: backfillSchema,
    bodyRequired: true,
    response: BackfillSchema,
    status: 202,
    errors: ["QUOTA_EXCEEDED"],
    examples: { day: { from: "2026-06-01T00:00:00Z", to: "2026-06-02T00:00:00Z" } },
  },
  mutating: true,
  handler: async (c) => {
    const id = cronIdParam(c);
    const input = validate(backfillSchema, await readJsonObject(c));
    const from = parseInstant(input.from, "from");
    const to = parseInstant(input.to, "to");
    if (to > Date.now()) throw invalid("to", "must not be in the future");
    if (from >= to) throw invalid("from", "must be before to");
    const accepted = await jobStub(c.env, id).backfill(
      c.get("tenant_id"),
      { from, to },
      changeBy(c),
    );
    return ok(c, unwrap(accepted), 202);
  },
});
