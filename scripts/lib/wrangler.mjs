// Running the project's own wrangler (node_modules/wrangler) from the helper scripts.
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** Repository root (this file is scripts/lib/wrangler.mjs). */
export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
/** Default local persistence directory of `wrangler dev` (relative to the project root). */
export const DEFAULT_PERSIST_DIR = join(PROJECT_ROOT, ".wrangler", "state");
/** wrangler's JS entry point in node_modules (run it with `process.execPath`). */
export const WRANGLER_JS = join(PROJECT_ROOT, "node_modules", "wrangler", "bin", "wrangler.js");

/** Thrown when a wrangler command fails; `output` holds what it printed. */
export class WranglerError extends Error {
  constructor(message, { code, stdout, stderr }) {
    super(message);
    this.name = "WranglerError";
    this.code = code;
    this.stdout = stdout;
    this.stderr = stderr;
  }

  /** The useful part of what wrangler printed (banner lines dropped). */
  get output() {
    return cleanOutput(`${this.stderr}\n${this.stdout}`);
  }
}

/** Path of wrangler's JS entry point; exits the process with a hint when missing. */
export function wranglerEntry() {
  const entry = WRANGLER_JS;
  if (!existsSync(entry)) {
    console.error(
      `error: wrangler is not installed (${entry} is missing). Run \`npm install\` first.`,
    );
    process.exit(1);
  }
  return entry;
}

/**
 * Target flags shared by wrangler's KV and D1 commands.
 * `{ remote: true }` → `--remote`; otherwise `--local` (+ `--persist-to <abs dir>` when given).
 * Without --persist-to wrangler uses .wrangler/state, the same default as `wrangler dev`.
 */
export function targetArgs({ remote = false, persistTo } = {}) {
  if (remote) return ["--remote"];
  return persistTo ? ["--local", "--persist-to", resolve(persistTo)] : ["--local"];
}

/** Human description of a target, for messages. */
export function describeTarget({ remote = false, persistTo } = {}) {
  if (remote) return "remote (Cloudflare account)";
  return `local (${persistTo ? resolve(persistTo) : DEFAULT_PERSIST_DIR})`;
}

/**
 * Run `wrangler <args>` from the project root (stdin closed), capturing output.
 * Resolves `{ stdout, stderr }`; rejects with WranglerError on a non-zero exit.
 * Pass `env: { CI: "true" }` for commands that would otherwise prompt (D1 migrations).
 */
export function runWrangler(args, { env = {} } = {}) {
  const entry = wranglerEntry();
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [entry, ...args], {
      cwd: PROJECT_ROOT,
      env: {
        ...process.env,
        ...(process.stderr.isTTY ? {} : { NO_COLOR: "1", FORCE_COLOR: "0" }),
        ...env,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d) => {
      stdout += d;
    });
    child.stderr.setEncoding("utf8").on("data", (d) => {
      stderr += d;
    });
    child.on("error", reject);
    child.on("close", (code, signal) => {
      if (code === 0) {
        resolvePromise({ stdout, stderr });
        return;
      }
      const what = args.slice(0, 3).join(" ");
      reject(
        new WranglerError(`\`wrangler ${what}\` failed (${signal ?? `exit ${code}`})`, {
          code,
          stdout,
          stderr,
        }),
      );
    });
  });
}

/** Drop wrangler's banner/decoration lines and ANSI codes from captured output. */
export function cleanOutput(text) {
  return (
    text
      // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping ANSI escapes
      .replace(/\u001b\[[0-9;]*m/g, "")
      .split("\n")
      .filter((l) => !/^\s*(⛅️ wrangler|─+$)/.test(l))
      .join("\n")
      .trim()
  );
}

/**
 * The binding names of every D1 database in wrangler.toml (the primary DB and the
 * history shards, SPEC §14): each gets the same migrations.
 */
export function d1Bindings(configPath = join(PROJECT_ROOT, "wrangler.toml")) {
  const text = readFileSync(configPath, "utf8");
  const names = [];
  for (const block of text.split(/^\[\[/m).slice(1)) {
    if (!block.startsWith("d1_databases]]")) continue;
    const m = block.match(/^\s*binding\s*=\s*"([^"]+)"/m);
    if (m) names.push(m[1]);
  }
  return names;
}
