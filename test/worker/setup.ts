import { applyD1Migrations, type D1Migration, env } from "cloudflare:test";
import { type Env as CrondoEnv, configOf } from "../../src/env";

declare global {
  namespace Cloudflare {
    interface Env extends CrondoEnv {
      TEST_MIGRATIONS: D1Migration[];
    }
  }
}

// Every history shard gets the same schema (SPEC §14), as `npm start` and a deploy do.
for (const name of configOf(env).allShards)
  await applyD1Migrations(Reflect.get(env, name) as D1Database, env.TEST_MIGRATIONS);
