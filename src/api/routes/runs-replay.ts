import { runActionRoute } from "./run-action";

export default runActionRoute("replay", {
  summary: "Replay one finished run as a new run (SPEC §11)",
  description:
    "A new run with trigger replay, replay_of the original and the original's scheduled_for, " +
    "under the job's current configuration; it starts now like a manual trigger (the overlap " +
    "policy governs slots, not replays) and works on a paused job. 409 RUN_IN_PROGRESS for a " +
    "run that has not finished.",
  errors: ["RUN_IN_PROGRESS"],
  status: 201,
});
