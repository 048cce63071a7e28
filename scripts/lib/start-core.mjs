// Pure pieces of `npm start` (scripts/start.mjs): argument parsing and the banner.

export const MIN_NODE_MAJOR = 22;
export const DEFAULT_IP = "127.0.0.1";
export const DEFAULT_PORT = 8787;
export const DEV_TENANT = "dev";
export const DEV_KEY_NAME = "development";
/** File name of the local development key (see devKeyPath in start.mjs). */
export const DEV_KEY_FILE = "crondo-dev-key";

export const START_USAGE = `Usage: npm start [-- [--persist-to <dir>] [--port <n>] [--ip <addr>] [--prepare-only] [-- <wrangler dev args>]]

Prepares the local development state and runs \`wrangler dev\`:
  1. checks Node >= ${MIN_NODE_MAJOR};
  2. applies the D1 migrations to the local database (wrangler d1 migrations apply DB --local);
  3. makes sure a development API key (tenant "${DEV_TENANT}") exists in local KV;
  4. prints the URL, the key and a curl example;
  5. runs wrangler dev --ip ${DEFAULT_IP} --port ${DEFAULT_PORT} --var ALLOW_PRIVATE_TARGETS:true.

Options:
  --persist-to <dir>  Local state directory (default .wrangler/state), passed to every step.
  --port <n>          Port (default: $PORT, else ${DEFAULT_PORT}).
  --ip <addr>         Address to listen on (default ${DEFAULT_IP}).
  --prepare-only      Do steps 1-4 and exit without starting wrangler dev.
  -h, --help          Show this help.
Any other argument (and everything after \`--\`) is passed to wrangler dev.`;

/** `"v22.3.0"` → 22. */
export function nodeMajor(version = process.version) {
  return Number.parseInt(String(version).replace(/^v/, ""), 10);
}

function parsePort(value, origin) {
  if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > 65535) {
    throw new Error(`invalid port ${JSON.stringify(value)} (${origin}): expected 1-65535`);
  }
  return Number(value);
}

/**
 * Parse `start.mjs` arguments. `env` supplies PORT.
 * Returns `{ help, persistTo?, port, ip, prepareOnly, extra: string[] }`; throws Error on bad input.
 */
export function parseStartArgs(argv, env = {}) {
  const out = { help: false, prepareOnly: false, ip: DEFAULT_IP, extra: [] };
  let port;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--") {
      out.extra.push(...argv.slice(i + 1));
      break;
    }
    if (arg === "-h" || arg === "--help") {
      out.help = true;
      continue;
    }
    if (arg === "--prepare-only") {
      out.prepareOnly = true;
      continue;
    }
    const m = /^--(persist-to|port|ip)(?:=(.*))?$/.exec(arg);
    if (!m) {
      out.extra.push(arg);
      continue;
    }
    let value = m[2];
    if (value === undefined) {
      value = argv[i + 1];
      if (value === undefined || value.startsWith("--")) throw new Error(`--${m[1]} needs a value`);
      i++;
    }
    if (value === "") throw new Error(`--${m[1]} needs a value`);
    if (m[1] === "persist-to") out.persistTo = value;
    else if (m[1] === "ip") out.ip = value;
    else port = parsePort(value, "--port");
  }
  if (port === undefined && env.PORT !== undefined && env.PORT !== "") {
    port = parsePort(env.PORT, "environment variable PORT");
  }
  out.port = port ?? DEFAULT_PORT;
  return out;
}

/** Arguments of `wrangler dev` for parsed start options. */
export function wranglerDevArgs({ ip, port, persistTo, extra }) {
  return [
    "dev",
    "--ip",
    ip,
    "--port",
    String(port),
    "--var",
    "ALLOW_PRIVATE_TARGETS:true",
    ...(persistTo ? ["--persist-to", persistTo] : []),
    ...extra,
  ];
}

/** The banner printed before wrangler dev starts. */
export function banner({ url, key, keyFile, reused, stateDir }) {
  const curl = `curl -s ${url}/v1/cron/list -H "Authorization: Bearer ${key}"`;
  const lines = [
    "",
    "crondo - local development",
    "",
    `  URL           ${url}`,
    `  API key       ${key}`,
    `                (tenant "${DEV_TENANT}", ${reused ? "reused" : "new"}; kept in ${keyFile})`,
    `  Local state   ${stateDir}`,
    "",
    "  Try it:",
    `    ${curl}`,
    "",
    "  More keys:    npm run keys -- create --tenant <id>",
    "  Targets on 127.0.0.1 / private networks are allowed here (ALLOW_PRIVATE_TARGETS=true).",
    "",
  ];
  const rule = "=".repeat(72);
  return [rule, ...lines, rule].join("\n");
}
