// API key operations against the KEYS namespace, through wrangler's KV commands.
// Used by scripts/keys.mjs and scripts/start.mjs (the dev key). Only the sha256 of a key
// ever leaves this process; the raw key is returned to the caller and nothing else.
import {
  buildRecord,
  classifyRevokeTarget,
  generateKey,
  KV_BINDING,
  KV_PREFIX,
  kvKeyForHash,
  matchPrefix,
  parseKvList,
  parseRecord,
  sha256Hex,
} from "./keys-core.mjs";
import { runWrangler, targetArgs } from "./wrangler.mjs";

/** Error meant for the user as-is (no stack); `exitCode` defaults to 1. */
export class KeysError extends Error {
  constructor(message, exitCode = 1) {
    super(message);
    this.name = "KeysError";
    this.exitCode = exitCode;
  }
}

/**
 * Create a key for `tenant` and store its record.
 * The record is the KV value (SPEC §8) and is also attached as the key's KV metadata,
 * so `list` can show every key with a single `wrangler kv key list`.
 * Returns `{ key, hash, record }`.
 */
export async function createKey({ tenant, name = "default", target = {}, now = new Date() }) {
  const key = generateKey();
  const hash = sha256Hex(key);
  const record = buildRecord({ tenant, name, now });
  const json = JSON.stringify(record);
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

/**
 * All key records `{ hash, record }` (optionally of one tenant). Records without
 * metadata (written by something other than this tool) are fetched one by one.
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
  for (const entry of entries) {
    if (!entry.record) entry.record = await getRecord(entry.hash, target);
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
 * Revoke the key that `arg` designates (raw key, full sha256 hex or unique hex prefix).
 * Returns the revoked `{ hash, record }` entries; throws KeysError when nothing or
 * more than one key matches.
 */
export async function revokeKey(arg, target = {}) {
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
  for (const { hash } of hashes) await deleteKey(hash, target);
  return hashes;
}
