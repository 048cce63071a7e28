/** A new key's row (keys create): key_hash, tenant_id, name, scopes, created_at, expires_at. */
export declare const INSERT_KEY: string;
/** Revokes a key: key_hash, tenant_id, name, scopes, created_at, revoked_at. */
export declare const REVOKE_KEY: string;
/** revoked_at, expires_at of one key: key_hash. */
export declare const KEY_STATE: string;
/** Records a use, at most once a minute: key_hash, tenant_id, name, scopes, created_at, now. */
export declare const TOUCH_KEY: string;
/** Every row. */
export declare const LIST_KEYS: string;
