// API key operations against the KEYS namespace and the api_keys table of D1, through
// wrangler's KV and D1 commands. Used by scripts/keys.mjs and scripts/start.mjs (the dev
// key). Only the sha256 of a key ever leaves this process; the raw key is returned to the
// caller and nothing else.
import { INSERT_KEY, LIST_KEYS, REVOKE_KEY } from "../../src/store/api-keys-sql.mjs";
import {
  buildRecord,
  classifyRevokeTarget,
  D1_BINDING,
  DEFAULT_SCOPES,
  generateKey,
  inlineSql,
  KV_BINDING,
  KV_PREFIX,
  kvKeyForHash,
  matchPrefix,
  parseD1Rows,
  parseKvList,
  parseRecord,
  sha256Hex,
} from "./keys-core.mjs";
import { runWrangler, targetArgs, WranglerError } from "./wrangler.mjs";

/** Error meant for the user as-is (no stack); `exitCode` defaults to 1. */
export class KeysError extends Error {
  constructor(message, exitCode = 1) {
    super(message);
    this.name = "KeysError";
    this.exitCode = exitCode;
  }
}

/**
 * Runs one statement of src/store/api-keys-sql.mjs on the target's D1 and returns its
 * rows. A database without the table (migrations not applied) is a KeysError saying so.
 */
export async function d1(sql, params, target = {}) {
  try {
    const { stdout } = await runWrangler(
      [
        "d1",
        "execute",
        D1_BINDING,
        ...targetArgs(target),
        "--json",
        "--yes",
        "--command",
        inlineSql(sql, params),
      ],
      { env: { CI: "true" } },
    );
    return parseD1Rows(stdout);
  } catch (e) {
    if (e instanceof WranglerError && /no such table: api_keys/.test(e.output)) {
      const where = target.remote
        ? "--remote"
        : `--local${target.persistTo ? ` --persist-to ${target.persistTo}` : ""}`;
      throw new KeysError(
        "the D1 database has no api_keys table: apply the migrations first " +
          `(npx wrangler d1 migrations apply DB ${where}; npm start does it locally). Nothing was changed.`,
      );
    }
    throw e;
  }
}

/**
 * Create a key for `tenant` and store it: its api_keys row in D1 first (so a key never
 * works without the row that can refuse it), then its record in KV. The record is the KV
 * value (SPEC §8) and is also attached as the key's KV metadata, so `list` can show every
 * key with a single `wrangler kv key list`. `expiresAt`: epoch ms or null.
 * Returns `{ key, hash, record }`.
 */
export async function createKey({
  tenant,
  name = "default",
  scopes = DEFAULT_SCOPES,
  expiresAt = null,
  target = {},
  now = new Date(),
}) {
  const key = generateKey();
  const hash = sha256Hex(key);
  const record = buildRecord({ tenant, name, now, scopes, expiresAt });
  const json = JSON.stringify(record);
  await d1(
    INSERT_KEY,
    [hash, tenant, name, JSON.stringify(record.scopes), now.getTime(), expiresAt],
    target,
  );
  await runWrangler([
    "kv",
    "key",
    "put",
    "--binding",
    KV_BINDING,
    kvKeyForHash(hash),
    json,
    "--metadata",
    json,
    ...targetArgs(target),
  ]);
  return { key, hash, record };
}

/** The record stored under `apikey:<hash>`, or null. */
export async function getRecord(hash, target = {}) {
  const { stdout } = await runWrangler([
    "kv",
    "key",
    "get",
    "--binding",
    KV_BINDING,
    kvKeyForHash(hash),
    "--text",
    ...targetArgs(target),
  ]);
  // A missing key prints "Value not found" and still exits 0; parseRecord returns null.
  return parseRecord(stdout.trim());
}

/** The api_keys rows by key hash. */
async function keyRows(target) {
  const rows = await d1(LIST_KEYS, [], target);
  return new Map(rows.map((r) => [r.key_hash, r]));
}

/**
 * All keys `{ hash, record, state }` that have a KV record (optionally of one tenant);
 * `state` is the key's api_keys row (revoked_at, expires_at, last_used_at), or null for a
 * key made before that table. Records without metadata (written by something other than
 * this tool) are fetched one by one.
 */
export async function listKeys({ tenant, target = {} } = {}) {
  const { stdout } = await runWrangler([
    "kv",
    "key",
    "list",
    "--binding",
    KV_BINDING,
    "--prefix",
    KV_PREFIX,
    ...targetArgs(target),
  ]);
  const entries = parseKvList(stdout);
  const rows = await keyRows(target);
  for (const entry of entries) {
    if (!entry.record) entry.record = await getRecord(entry.hash, target);
    entry.state = rows.get(entry.hash) ?? null;
  }
  return tenant === undefined ? entries : entries.filter((e) => e.record?.tenant_id === tenant);
}

/** Delete the record under `apikey:<hash>`. */
export async function deleteKey(hash, target = {}) {
  await runWrangler([
    "kv",
    "key",
    "delete",
    "--binding",
    KV_BINDING,
    kvKeyForHash(hash),
    ...targetArgs(target),
  ]);
}

/**
 * Revoke the key that `arg` designates (raw key, full sha256 hex or unique hex prefix):
 * its api_keys row is marked revoked first — the Worker refuses the key from the next
 * request on, whatever KV still serves — then its KV record is deleted. A key made
 * before the api_keys table gets its row, revoked. Returns the revoked `{ hash, record }`
 * entries; throws KeysError (nothing changed) when nothing or more than one key matches.
 */
export async function revokeKey(arg, target = {}, now = Date.now()) {
  const what = classifyRevokeTarget(arg);
  let hashes;
  if (what.kind === "hash") {
    const record = await getRecord(what.hash, target);
    if (!record) {
      throw new KeysError(
        what.fromKey ? "no such key (it may already be revoked)" : `no key with hash ${what.hash}`,
      );
    }
    hashes = [{ hash: what.hash, record }];
  } else {
    const all = await listKeys({ target });
    const matched = matchPrefix(
      all.map((e) => e.hash),
      what.prefix,
    );
    if (matched.length === 0) throw new KeysError(`no key hash starts with ${what.prefix}`);
    if (matched.length > 1) {
      throw new KeysError(
        `prefix ${what.prefix} is ambiguous: it matches ${matched.length} keys (${matched
          .map((h) => h.slice(0, 16))
          .join(", ")}); give more characters`,
      );
    }
    hashes = all.filter((e) => e.hash === matched[0]);
  }
  for (const { hash, record } of hashes) {
    await d1(
      REVOKE_KEY,
      [
        hash,
        record.tenant_id,
        record.name,
        JSON.stringify(record.scopes),
        Date.parse(record.created_at) || now,
        now,
      ],
      target,
    );
    await deleteKey(hash, target);
  }
  return hashes;
}
