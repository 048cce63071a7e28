import { jobStub } from "../../object/stub";
import { readJsonObject, validate } from "../body";
import { ApiError, unwrap } from "../errors";
import { parseInstant } from "../job-input";
import { ReplayAcceptedSchema } from "../models";
import { changeBy, cronIdParam, defineRoute, ok } from "../route";
import { bulkReplaySchema, DEFAULT_BULK_REPLAY, MAX_BULK_REPLAY } from "../schemas";

export default defineRoute({
  operation: "cron.runs.replay_many",
  method: "POST",
  path: "/v1/cron/runs/replay/:id",
  doc: {
    summary: "Replay the job's finished runs of a state in a time range, oldest first (SPEC §11)",
    description:
      `The finished runs in \`state\` (default failed) whose slot lies in [from, to), at most ` +
      `\`limit\` (default ${DEFAULT_BULK_REPLAY}, at most ${MAX_BULK_REPLAY}), oldest first: each ` +
      "becomes a queued run with trigger replay and replay_of set, delivered one after another " +
      "beside the job's scheduled runs. Answers the new run ids at once.",
    body: bulkReplaySchema,
    response: ReplayAcceptedSchema,
    status: 202,
    errors: ["QUOTA_EXCEEDED"],
    examples: {
      failed: { state: "failed" },
      window: { from: "2026-06-01T00:00:00Z", to: "2026-06-02T00:00:00Z", limit: 500 },
    },
  },
  tag: "runs",
  mutating: true,
  handler: async (c) => {
    const id = cronIdParam(c);
    const input = validate(bulkReplaySchema, await readJsonObject(c));
    const from = input.from === undefined ? undefined : parseInstant(input.from, "from");
    const to = input.to === undefined ? undefined : parseInstant(input.to, "to");
    if (from !== undefined && to !== undefined && from >= to) {
      throw new ApiError("VALIDATION_ERROR", "from must be before to", [
        { path: "from", message: "must be before to" },
      ]);
    }
    const accepted = await jobStub(c.env, id).replayMany(
      c.get("tenant_id"),
      { state: input.state ?? "failed", from, to, limit: input.limit ?? DEFAULT_BULK_REPLAY },
      changeBy(c),
    );
    return ok(c, unwrap(accepted), 202);
  },
});
