// End-to-end harness: a real `wrangler dev` serving crondo on 127.0.0.1, with its own
// local state directory (D1 migrated, KV for keys, Durable Object storage).
//
//   const crondo = await startCrondo();
//   const key = await crondo.keyFor("tenant-a");
//   await fetch(`${crondo.url}/v1/cron/list`, { headers: { authorization: `Bearer ${key}` } });
//   await crondo.stop();      // SIGTERM to the whole process group, waits for it to be gone
//   await crondo.cleanup();   // stop + remove the state directory if the harness made it
//
// A restart on the same state is `startCrondo({ persistTo: old.persistTo })` once the old
// server is stopped (also after `stop("SIGKILL")`, the crash case).
//
// Keys: `keyFor` runs `scripts/keys.mjs create --persist-to <dir>` while wrangler dev is
// running. Both share the SQLite-backed local KV under <dir>/v3/kv, and the dev server does
// not cache misses, so a key written by the CLI is accepted at once (verified: the e2e suite
// authenticates only with keys made this way after start-up; harness.test.ts checks it
// explicitly, also across a restart).
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const PROJECT_ROOT = fileURLToPath(new URL("../../", import.meta.url));
const WRANGLER = join(PROJECT_ROOT, "node_modules", "wrangler", "bin", "wrangler.js");
const KEYS_SCRIPT = join(PROJECT_ROOT, "scripts", "keys.mjs");

const READY_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 10_000;
/** Keep at most this much of the server's output (the tail). */
const MAX_LOG_CHARS = 2_000_000;

export interface StartOptions {
  /** Local state directory; a fresh temporary one when omitted. */
  persistTo?: string;
  /** Port to listen on; a free one when omitted. */
  port?: number;
  /** Extra Worker variables (`--var NAME:value`), e.g. `{ JOB_QUOTA: "3" }`. */
  vars?: Record<string, string>;
}

export interface CrondoServer {
  /** `http://127.0.0.1:<port>` */
  url: string;
  persistTo: string;
  port: number;
  /** The `wrangler dev` process (leader of its own process group). */
  proc: ChildProcess;
  /** An API key of `tenant` (created once per tenant and server, then reused). */
  keyFor(tenant: string): Promise<string>;
  /** A new API key of `tenant` on every call. */
  createKey(tenant: string, name?: string): Promise<string>;
  /** Signal the whole process group (default SIGTERM) and wait until it is gone. */
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** stop(), then remove the state directory if this harness created it. */
  cleanup(): Promise<void>;
  /** Everything wrangler dev printed so far (stdout and stderr, interleaved). */
  logs(): string;
}

/** Environment of every child: no colours, no prompts, no telemetry. */
function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    NO_COLOR: "1",
    FORCE_COLOR: "0",
    CI: "true",
    WRANGLER_SEND_METRICS: "false",
    ...extra,
  };
}

function run(
  args: string[],
  what: string,
  timeoutMs = 60_000,
): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolvePromise, reject) => {
    execFile(
      process.execPath,
      args,
      { cwd: PROJECT_ROOT, env: childEnv(), timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) => {
        if (err) {
          reject(new Error(`${what} failed: ${err.message}\n${stderr}\n${stdout}`));
          return;
        }
        resolvePromise({ stdout, stderr });
      },
    );
  });
}

/** `wrangler d1 migrations apply DB --local --persist-to <dir>` (idempotent). */
export async function applyMigrations(persistTo: string): Promise<void> {
  await run(
    [WRANGLER, "d1", "migrations", "apply", "DB", "--local", "--persist-to", persistTo],
    "wrangler d1 migrations apply",
  );
}

/** A new key of `tenant` in the local KV under `persistTo`, via the keys CLI. */
export async function createKeyCli(
  persistTo: string,
  tenant: string,
  name = "e2e",
): Promise<string> {
  const { stdout } = await run(
    [KEYS_SCRIPT, "create", "--tenant", tenant, "--name", name, "--persist-to", persistTo],
    "keys create",
  );
  const key = stdout.trim().split("\n").pop()?.trim() ?? "";
  if (!/^\S{20,}$/.test(key)) throw new Error(`keys create printed no key: ${stdout}`);
  return key;
}

/** A port that was free a moment ago (listen on 0, read it, close). */
export function freePort(): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => resolvePromise(port));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** True while any process of group `pgid` exists. */
function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

function signalGroup(pgid: number, signal: NodeJS.Signals) {
  try {
    process.kill(-pgid, signal);
  } catch {
    // the group is gone already
  }
}

/** Thrown by one launch attempt; `addressInUse` when the port was taken meanwhile. */
class LaunchError extends Error {
  constructor(
    message: string,
    readonly addressInUse: boolean,
  ) {
    super(message);
  }
}

interface Launched {
  proc: ChildProcess;
  stop(signal?: NodeJS.Signals): Promise<void>;
  logs(): string;
}

