// Pure pieces of the API key tooling (SPEC §8): argument parsing, key generation,
// hashing, KV record building and parsing of wrangler's KV output. No I/O here, so
// unit tests can import this module directly.
import { createHash, randomBytes } from "node:crypto";
import { KV_PREFIX, keyStorageName } from "../../src/lib/key-names.mjs";

export { KV_PREFIX };

/** Every raw key starts with this. */
export const KEY_PREFIX = "crondo_";
/** KV binding that holds the key records (wrangler.toml). */
export const KV_BINDING = "KEYS";
/** Length of the hash prefix shown by `list`. */
export const SHORT_HASH_LENGTH = 12;
/** Shortest hash prefix accepted by `revoke`. */
export const MIN_REVOKE_PREFIX = 8;

const TENANT_RE = /^[A-Za-z0-9_-]{1,64}$/;
const RAW_KEY_RE = /^crondo_[A-Za-z0-9_-]{43}$/;
const HASH_RE = /^[0-9a-f]{64}$/;
const MAX_NAME_LENGTH = 200;

/** A usage problem: the CLI prints the message and exits with status 2. */
export class UsageError extends Error {
  constructor(message) {
    super(message);
    this.name = "UsageError";
  }
}

export const USAGE = `Usage: npm run keys -- <command> [options]

Manage crondo API keys (KV records "apikey:<sha256 of key>" in the KEYS namespace).

Commands:
  create --tenant <id> [--name <label>]   Create a key; the last line of stdout is the key alone.
  list [--tenant <id>]                    One line per key: hash prefix, tenant, name, created_at.
  revoke <key | sha256 hex | hex prefix>  Delete one key record (a prefix needs >= ${MIN_REVOKE_PREFIX} hex chars
                                          and must match exactly one key).

Target (any command):
  (default)            Local development state, the one \`wrangler dev\` / \`npm start\` use
                       (.wrangler/state).
  --persist-to <dir>   Local state in <dir> (same as \`wrangler dev --persist-to <dir>\`).
  --remote             The KV namespace of your Cloudflare account (needs \`wrangler login\`).

Other:
  -h, --help           Show this help.

Tenant ids are 1-64 characters of [A-Za-z0-9_-]. Raw keys are shown once, at creation,
and never stored.

Examples:
  KEY=$(npm run -s keys -- create --tenant t1 | tail -n1)
  npm run keys -- list --tenant t1
  npm run keys -- revoke 3f9a1c2b7d4e`;

const COMMANDS = new Set(["create", "list", "revoke"]);
/** Options that take a value, by command ("*" = every command). */
const VALUE_OPTIONS = {
  "--tenant": ["create", "list"],
  "--name": ["create"],
  "--persist-to": ["*"],
};
const FLAG_OPTIONS = { "--remote": ["*"] };

/**
 * Parse `keys.mjs` arguments (what follows `npm run keys --`).
 * Returns `{ help: true }` or `{ command, tenant?, name?, target?, persistTo?, remote }`.
 * Throws UsageError on anything malformed.
 */
export function parseKeysArgs(argv) {
  if (argv.length === 0) throw new UsageError("missing command (create, list or revoke)");
  if (argv.some((a) => a === "-h" || a === "--help" || a === "help")) return { help: true };

  const [command, ...rest] = argv;
  if (!COMMANDS.has(command)) {
    throw new UsageError(`unknown command "${command}" (expected create, list or revoke)`);
  }
  const out = { command, remote: false };
  const positionals = [];
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i];
    if (arg === "--") {
      positionals.push(...rest.slice(i + 1));
      break;
    }
    if (!arg.startsWith("--")) {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf("=");
    const flag = eq === -1 ? arg : arg.slice(0, eq);
    const allowedFor = (list) => list && (list.includes("*") || list.includes(command));
    if (allowedFor(FLAG_OPTIONS[flag])) {
      if (eq !== -1) throw new UsageError(`${flag} takes no value`);
      out.remote = true;
      continue;
    }
    if (!allowedFor(VALUE_OPTIONS[flag])) {
      throw new UsageError(`unknown option ${flag} for "${command}"`);
    }
    let value;
    if (eq !== -1) {
      value = arg.slice(eq + 1);
    } else {
      value = rest[i + 1];
      if (value === undefined || value.startsWith("--")) {
        throw new UsageError(`${flag} needs a value`);
      }
      i++;
    }
    const key = { "--tenant": "tenant", "--name": "name", "--persist-to": "persistTo" }[flag];
    if (out[key] !== undefined) throw new UsageError(`${flag} given more than once`);
    out[key] = value;
  }

  if (out.remote && out.persistTo !== undefined) {
    throw new UsageError(
      "--persist-to applies to local state only; do not combine it with --remote",
    );
  }
  if (out.persistTo !== undefined && out.persistTo === "") {
    throw new UsageError("--persist-to needs a directory");
  }

  if (command === "revoke") {
    if (positionals.length !== 1) {
      throw new UsageError(
        "revoke takes exactly one argument: a key, its sha256 hex or a hex prefix",
      );
    }
    out.target = positionals[0];
  } else if (positionals.length > 0) {
    throw new UsageError(`unexpected argument "${positionals[0]}" for "${command}"`);
  }

  if (command === "create") {
    if (out.tenant === undefined) throw new UsageError("create needs --tenant <id>");
    out.name = out.name ?? "default";
    const nameError = validateName(out.name);
    if (nameError) throw new UsageError(nameError);
  }
  if (out.tenant !== undefined) {
    const tenantError = validateTenant(out.tenant);
    if (tenantError) throw new UsageError(tenantError);
  }
  return out;
}

