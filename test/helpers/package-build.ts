// The npm package as it ships: dist/package/ built by scripts/build-package.mjs (tsc), and its
// `crondo` bin run as a child process, the way a user's shell runs it.
import { spawn, spawnSync } from "node:child_process";
import { join } from "node:path";
import { PROJECT_ROOT } from "./wrangler-dev";

export const BIN = join(PROJECT_ROOT, "dist", "package", "cli", "bin.js");

/** Builds dist/package/ once per test file (a few seconds of tsc). */
export function buildPackage(): void {
  const res = spawnSync(process.execPath, [join(PROJECT_ROOT, "scripts", "build-package.mjs")], {
    encoding: "utf8",
    timeout: 120_000,
  });
  if (res.status !== 0) throw new Error(`package build failed:\n${res.stdout}\n${res.stderr}`);
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `crondo <args>` with `env` over a clean environment (no CRONDO_* from outside). */
export function runCli(
  args: string[],
  opts: { env?: Record<string, string>; input?: string; cwd?: string; timeoutMs?: number } = {},
): Promise<CliResult> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env))
    if (v !== undefined && !k.startsWith("CRONDO_")) env[k] = v;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: { ...env, ...opts.env },
      cwd: opts.cwd ?? PROJECT_ROOT,
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => {
      stdout += d;
    });
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(
        new Error(`crondo ${args.join(" ")} did not exit within ${opts.timeoutMs ?? 60_000} ms`),
      );
    }, opts.timeoutMs ?? 60_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(opts.input ?? "");
  });
}
