#!/usr/bin/env node
// `npm start`: everything a fresh clone needs to run crondo locally.
//   1. Node >= 22;  2. local D1 migrations;  3. a development API key in local KV;
//   4. a banner (URL, key, curl example);  5. `wrangler dev` (stdio inherited).
// See `npm start -- --help`.
import { spawn } from "node:child_process";
import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { constants as osConstants } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { isRawKey, sha256Hex } from "./lib/keys-core.mjs";
import { createKey, getRecord } from "./lib/keys-ops.mjs";
import {
  banner,
  DEV_KEY_FILE,
  DEV_KEY_NAME,
  DEV_TENANT,
  MIN_NODE_MAJOR,
  nodeMajor,
  parseStartArgs,
  START_USAGE,
  wranglerDevArgs,
} from "./lib/start-core.mjs";
import {
  DEFAULT_PERSIST_DIR,
  d1Bindings,
  PROJECT_ROOT,
  runWrangler,
  targetArgs,
  WranglerError,
  wranglerEntry,
} from "./lib/wrangler.mjs";

const log = (msg) => console.log(`[crondo] ${msg}`);

/**
 * Where the raw development key is kept. Only the LOCAL DEVELOPMENT key is ever written
 * to disk (mode 0600), under the gitignored .wrangler/ directory; keys made with
 * `npm run keys -- create` are never stored. With --persist-to, the key file sits in that
 * state directory, next to the KV data it belongs to.
 */
function devKeyPath(persistTo) {
  return persistTo ? join(persistTo, DEV_KEY_FILE) : join(PROJECT_ROOT, ".wrangler", DEV_KEY_FILE);
}

function pretty(path) {
  const rel = relative(process.cwd(), path);
  return rel && !rel.startsWith("..") ? rel : path;
}

/** The migrations, to every D1 database of wrangler.toml: the primary and each history shard. */
async function applyMigrations(target) {
  for (const binding of d1Bindings()) {
    // CI=true: wrangler skips its "continue?" confirmation (it answers yes when non-interactive).
    const { stdout } = await runWrangler(
      ["d1", "migrations", "apply", binding, ...targetArgs(target)],
      { env: { CI: "true" } },
    );
    if (/No migrations to apply/i.test(stdout)) {
      log(`D1 migrations: local database ${binding} is up to date.`);
      continue;
    }
    const applied = [...new Set([...stdout.matchAll(/(\S+\.sql)\s*│\s*✅/g)].map((m) => m[1]))];
    log(
      `D1 migrations applied to the local database ${binding}${applied.length ? `: ${applied.join(", ")}` : "."}`,
    );
  }
}

/** Reuse the dev key from its file if local KV knows it; otherwise create one. */
async function ensureDevKey(target, keyFile) {
  let existing;
  try {
    existing = readFileSync(keyFile, "utf8").trim();
  } catch {
    existing = undefined;
  }
  if (existing && isRawKey(existing)) {
    const record = await getRecord(sha256Hex(existing), target);
    if (record) {
      log(`Development API key reused (tenant "${record.tenant_id}", ${pretty(keyFile)}).`);
      return { key: existing, reused: true };
    }
    log(`The key in ${pretty(keyFile)} is not in local KV any more; creating a new one.`);
  } else if (existing !== undefined) {
    log(`${pretty(keyFile)} does not hold a crondo key; creating a new one.`);
  }
  const { key } = await createKey({ tenant: DEV_TENANT, name: DEV_KEY_NAME, target });
  mkdirSync(dirname(keyFile), { recursive: true });
  const tmp = `${keyFile}.${process.pid}.tmp`;
  writeFileSync(tmp, `${key}\n`, { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, keyFile);
  log(`Development API key created for tenant "${DEV_TENANT}" (saved to ${pretty(keyFile)}).`);
  return { key, reused: false };
}

/** Run wrangler dev with inherited stdio; resolve with the exit code to use. */
function runDev(args) {
  const child = spawn(process.execPath, [wranglerEntry(), ...args], {
    cwd: PROJECT_ROOT,
    stdio: "inherit",
  });
  const forward = (signal) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  };
  process.on("SIGINT", forward);
  process.on("SIGTERM", forward);
  return new Promise((resolvePromise) => {
    child.on("error", (err) => {
      console.error(`error: could not start wrangler dev: ${err.message}`);
      resolvePromise(1);
    });
    child.on("exit", (code, signal) => {
      process.off("SIGINT", forward);
      process.off("SIGTERM", forward);
      resolvePromise(code ?? 128 + (osConstants.signals[signal] ?? 0));
    });
  });
}

async function main(argv) {
  // 1. Node version (package.json "engines": >=22).
  const major = nodeMajor();
  if (!(major >= MIN_NODE_MAJOR)) {
    console.error(
      `error: crondo needs Node.js ${MIN_NODE_MAJOR} or newer; this is Node ${process.version} ` +
        `(${process.execPath}). Install Node ${MIN_NODE_MAJOR}+ (e.g. \`nvm install ${MIN_NODE_MAJOR}\`) and retry.`,
    );
    return 1;
  }

  let opts;
  try {
    opts = parseStartArgs(argv, process.env);
  } catch (err) {
    console.error(`error: ${err.message}\nRun \`npm start -- --help\` for usage.`);
    return 2;
  }
  if (opts.help) {
    console.log(START_USAGE);
    return 0;
  }
  const persistTo = opts.persistTo ? resolve(opts.persistTo) : undefined;
  const target = { persistTo };
  const keyFile = devKeyPath(persistTo);

  try {
    // 2. Local D1 schema.
    await applyMigrations(target);
    // 3. Development API key.
    const { key, reused } = await ensureDevKey(target, keyFile);
    // 4. Banner.
    const host = opts.ip.includes(":") ? `[${opts.ip}]` : opts.ip;
    console.log(
      banner({
        url: `http://${host}:${opts.port}`,
        key,
        keyFile: pretty(keyFile),
        reused,
        stateDir: pretty(persistTo ?? DEFAULT_PERSIST_DIR),
      }),
    );
  } catch (err) {
    if (err instanceof WranglerError) {
      console.error(`error: ${err.message}\n${err.output}`);
      return 1;
    }
    throw err;
  }
  if (opts.prepareOnly) return 0;

  // 5. wrangler dev.
  return runDev(wranglerDevArgs({ ...opts, persistTo }));
}

process.exitCode = await main(process.argv.slice(2));
