import { listAudit } from "../../store/audit";
import { jobBelongsTo } from "../../store/jobs";
import { validate } from "../body";
import { notFound } from "../errors";
import { AuditPageSchema } from "../models";
import { cronIdParam, defineRoute, ok } from "../route";
import { auditQuerySchema } from "../schemas";

export default defineRoute({
  operation: "cron.audit",
  method: "GET",
  path: "/v1/cron/audit/:id",
  doc: {
    summary: "The job's change log, newest first (SPEC §11)",
    description:
      "One entry per create, update, pause, resume (by a key, or `system` for a pause after " +
      "pause_after_failures), trigger, replay, backfill, cancel, rotate-secret and " +
      "retention.set: {at, action, actor, request_id, subject, changes}. actor is " +
      "`key:<first 12 hex of the key's SHA-256>` or `system`; changes holds each changed " +
      "field of the record as {from, to}; secrets are never shown (header values read " +
      "[redacted]). Gone with the job.",
    query: auditQuerySchema,
    response: AuditPageSchema,
  },
  mutating: false,
  handler: async (c) => {
    const id = cronIdParam(c);
    const { cursor, limit } = validate(auditQuerySchema, c.req.query());
    if (!(await jobBelongsTo(c.env.DB, id, c.get("tenant_id")))) throw notFound();
    return ok(c, await listAudit(c.env.DB, id, { limit, after: cursor }));
  },
});
