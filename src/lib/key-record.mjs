// What an API key may do and until when (SPEC §8): the scopes and the KV record's shape.
// Plain JavaScript on purpose, like key-names.mjs: the Worker (auth) and the keys CLI
// (scripts/lib/keys-core.mjs) read and write records with this one definition.

/** Every scope a key can carry. "read": GET routes (and /metrics); "write": the rest. */
export const KEY_SCOPES = ["read", "write"];

/** Scopes of a key created without --scope, and of a record written before scopes existed. */
export const DEFAULT_SCOPES = ["read", "write"];

const isInstant = (s) =>
  typeof s === "string" && /^\d{4}-\d\d-\d\dT/.test(s) && !Number.isNaN(Date.parse(s));

/**
 * A KV value (parsed JSON) as a key record `{tenant_id, name, created_at, scopes,
 * expires_at}`, or null when it is not one. A record without `scopes` is read-write and
 * one without `expires_at` never expires (records made before those fields existed); a
 * record whose scopes or expiry are present but malformed is not a record: a key must
 * never gain rights because its record could not be read.
 */
export function parseKeyRecord(value) {
  if (!value || typeof value !== "object" || Array.isArray(value)) return null;
  if (typeof value.tenant_id !== "string" || value.tenant_id === "") return null;
  let scopes = DEFAULT_SCOPES;
  if (value.scopes !== undefined) {
    if (
      !Array.isArray(value.scopes) ||
      value.scopes.length === 0 ||
      !value.scopes.every((s) => KEY_SCOPES.includes(s))
    ) {
      return null;
    }
    scopes = KEY_SCOPES.filter((s) => value.scopes.includes(s));
  }
  const expires = value.expires_at ?? null;
  if (expires !== null && !isInstant(expires)) return null;
  return {
    tenant_id: value.tenant_id,
    name: typeof value.name === "string" ? value.name : "",
    created_at: typeof value.created_at === "string" ? value.created_at : "",
    scopes,
    expires_at: expires,
  };
}
