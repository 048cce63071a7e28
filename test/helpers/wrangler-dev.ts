// End-to-end harness: a real `wrangler dev` serving crondo on 127.0.0.1. The harness
// itself lives in scripts/lib/wrangler-dev.mjs (shared with the benchmarks, typed by
// wrangler-dev.d.mts beside it); this module is where the tests import it from.
//
//   const crondo = await startCrondo();
//   const key = await crondo.keyFor("tenant-a");
//   await fetch(`${crondo.url}/v1/cron/list`, { headers: { authorization: `Bearer ${key}` } });
//   await crondo.stop();      // SIGTERM to the whole process group, waits for it to be gone
//   await crondo.cleanup();   // stop + remove the state directory if the harness made it
export {
  applyMigrations,
  type CrondoServer,
  createKeyCli,
  d1Query,
  freePort,
  PROJECT_ROOT,
  type StartOptions,
  startCrondo,
} from "../../scripts/lib/wrangler-dev.mjs";
