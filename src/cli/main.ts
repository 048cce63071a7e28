// `crondo`: the command-line client (bin.ts runs it), built on src/client. Every
// failure is one line on stderr and a documented exit status (see `crondo --help`),
// never a stack trace.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { CrondoClient, CrondoError, CrondoProtocolError } from "../client";
import { parseArgs, UsageError } from "./args";
import { COMMANDS, commandHelp, mainHelp } from "./commands";
import type { Context, Io } from "./context";

const GROUPS = [...new Set(COMMANDS.map((c) => c.name.split(" ")[0]!))];

function groupHelp(group: string): string {
  const cmds = COMMANDS.filter((c) => c.name.split(" ")[0] === group);
  const width = Math.max(...cmds.map((c) => c.name.length));
  return [
    `Usage: crondo ${group} <command> [options]`,
    "",
    "Commands:",
    ...cmds.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    "",
    `\`crondo ${group} <command> --help\` shows a command's options.`,
  ].join("\n");
}

/** The repository's keys CLI (dist/package/cli/main.js → scripts/keys.mjs). */
function keysScript(): string | null {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
  const path = join(root, "scripts", "keys.mjs");
  return existsSync(path) ? path : null;
}

function runKeys(args: string[]): Promise<number> {
  const script = keysScript();
  if (!script) {
    throw new UsageError(
      "crondo keys manages the KV store of a deployment and runs from a crondo checkout (scripts/keys.mjs); use `npm run keys` there",
    );
  }
  return new Promise((resolveCode) => {
    const child = spawn(process.execPath, [script, ...args], { stdio: "inherit" });
    child.on("exit", (code, signal) => resolveCode(code ?? (signal ? 1 : 0)));
    child.on("error", () => resolveCode(1));
  });
}

function describeFailure(err: unknown, baseUrl: string | undefined, timeoutS: number) {
  if (err instanceof UsageError) return { code: 2, message: err.message };
  if (err instanceof CrondoError) {
    const details = err.details.length
      ? ` (${err.details.map((d) => (d.path ? `${d.path}: ${d.message}` : d.message)).join("; ")})`
      : "";
    const code = err.status === 401 || err.status === 403 ? 4 : err.status === 404 ? 5 : 1;
    return { code, message: `${err.message}${details}` };
  }
  if (err instanceof CrondoProtocolError) return { code: 3, message: err.message };
  const e = err as {
    name?: string;
    message?: string;
    code?: string;
    cause?: { code?: string; message?: string };
  };
  if (e?.name === "TimeoutError" || e?.name === "AbortError")
    return { code: 3, message: `no answer from ${baseUrl} within ${timeoutS} s` };
  if (e?.name === "TypeError" && /fetch failed/i.test(e.message ?? ""))
    return {
      code: 3,
      message: `cannot reach ${baseUrl}: ${e.cause?.code ?? e.cause?.message ?? "network error"}`,
    };
  if (e?.code === "ENOENT" || e?.code === "EACCES" || e?.code === "EISDIR")
    return {
      code: 2,
      message: `cannot read ${(err as { path?: string }).path ?? "file"}: ${e.code}`,
    };
  return { code: 1, message: `unexpected error: ${e?.message ?? String(err)}` };
}

export async function main(
  argv: string[],
  env: Record<string, string | undefined>,
  io: Omit<Io, "json">,
) {
  const first = argv[0];
  if (first === undefined || first === "help") {
    (first ? io.out : io.err)(mainHelp());
    return first ? 0 : 2;
  }
  if (first === "--help" || first === "-h") {
    io.out(mainHelp());
    return 0;
  }
  if (first === "keys") {
    return runKeys(argv.slice(1)).catch((err) => {
      io.err(`crondo: ${describeFailure(err, undefined, 0).message}`);
      return 2;
    });
  }
  const second = argv[1];
  const command =
    COMMANDS.find((c) => c.name === `${first} ${second}`) ?? COMMANDS.find((c) => c.name === first);
  if (!command) {
    if (GROUPS.includes(first)) {
      if (second === "--help" || second === "-h") {
        io.out(groupHelp(first));
        return 0;
      }
      io.err(
        second === undefined
          ? `crondo: ${first} needs a command (${COMMANDS.filter((c) =>
              c.name.startsWith(`${first} `),
            )
              .map((c) => c.name.split(" ")[1])
              .join(", ")}); see crondo ${first} --help`
          : `crondo: unknown command "${first} ${second}"; see crondo ${first} --help`,
      );
      return 2;
    }
    io.err(`crondo: unknown command "${first}"; see crondo --help`);
    return 2;
  }
  const rest = argv.slice(command.name.split(" ").length);
  let baseUrl: string | undefined;
  let timeoutS = 30;
  try {
    const args = parseArgs(rest, command.flags);
    if (args.values.help) {
      io.out(commandHelp(command));
      return 0;
    }
    const required = command.positionals.filter((p) => !p.endsWith("?"));
    if (args.positionals.length < required.length)
      throw new UsageError(`missing ${required[args.positionals.length]}`);
    if (args.positionals.length > command.positionals.length)
      throw new UsageError(`unexpected argument "${args.positionals[command.positionals.length]}"`);
    if (args.values.timeout !== undefined) {
      timeoutS = Number(args.values.timeout);
      if (!(timeoutS > 0)) throw new UsageError("--timeout must be a positive number of seconds");
    }
    baseUrl = (args.values.url as string | undefined) ?? env.CRONDO_URL;
    let replayed = false;
    let client: CrondoClient | undefined;
    const ctx: Context = {
      io: { ...io, json: args.values.json === true },
      args,
      lastReplayed: () => replayed,
      readFile: (path) => (path === "-" ? readStdin() : readFile(path, "utf8")),
      client() {
        if (client) return client;
        if (!baseUrl) throw new UsageError("no crondo URL: pass --url or set CRONDO_URL");
        if (!/^https?:\/\/[^/]/i.test(baseUrl) || !URL.canParse(baseUrl))
          throw new UsageError(`--url "${baseUrl}" is not an http(s) URL`);
        const apiKey = (args.values["api-key"] as string | undefined) ?? env.CRONDO_API_KEY;
        if (!apiKey) throw new UsageError("no API key: pass --api-key or set CRONDO_API_KEY");
        client = new CrondoClient({
          baseUrl,
          apiKey,
          fetch: async (input, init) => {
            const res = await fetch(input, {
              ...init,
              signal: AbortSignal.timeout(timeoutS * 1000),
            });
            replayed = res.headers.get("idempotent-replayed") === "true";
            return res;
          },
        });
        return client;
      },
    };
    return await command.run(ctx);
  } catch (err) {
    const { code, message } = describeFailure(err, baseUrl, timeoutS);
    io.err(
      `crondo: ${message}${code === 2 && err instanceof UsageError ? ` (see crondo ${command.name} --help)` : ""}`,
    );
    return code;
  }
}

export async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}
