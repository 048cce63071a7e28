// Same per-file setup as the `worker` project: the D1 schema. (The Cloudflare.Env type
// for `cloudflare:test` is declared in ../worker/setup.ts.)
import { applyD1Migrations, env } from "cloudflare:test";
import { configOf } from "../../src/env";

// Every history shard gets the same schema (SPEC §14), as `npm start` and a deploy do.
for (const name of configOf(env).allShards)
  await applyD1Migrations(Reflect.get(env, name) as D1Database, env.TEST_MIGRATIONS);
