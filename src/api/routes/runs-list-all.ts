import { toCronRun } from "../../job/record";
import { listTenantRuns } from "../../store/run-queries";
import { validate } from "../body";
import { ApiError } from "../errors";
import { parseInstant } from "../job-input";
import { RunPageSchema } from "../models";
import { defineRoute, ok } from "../route";
import { tenantRunsQuerySchema } from "../schemas";

export default defineRoute({
  operation: "cron.runs.list_all",
  method: "GET",
  path: "/v1/cron/runs/list",
  doc: {
    summary: "List the tenant's runs across all its jobs, newest first (SPEC §11)",
    description:
      "Filters: state, trigger, and from / to — runs created in [from, to) (the order of the " +
      "list). The cursor is stable: runs created after the first page do not shift later pages.",
    query: tenantRunsQuerySchema,
    response: RunPageSchema,
  },
  tag: "runs",
  mutating: false,
  handler: async (c) => {
    const q = validate(tenantRunsQuerySchema, c.req.query());
    const from = q.from === undefined ? undefined : parseInstant(q.from, "from");
    const to = q.to === undefined ? undefined : parseInstant(q.to, "to");
    if (from !== undefined && to !== undefined && from >= to) {
      throw new ApiError("VALIDATION_ERROR", "from must be before to", [
        { path: "from", message: "must be before to" },
      ]);
    }
    const page = await listTenantRuns(c.env.DB, c.get("tenant_id"), {
      limit: q.limit,
      after: q.cursor,
      state: q.state,
      trigger: q.trigger,
      from,
      to,
    });
    return ok(c, { items: page.items.map(toCronRun), next_cursor: page.next_cursor });
  },
});
