export type KeyScope = "read" | "write";
/** Every scope a key can carry. */
export declare const KEY_SCOPES: readonly KeyScope[];
/** Scopes of a key created without --scope, and of a record written before scopes existed. */
export declare const DEFAULT_SCOPES: readonly KeyScope[];
export interface KeyRecord {
  tenant_id: string;
  name: string;
  created_at: string;
  scopes: KeyScope[];
  /** ISO instant, or null: never expires. */
  expires_at: string | null;
}
/** A KV value (parsed JSON) as a key record, or null when it is not one. */
export declare function parseKeyRecord(value: unknown): KeyRecord | null;
