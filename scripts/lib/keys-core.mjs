// Pure pieces of the API key tooling (SPEC §8): argument parsing, key generation,
// hashing, KV record building, SQL for wrangler's D1 commands and parsing of wrangler's
// KV and D1 output. No I/O here, so unit tests can import this module directly.
import { createHash, randomBytes } from "node:crypto";
import { KV_PREFIX, keyStorageName } from "../../src/lib/key-names.mjs";
import { DEFAULT_SCOPES, KEY_SCOPES, parseKeyRecord } from "../../src/lib/key-record.mjs";

export { DEFAULT_SCOPES, KEY_SCOPES, KV_PREFIX };

/** Every raw key starts with this. */
export const KEY_PREFIX = "crondo_";
/** KV binding that holds the key records (wrangler.toml). */
export const KV_BINDING = "KEYS";
/** D1 binding whose api_keys table refuses revoked and expired keys (wrangler.toml). */
export const D1_BINDING = "DB";
/** Longest --expires-in: ten years. */
export const MAX_EXPIRES_MS = 3650 * 86_400_000;
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
  create --tenant <id> [--name <label>] [--scope read|read,write]
         [--expires-in <n>m|h|d|w | --expires-at <ISO instant>]
        Create a key; the last line of stdout is the key alone. --scope read makes a
        read-only key (GET endpoints only; default read,write). Without an expiry the key
        never expires.
  list [--tenant <id>]
        One line per key: hash prefix, tenant, name, scopes, status (active, expired,
        revoked), created, expires, last used (to the minute).
  revoke <key | sha256 hex | hex prefix>
        Revoke one key: refused at once (D1), then its KV record is deleted. A prefix
        needs >= ${MIN_REVOKE_PREFIX} hex chars and must match exactly one key.

Target (any command):
  (default)            Local development state, the one \`wrangler dev\` / \`npm start\` use
                       (.wrangler/state).
  --persist-to <dir>   Local state in <dir> (same as \`wrangler dev --persist-to <dir>\`).
  --remote             The KV namespace of your Cloudflare account (needs \`wrangler login\`).

Other:
  -h, --help           Show this help.

Tenant ids are 1-64 characters of [A-Za-z0-9_-]. Raw keys are shown once, at creation,
and never stored. The D1 migrations must have been applied to the target (npm start does
it locally; \`npx wrangler d1 migrations apply DB --remote\` for your account).

Examples:
  KEY=$(npm run -s keys -- create --tenant t1 | tail -n1)
  npm run keys -- create --tenant t1 --name grafana --scope read --expires-in 30d
  npm run keys -- list --tenant t1
  npm run keys -- revoke 3f9a1c2b7d4e`;

const COMMANDS = new Set(["create", "list", "revoke"]);
/** Options that take a value, by command ("*" = every command). */
const VALUE_OPTIONS = {
  "--tenant": ["create", "list"],
  "--name": ["create"],
  "--scope": ["create"],
  "--expires-in": ["create"],
  "--expires-at": ["create"],
  "--persist-to": ["*"],
};
const OPTION_KEYS = {
  "--tenant": "tenant",
  "--name": "name",
  "--scope": "scope",
  "--expires-in": "expiresIn",
  "--expires-at": "expiresAt",
  "--persist-to": "persistTo",
};
const FLAG_OPTIONS = { "--remote": ["*"] };

/**
 * Parse `keys.mjs` arguments (what follows `npm run keys --`).
 * Returns `{ help: true }` or `{ command, tenant?, name?, scopes?, expiresAt?, target?,
 * persistTo?, remote }` (create: `scopes` and `expiresAt`, epoch ms or null, resolved
 * against `now`). Throws UsageError on anything malformed.
 */
export function parseKeysArgs(argv, now = Date.now()) {
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
    const key = OPTION_KEYS[flag];
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
    out.scopes = parseScopes(out.scope ?? DEFAULT_SCOPES.join(","));
    delete out.scope;
    out.expiresAt = parseExpiry(out, now);
    delete out.expiresIn;
  }
  if (out.tenant !== undefined) {
    const tenantError = validateTenant(out.tenant);
    if (tenantError) throw new UsageError(tenantError);
  }
  return out;
}

/**
 * `--scope`: a comma list of read and write. Write implies read (a key that may change a
 * job may see it), so the result is ["read"] or ["read", "write"].
 */
export function parseScopes(text) {
  const given = String(text)
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
  if (given.length === 0) throw new UsageError("--scope needs read or read,write");
  for (const s of given) {
    if (!KEY_SCOPES.includes(s)) {
      throw new UsageError(
        `unknown scope "${s}": use ${KEY_SCOPES.join(" or ")} (comma-separated)`,
      );
    }
  }
  return given.includes("write") ? [...DEFAULT_SCOPES] : ["read"];
}

