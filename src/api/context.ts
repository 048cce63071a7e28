import type { Context } from "hono";
import type { Env } from "../env";
import type { KeyRecord } from "../lib/key-record.mjs";

export interface Vars {
  request_id: string;
  tenant_id: string;
  key_hash: string;
  /** The API key's record (tenant, name, scopes, expiry), once authenticated. */
  key: KeyRecord;
  /** The request body, once read (see body.ts). */
  raw_body?: string;
}
export type AppEnv = { Bindings: Env; Variables: Vars };
export type AppContext = Context<AppEnv>;
