// Prepares the local state of a `wrangler dev --persist-to <dir>` in one process: the D1
// migrations applied to every D1 database of wrangler.toml (the primary and each history
// shard) and, optionally, API keys written to D1 and KV. Run as a child of the test and
// benchmark harness (scripts/lib/wrangler-dev.mjs):
//
//   node scripts/lib/local-state.mjs <persistTo> [<keys.json>]
//
// <keys.json> holds `{ sql: [statements on DB], kv: [{ key, value, metadata }] }`.
//
// It does what `wrangler d1 migrations apply <binding> --local` does — the same
// `d1_migrations` table, the same statement splitting (wrangler's own, through
// @cloudflare/vitest-plugin's readD1Migrations), one batch per migration together with
// its `d1_migrations` row — and what `wrangler kv bulk put --local` does, through
// wrangler's getPlatformProxy on the same persistence directory. One process instead of
// one `wrangler` process per database and per store: ~2 s instead of ~20 s per start-up.
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { readD1Migrations } from "@cloudflare/vitest-plugin";
import { getPlatformProxy } from "wrangler";
import { KV_BINDING } from "./keys-core.mjs";
import { d1Bindings, PROJECT_ROOT } from "./wrangler.mjs";

const MIGRATIONS_TABLE = "d1_migrations";

async function migrate(db, migrations) {
  await db
    .prepare(
      `CREATE TABLE IF NOT EXISTS ${MIGRATIONS_TABLE}(
		id         INTEGER PRIMARY KEY AUTOINCREMENT,
		name       TEXT UNIQUE,
		applied_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP NOT NULL
);`,
    )
    .run();
  const { results } = await db.prepare(`SELECT name FROM ${MIGRATIONS_TABLE} ORDER BY id`).all();
  const applied = new Set(results.map((r) => r.name));
  for (const { name, queries } of migrations) {
    if (applied.has(name)) continue;
    await db.batch([
      ...queries.map((q) => db.prepare(q)),
      db.prepare(`INSERT INTO ${MIGRATIONS_TABLE} (name) VALUES (?)`).bind(name),
    ]);
  }
}

const [persistTo, keysFile] = process.argv.slice(2);
if (!persistTo) {
  console.error("usage: node scripts/lib/local-state.mjs <persistTo> [<keys.json>]");
  process.exit(2);
}
const migrations = await readD1Migrations(join(PROJECT_ROOT, "migrations"));
const proxy = await getPlatformProxy({
  configPath: join(PROJECT_ROOT, "wrangler.toml"),
  // `wrangler dev --persist-to <dir>` keeps its state under <dir>/v3.
  persist: { path: join(resolve(persistTo), "v3") },
});
try {
  await Promise.all(d1Bindings().map((binding) => migrate(proxy.env[binding], migrations)));
  if (keysFile) {
    const { sql = [], kv = [] } = JSON.parse(readFileSync(keysFile, "utf8"));
    if (sql.length > 0) await proxy.env.DB.batch(sql.map((q) => proxy.env.DB.prepare(q)));
    const store = proxy.env[KV_BINDING];
    for (const { key, value, metadata } of kv) await store.put(key, value, { metadata });
  }
} finally {
  await proxy.dispose();
}