const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** `--expires-in` / `--expires-at` of parsed options as epoch ms, or null (never expires). */
function parseExpiry({ expiresIn, expiresAt }, now) {
  if (expiresIn !== undefined && expiresAt !== undefined) {
    throw new UsageError("give --expires-in or --expires-at, not both");
  }
  let at = null;
  if (expiresIn !== undefined) {
    const m = /^([1-9][0-9]{0,6})([mhdw])$/.exec(expiresIn);
    if (!m) {
      throw new UsageError(
        `invalid --expires-in "${expiresIn}": a whole number and a unit, m (minutes), h, d or w (e.g. 30d)`,
      );
    }
    const ms = Number(m[1]) * UNIT_MS[m[2]];
    if (ms > MAX_EXPIRES_MS)
      throw new UsageError(`--expires-in ${expiresIn} is more than 10 years`);
    at = now + ms;
  }
  if (expiresAt !== undefined) {
    const m = /^(\d{4})-(\d\d)-(\d\d)T\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)$/.exec(expiresAt);
    // Date.parse rolls 2026-02-31 over into March: the day must exist in its month.
    const dayExists =
      m &&
      new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))).getUTCDate() ===
        Number(m[3]);
    const t = dayExists ? Date.parse(expiresAt) : Number.NaN;
    if (Number.isNaN(t)) {
      throw new UsageError(
        `invalid --expires-at "${expiresAt}": an ISO-8601 instant with Z or an offset (e.g. 2027-01-31T00:00:00Z)`,
      );
    }
    if (t <= now) throw new UsageError(`--expires-at ${expiresAt} is in the past`);
    if (t - now > MAX_EXPIRES_MS)
      throw new UsageError(`--expires-at ${expiresAt} is more than 10 years away`);
    at = t;
  }
  return at;
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

/** The KV value stored for a key (SPEC §8). `expiresAt`: epoch ms or null. */
export function buildRecord({
  tenant,
  name = "default",
  now = new Date(),
  scopes = DEFAULT_SCOPES,
  expiresAt = null,
}) {
  return {
    tenant_id: tenant,
    name,
    created_at: now.toISOString(),
    scopes: [...scopes],
    expires_at: expiresAt === null ? null : new Date(expiresAt).toISOString(),
  };
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

/**
 * Narrow an unknown value to `{ tenant_id, name, created_at, scopes, expires_at }` or
 * null, as the Worker reads it (a record without scopes is read-write).
 */
export function asRecord(value) {
  return parseKeyRecord(value);
}

/** A value as an SQLite literal: NULL, an integer, or a quoted string. */
export function sqlLiteral(value) {
  if (value === null || value === undefined) return "NULL";
  if (typeof value === "number") {
    if (!Number.isSafeInteger(value)) throw new Error(`not an integer for SQL: ${value}`);
    return String(value);
  }
  return `'${String(value).replaceAll("'", "''")}'`;
}

/**
 * A statement of src/store/api-keys-sql.mjs with its parameters inlined, for
 * \`wrangler d1 execute --command\` (which binds none): \`?\` in order, \`?N\` by number.
 * The statements hold no \`?\` inside a string literal.
 */
export function inlineSql(sql, params) {
  let next = 0;
  return sql.replace(/\?(\d+)?/g, (_m, n) => {
    const i = n === undefined ? next++ : Number(n) - 1;
    if (i >= params.length) throw new Error(`missing SQL parameter ${i + 1}`);
    return sqlLiteral(params[i]);
  });
}

/** The rows of the last statement of \`wrangler d1 execute --json\` output. */
export function parseD1Rows(stdout) {
  const start = stdout.search(/[[{]/);
  if (start === -1) throw new Error(`unexpected output from "wrangler d1 execute": ${stdout}`);
  const parsed = JSON.parse(stdout.slice(start));
  if (!Array.isArray(parsed) || parsed.length === 0) {
    throw new Error(`unexpected output from "wrangler d1 execute": ${stdout}`);
  }
  return parsed.at(-1).results ?? [];
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

/** An epoch-ms instant to the minute, ISO-like (last use is kept to the minute). */
const toMinute = (ms) => `${new Date(ms).toISOString().slice(0, 16)}Z`;

/**
 * The state of a listed key: its KV record and its api_keys row (`state`, or null for a
 * key made before the table). Expiry from the row when there is one, else the record.
 */
export function keyStatus(entry, now = Date.now()) {
  if (entry.state?.revoked_at != null) return "revoked";
  const expires = entry.state ? entry.state.expires_at : Date.parse(entry.record?.expires_at ?? "");
  return typeof expires === "number" && expires <= now ? "expired" : "active";
}

export const LIST_HEADER = [
  "KEY",
  "TENANT",
  "NAME",
  "SCOPES",
  "STATUS",
  "CREATED",
  "EXPIRES",
  "LAST USED",
];

/**
 * Lines for `list`: a header, then per key its hash prefix, tenant, name, scopes, status,
 * created, expires and last use; columns padded; oldest first. Nothing for no keys.
 */
export function formatListLines(entries, now = Date.now()) {
  if (entries.length === 0) return [];
  const rows = [...entries]
    .sort((a, b) => (a.record?.created_at ?? "").localeCompare(b.record?.created_at ?? ""))
    .map((e) => {
      const expires = e.state?.expires_at ?? Date.parse(e.record?.expires_at ?? "");
      const lastUsed = e.state?.last_used_at;
      return [
        e.hash.slice(0, SHORT_HASH_LENGTH),
        e.record?.tenant_id ?? "?",
        e.record?.name || "-",
        (e.record?.scopes ?? DEFAULT_SCOPES).join(","),
        keyStatus(e, now),
        e.record?.created_at || "-",
        Number.isNaN(expires) || expires === null ? "never" : new Date(expires).toISOString(),
        typeof lastUsed === "number" ? toMinute(lastUsed) : "never",
      ];
    });
  const all = [LIST_HEADER, ...rows];
  const widths = LIST_HEADER.map((_, i) => Math.max(...all.map((r) => r[i].length)));
  return all.map((r) =>
    r
      .map((c, i) => (i < r.length - 1 ? c.padEnd(widths[i]) : c))
      .join("  ")
      .trimEnd(),
  );
}