/** Returns an error message, or null when the tenant id is valid. */
export function validateTenant(tenant) {
  if (typeof tenant !== "string" || !TENANT_RE.test(tenant)) {
    return `invalid tenant id ${JSON.stringify(tenant)}: use 1-64 characters of A-Z a-z 0-9 _ -`;
  }
  return null;
}

/** Returns an error message, or null when the key label is valid. */
export function validateName(name) {
  if (typeof name !== "string" || name.trim() === "") return "--name must not be empty";
  if (name.length > MAX_NAME_LENGTH) return `--name is longer than ${MAX_NAME_LENGTH} characters`;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
  if (/[\u0000-\u001f\u007f]/.test(name)) return "--name must not contain control characters";
  return null;
}

/** A new raw API key: `crondo_` + 32 random bytes, base64url (43 chars). */
export function generateKey(random = randomBytes) {
  return KEY_PREFIX + random(32).toString("base64url");
}

/** Whether `s` has the shape of a key made by generateKey. */
export function isRawKey(s) {
  return typeof s === "string" && RAW_KEY_RE.test(s);
}

/** Lower-case sha256 hex of a string (UTF-8). */
export function sha256Hex(s) {
  return createHash("sha256").update(s, "utf8").digest("hex");
}

/** KV key of the record for a raw key. */
export function kvKeyForHash(hash) {
  return keyStorageName(hash);
}

export function kvKeyForKey(rawKey) {
  return kvKeyForHash(sha256Hex(rawKey));
}

/** The KV value stored for a key (SPEC §8). */
export function buildRecord({ tenant, name = "default", now = new Date() }) {
  return { tenant_id: tenant, name, created_at: now.toISOString() };
}

/** Parse a KV value into a record, or null if it is missing / not a record. */
export function parseRecord(text) {
  if (typeof text !== "string") return null;
  let value;
  try {
    value = JSON.parse(text);
  } catch {
    // `wrangler kv key get` prints "Value not found" (exit 0) for a missing key.
    return null;
  }
  return asRecord(value);
}

/** Narrow an unknown value to `{ tenant_id, name, created_at }` or null. */
export function asRecord(value) {
  if (!value || typeof value !== "object" || typeof value.tenant_id !== "string") return null;
  return {
    tenant_id: value.tenant_id,
    name: typeof value.name === "string" ? value.name : "",
    created_at: typeof value.created_at === "string" ? value.created_at : "",
  };
}

/**
 * Parse the JSON printed by `wrangler kv key list` into `{ hash, record|null }` entries
 * (record comes from the key's metadata when present). Keys that are not
 * `apikey:<64 hex>` are skipped.
 */
export function parseKvList(stdout) {
  const start = stdout.indexOf("[");
  if (start === -1) throw new Error(`unexpected output from "wrangler kv key list": ${stdout}`);
  const items = JSON.parse(stdout.slice(start));
  if (!Array.isArray(items)) throw new Error('unexpected output from "wrangler kv key list"');
  const out = [];
  for (const item of items) {
    const name = item?.name;
    if (typeof name !== "string" || !name.startsWith(KV_PREFIX)) continue;
    const hash = name.slice(KV_PREFIX.length);
    if (!HASH_RE.test(hash)) continue;
    out.push({ hash, record: asRecord(item.metadata) });
  }
  return out;
}

/**
 * What a `revoke` argument refers to:
 *  - `{ kind: "hash", hash }` for a raw key (hashed here) or a full sha256 hex
 *    (optionally written as `apikey:<hex>`);
 *  - `{ kind: "prefix", prefix }` for 8-63 hex characters.
 * Throws UsageError otherwise.
 */
export function classifyRevokeTarget(arg) {
  if (typeof arg === "string" && arg.startsWith(KEY_PREFIX)) {
    return { kind: "hash", hash: sha256Hex(arg), fromKey: true };
  }
  const hex = String(arg)
    .replace(/^apikey:/, "")
    .toLowerCase();
  if (HASH_RE.test(hex)) return { kind: "hash", hash: hex, fromKey: false };
  if (/^[0-9a-f]+$/.test(hex)) {
    if (hex.length < MIN_REVOKE_PREFIX) {
      throw new UsageError(
        `hash prefix "${hex}" is too short: give at least ${MIN_REVOKE_PREFIX} hex characters`,
      );
    }
    return { kind: "prefix", prefix: hex };
  }
  throw new UsageError(
    `cannot revoke "${arg}": expected a key (crondo_...), a sha256 hex or a hex prefix of >= ${MIN_REVOKE_PREFIX} characters`,
  );
}

/** Hashes among `hashes` that start with `prefix`. */
export function matchPrefix(hashes, prefix) {
  const p = prefix.toLowerCase();
  return hashes.filter((h) => h.startsWith(p));
}

/** Lines for `list`: hash prefix, tenant, name, created_at; columns padded; oldest first. */
export function formatListLines(entries) {
  const rows = [...entries]
    .sort((a, b) => (a.record?.created_at ?? "").localeCompare(b.record?.created_at ?? ""))
    .map((e) => [
      e.hash.slice(0, SHORT_HASH_LENGTH),
      e.record?.tenant_id ?? "?",
      e.record?.name || "-",
      e.record?.created_at || "-",
    ]);
  const widths = [0, 1, 2].map((i) => Math.max(0, ...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((c, i) => (i < 3 ? c.padEnd(widths[i]) : c)).join("  "));
}
