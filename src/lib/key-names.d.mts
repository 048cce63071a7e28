/** KV key prefix of a key record. */
export declare const KV_PREFIX: "apikey:";
/** The KV key of the record of the key whose SHA-256 (hex) is `hash`. */
export declare function keyStorageName(hash: string): string;
