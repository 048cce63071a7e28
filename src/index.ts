import { newApp } from "./api/app";
import { configOf, type Env } from "./env";
import { consumeHistory } from "./history/consumer";
import { runDailyMaintenance } from "./maintenance/daily";

export { JobObject } from "./object/job-object";

const app = newApp();

export default {
  fetch: app.fetch,
  async scheduled(controller, env, ctx) {
    configOf(env); // a misconfigured deployment fails loudly here too (src/env.ts)
    ctx.waitUntil(runDailyMaintenance(env, controller.scheduledTime));
  },
  // The history queue and its dead-letter queue (SPEC §14, src/history/consumer.ts).
  async queue(batch, env) {
    await consumeHistory(batch, env);
  },
} satisfies ExportedHandler<Env>;
