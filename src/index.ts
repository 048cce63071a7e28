import { newApp } from "./api/app";
import type { Env } from "./env";
import { runDailyMaintenance } from "./maintenance/daily";

export { JobObject } from "./object/job-object";

const app = newApp();

export default {
  fetch: app.fetch,
  async scheduled(controller, env, ctx) {
    ctx.waitUntil(runDailyMaintenance(env, controller.scheduledTime));
  },
} satisfies ExportedHandler<Env>;
