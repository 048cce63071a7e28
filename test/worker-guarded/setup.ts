// Same per-file setup as the `worker` project: the D1 schema. (The Cloudflare.Env type
// for `cloudflare:test` is declared in ../worker/setup.ts.)
import { applyD1Migrations, env } from "cloudflare:test";

await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
