import type { Context } from "hono";
import type { Env } from "../env";
import type { JobObject } from "../job/object";

export interface Vars {
  request_id: string;
  tenant_id: string;
  key_hash: string;
  /** The request body, once read (see body.ts). */
  raw_body?: string;
}
export type AppEnv = { Bindings: Env; Variables: Vars };
export type AppContext = Context<AppEnv>;

/** The job object's RPC surface, typed directly (the generic RPC stub types recurse too deep on Json). */
export type JobRpc = Pick<
  JobObject,
  "create" | "get" | "update" | "pause" | "resume" | "trigger" | "remove" | "ensureAlarm" | "settle"
>;

export const jobStub = (env: Env, cronId: string): JobRpc =>
  env.JOB.get(env.JOB.idFromName(cronId)) as unknown as JobRpc;
