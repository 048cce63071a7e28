#!/usr/bin/env node
// crondo API key management (SPEC §8). See `npm run keys -- --help`.
//   npm run keys -- create --tenant <id> [--name <label>] [--scope read|read,write]
//                          [--expires-in 30d | --expires-at <ISO>] [--persist-to <dir>] [--remote]
//   npm run keys -- list [--tenant <id>] [--persist-to <dir>] [--remote]
//   npm run keys -- revoke <key | sha256 hex | hex prefix> [--persist-to <dir>] [--remote]
// Records live in KV (binding KEYS) under `apikey:<sha256 hex of key>`, and each key has
// a row in D1's api_keys table (binding DB) that refuses it once revoked or expired; raw
// keys are printed once by `create` and never stored.
import { formatListLines, parseKeysArgs, SHORT_HASH_LENGTH, USAGE } from "./lib/keys-core.mjs";
import { createKey, KeysError, listKeys, revokeKey } from "./lib/keys-ops.mjs";
import { describeTarget, WranglerError } from "./lib/wrangler.mjs";

async function main(argv) {
  let args;
  try {
    args = parseKeysArgs(argv);
  } catch (err) {
    if (err?.name !== "UsageError") throw err;
    // Full usage only when there is no command at all; otherwise a pointer to it.
    console.error(
      argv.length === 0
        ? `error: ${err.message}\n\n${USAGE}`
        : `error: ${err.message}\nRun \`npm run keys -- --help\` for usage.`,
    );
    return 2;
  }
  if (args.help) {
    console.log(USAGE);
    return 0;
  }
  const target = { remote: args.remote, persistTo: args.persistTo };

  switch (args.command) {
    case "create": {
      const { key, hash, record } = await createKey({
        tenant: args.tenant,
        name: args.name,
        scopes: args.scopes,
        expiresAt: args.expiresAt,
        target,
      });
      console.error(
        `Created key ${hash.slice(0, SHORT_HASH_LENGTH)} for tenant "${record.tenant_id}" ` +
          `(name "${record.name}", scopes ${record.scopes.join(",")}, ` +
          `${record.expires_at ? `expires ${record.expires_at}` : "never expires"}) ` +
          `in ${describeTarget(target)}. Store it now: it cannot be shown again.`,
      );
      // Last line of stdout: the key alone (`KEY=$(npm run -s keys -- create ... | tail -n1)`).
      process.stdout.write(`${key}\n`);
      return 0;
    }
    case "list": {
      const entries = await listKeys({ tenant: args.tenant, target });
      for (const line of formatListLines(entries)) console.log(line);
      if (entries.length === 0) {
        console.error(
          `No keys${args.tenant ? ` for tenant "${args.tenant}"` : ""} in ${describeTarget(target)}.`,
        );
      }
      return 0;
    }
    case "revoke": {
      const revoked = await revokeKey(args.target, target);
      for (const { hash, record } of revoked) {
        console.log(
          `Revoked key ${hash.slice(0, SHORT_HASH_LENGTH)} (tenant "${record?.tenant_id ?? "?"}", ` +
            `name "${record?.name ?? "?"}") in ${describeTarget(target)}.`,
        );
      }
      return 0;
    }
    default:
      return 2;
  }
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (err) {
  if (err instanceof KeysError) {
    console.error(`error: ${err.message}`);
    process.exitCode = err.exitCode;
  } else if (err?.name === "UsageError") {
    console.error(`error: ${err.message}`);
    process.exitCode = 2;
  } else if (err instanceof WranglerError) {
    console.error(`error: ${err.message}\n${err.output}`);
    process.exitCode = 1;
  } else {
    console.error(err);
    process.exitCode = 1;
  }
}
