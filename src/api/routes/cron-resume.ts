import { CronRecordSchema } from "../models";
import { jobActionRoute } from "./job-action";

export default jobActionRoute("resume", {
  summary: "Resume a paused job (next fire computed from now)",
  response: CronRecordSchema,
  examples: { seed: { cron_id: "..." } },
});
