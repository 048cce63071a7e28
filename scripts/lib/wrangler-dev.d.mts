// Types of wrangler-dev.mjs (hand-written: the project type-checks TypeScript only, with
// allowJs off; `import "…/wrangler-dev.mjs"` resolves to this file).
import type { ChildProcess } from "node:child_process";

/** Repository root. */
export const PROJECT_ROOT: string;

export interface StartOptions {
  /** Local state directory to reuse (a restart); a fresh temporary one when omitted. */
  persistTo?: string;
  /** Where the fresh state directory is made (default the OS temp dir; /dev/shm is tmpfs). */
  stateDir?: string;
  /** Name prefix of the fresh state directory (default "crondo-e2e-"). */
  tempPrefix?: string;
  /** Port to listen on; a free one when omitted (picked again if taken meanwhile). */
  port?: number;
  /** Extra Worker variables (`--var NAME:value`), e.g. `{ JOB_QUOTA: "3" }`. */
  vars?: Record<string, string>;
  /** API keys written before start-up, `{ tenant: count }`; see `CrondoServer.keys`. */
  keys?: Record<string, number>;
  /** More `wrangler dev` arguments, after the harness's own. */
  extraArgs?: string[];
  /** How long wrangler dev may take to serve (default 60 s). */
  readyTimeoutMs?: number;
  /** Progress messages of the start-up steps. */
  log?: (message: string) => void;
}

export interface CrondoServer {
  /** `http://127.0.0.1:<port>` */
  url: string;
  persistTo: string;
  port: number;
  /** wrangler dev's inspector (Chrome DevTools protocol) for the Worker: scripts/bench/profile.mjs. */
  inspectorPort: number;
  /** The `wrangler dev` process (leader of its own process group). */
  proc: ChildProcess;
  /** Its pid, which is also the process group id. */
  pid: number;
  /** The raw keys `StartOptions.keys` asked for, per tenant. */
  keys: Record<string, string[]>;
  /** An API key of `tenant` (created once per tenant and server, then reused). */
  keyFor(tenant: string): Promise<string>;
  /** A new API key of `tenant` on every call; `args`: more keys CLI options (`--scope read`). */
  createKey(tenant: string, name?: string, args?: string[]): Promise<string>;
  /** Signal the whole process group (default SIGTERM) and wait until it is gone. */
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** stop(), then remove the state directory if this harness created it. */
  cleanup(): Promise<void>;
  /** Everything wrangler dev printed so far (stdout and stderr, interleaved; the tail). */
  logs(): string;
  /** Output lines wrangler dev printed so far (crondo's JSON logs included). */
  logLines(): number;
  /** False once wrangler dev has exited. */
  alive(): boolean;
  /** Every live process of wrangler dev's process group (wrangler, workerd, esbuild). */
  pids(): number[];
}

export function startCrondo(opts?: StartOptions): Promise<CrondoServer>;
/** The D1 migrations applied to every D1 database of the local state under `persistTo` (idempotent). */
export function applyMigrations(persistTo: string): Promise<void>;
/** A new key of `tenant` in the local state under `persistTo`, via the keys CLI. */
export function createKeyCli(
  persistTo: string,
  tenant: string,
  name?: string,
  args?: string[],
): Promise<string>;
/** `count` new keys per tenant written into the local state under `persistTo` at once (migrations applied first). */
export function bulkKeys(
  persistTo: string,
  keysPerTenant: Record<string, number>,
  /** `migrated`: the state is known to be migrated (no process at all when no key is asked for). */
  options?: { migrated?: boolean },
): Promise<Record<string, string[]>>;
/** A port that was free a moment ago. */
export function freePort(): Promise<number>;
/** Every live process whose process group is `pgid`. */
export function groupPids(pgid: number): number[];

/** Rows of one SQL query on the local D1 database `binding` under `persistTo` (`wrangler d1 execute --json`). */
export function d1Query(
  persistTo: string,
  binding: string,
  sql: string,
): Promise<Record<string, unknown>[]>;
