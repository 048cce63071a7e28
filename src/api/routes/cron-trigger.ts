import { CronRunSchema } from "../models";
import { jobActionRoute } from "./job-action";

export default jobActionRoute("trigger", {
  summary: "Start a run now (also for a paused or completed job)",
  response: CronRunSchema,
  examples: { seed: { job_id: "cron_01HX..." } },
});
