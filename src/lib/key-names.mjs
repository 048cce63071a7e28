// Where an API key's record lives in KV (SPEC §8): `apikey:<sha256 hex of the key>`.
// Plain JavaScript on purpose: the Worker (TypeScript) and the keys CLI (Node,
// scripts/lib/keys-core.mjs) both import this one spelling.

/** KV key prefix of a key record. */
export const KV_PREFIX = "apikey:";

/** The KV key of the record of the key whose SHA-256 (hex) is `hash`. */
export const keyStorageName = (hash) => `${KV_PREFIX}${hash}`;
