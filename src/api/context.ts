import type { Context } from "hono";
import type { Env } from "../env";

export interface Vars {
  request_id: string;
  tenant_id: string;
  key_hash: string;
  /** The request body, once read (see body.ts). */
  raw_body?: string;
}
export type AppEnv = { Bindings: Env; Variables: Vars };
export type AppContext = Context<AppEnv>;
