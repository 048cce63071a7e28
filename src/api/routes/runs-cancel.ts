import { runActionRoute } from "./run-action";

export default runActionRoute("cancel", {
  summary: "Cancel a queued, running or retrying run (SPEC §11)",
  description:
    "The run becomes cancelled: an attempt in flight is aborted and no further attempt is " +
    "made. 409 RUN_FINISHED for a run that has already finished.",
  errors: ["RUN_FINISHED"],
  status: 200,
});
