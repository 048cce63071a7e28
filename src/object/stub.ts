// How the layers above reach a job's Durable Object: its RPC surface and its stub.
import type { Env } from "../env";
import type { JobObject } from "./job-object";

/** The job object's RPC surface, typed directly (the generic RPC stub types recurse too deep on Json). */
export type JobRpc = Pick<
  JobObject,
  | "create"
  | "get"
  | "update"
  | "pause"
  | "resume"
  | "trigger"
  | "backfill"
  | "replay"
  | "replayMany"
  | "cancel"
  | "rotateSecret"
  | "remove"
  | "ensureAlarm"
>;

export const jobStub = (env: Pick<Env, "JOB">, cronId: string): JobRpc =>
  env.JOB.get(env.JOB.idFromName(cronId)) as unknown as JobRpc;
