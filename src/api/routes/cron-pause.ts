import { CronRecordSchema } from "../models";
import { jobActionRoute } from "./job-action";

export default jobActionRoute("pause", {
  summary: "Pause a job",
  description:
    "No new slots after the pause; runs in progress, queued runs and backfills go on. A slot " +
    "that came due before the pause but that its wake-up has not decided yet (a late alarm) " +
    "is decided first — started, queued or skipped — and slots the misfire rule counted " +
    "but no run has reported yet are reported by the first scheduled run after a resume " +
    "(missed_slots).",
  response: CronRecordSchema,
  examples: { seed: { cron_id: "..." } },
});