/** Spawns wrangler dev on `port` and waits until it serves; throws LaunchError otherwise. */
async function launch(persistTo: string, port: number, vars: Record<string, string>) {
  const url = `http://127.0.0.1:${port}`;
  const inspectorPort = await freePort();
  const args = [
    WRANGLER,
    "dev",
    "--ip",
    "127.0.0.1",
    "--port",
    String(port),
    "--inspector-port",
    String(inspectorPort),
    "--persist-to",
    persistTo,
    ...Object.entries(vars).flatMap(([k, v]) => ["--var", `${k}:${v}`]),
    "--show-interactive-dev-session=false",
    "--log-level",
    "warn",
  ];
  const proc = spawn(process.execPath, args, {
    cwd: PROJECT_ROOT,
    env: childEnv(),
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const pid = proc.pid;
  if (pid === undefined) throw new LaunchError("could not spawn wrangler dev", false);

  let output = "";
  const capture = (d: string) => {
    // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping ANSI colours
    output += d.replace(/\u001b\[[0-9;]*m/g, "");
    if (output.length > MAX_LOG_CHARS) output = output.slice(-MAX_LOG_CHARS);
  };
  proc.stdout?.setEncoding("utf8").on("data", capture);
  proc.stderr?.setEncoding("utf8").on("data", capture);

  let exited = false;
  const exitPromise = new Promise<void>((r) => {
    proc.once("exit", (code, signal) => {
      exited = true;
      capture(`\n[harness] wrangler dev exited (${signal ?? `code ${code}`})\n`);
      r();
    });
  });
  // Whatever happens to the test process, do not leave a server behind.
  const killOnExit = () => signalGroup(pid, "SIGKILL");
  process.once("exit", killOnExit);

  let stopping: Promise<void> | undefined;
  const stop = (signal: NodeJS.Signals = "SIGTERM") => {
    stopping ??= (async () => {
      signalGroup(pid, signal);
      const deadline = Date.now() + STOP_TIMEOUT_MS;
      // wrangler dev exits first; workerd children of the same group may linger a moment.
      while ((!exited || groupAlive(pid)) && Date.now() < deadline) {
        await Promise.race([exitPromise, sleep(100)]);
      }
      if (!exited || groupAlive(pid)) {
        signalGroup(pid, "SIGKILL");
        const hard = Date.now() + STOP_TIMEOUT_MS;
        while ((!exited || groupAlive(pid)) && Date.now() < hard) await sleep(50);
      }
      process.off("exit", killOnExit);
      proc.stdout?.destroy();
      proc.stderr?.destroy();
    })();
    return stopping;
  };

  // Up when the API answers at all (401 without a key counts).
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (exited || Date.now() > deadline) {
      await stop("SIGKILL");
      throw new LaunchError(
        exited
          ? `wrangler dev exited before serving:\n${output}`
          : `wrangler dev not up within ${READY_TIMEOUT_MS} ms:\n${output}`,
        /Address already in use/i.test(output),
      );
    }
    try {
      const res = await fetch(`${url}/v1/cron/list`, { signal: AbortSignal.timeout(2000) });
      await res.body?.cancel();
      // Still our process? (Something else answering on a port taken meanwhile is not up.)
      if ((res.status === 401 || res.status === 200) && !exited) break;
    } catch {
      // not listening yet
    }
    await sleep(200);
  }
  return { proc, stop, logs: () => output } satisfies Launched;
}

export async function startCrondo(opts: StartOptions = {}): Promise<CrondoServer> {
  const ownsDir = opts.persistTo === undefined;
  const persistTo = resolve(opts.persistTo ?? mkdtempSync(join(tmpdir(), "crondo-e2e-")));
  const vars = { ALLOW_PRIVATE_TARGETS: "true", ...opts.vars };
  let port = 0;
  let server: Launched | undefined;
  try {
    await applyMigrations(persistTo);
    // A port picked free can be taken before wrangler binds it: pick again (not a given one).
    for (let attempt = 1; !server; attempt++) {
      port = opts.port ?? (await freePort());
      try {
        server = await launch(persistTo, port, vars);
      } catch (e) {
        const retry = e instanceof LaunchError && e.addressInUse && !opts.port && attempt < 3;
        if (!retry) throw e;
      }
    }
  } catch (e) {
    if (ownsDir) rmSync(persistTo, { recursive: true, force: true });
    throw e;
  }
  const { proc, stop, logs } = server;

  const keys = new Map<string, Promise<string>>();
  const createKey = (tenant: string, name?: string) => createKeyCli(persistTo, tenant, name);
  const keyFor = (tenant: string) => {
    let key = keys.get(tenant);
    if (!key) {
      key = createKey(tenant);
      keys.set(tenant, key);
      key.catch(() => keys.delete(tenant));
    }
    return key;
  };

  return {
    url: `http://127.0.0.1:${port}`,
    persistTo,
    port,
    proc,
    keyFor,
    createKey,
    stop,
    cleanup: async () => {
      await stop();
      if (ownsDir) rmSync(persistTo, { recursive: true, force: true });
    },
    logs,
  };
}
