import { CronRecordSchema } from "../models";
import { jobActionRoute } from "./job-action";

export default jobActionRoute("pause", {
  summary: "Pause a job",
  response: CronRecordSchema,
  examples: { seed: { cron_id: "..." } },
});
