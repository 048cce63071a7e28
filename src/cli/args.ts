// Strict argument parsing for the crondo CLI: every command declares its flags and
// positionals; anything else is a usage error (exit 2), never silently ignored.

export class UsageError extends Error {
  override name = "UsageError";
}

export interface FlagSpec {
  /** "string" takes a value; "list" may repeat; "boolean" takes none. */
  type: "string" | "list" | "boolean";
  short?: string;
  value?: string;
  help: string;
}

export type Flags = Record<string, FlagSpec>;

export interface Parsed {
  values: Record<string, string | string[] | boolean | undefined>;
  positionals: string[];
}

/** The flags every command takes. */
export const GLOBAL_FLAGS: Flags = {
  url: { type: "string", value: "URL", help: "crondo's base URL (default $CRONDO_URL)" },
  "api-key": { type: "string", value: "KEY", help: "API key (default $CRONDO_API_KEY)" },
  json: { type: "boolean", help: "print JSON (the API's data) instead of a table" },
  timeout: {
    type: "string",
    value: "SECONDS",
    help: "give up on a request after this long (default 30)",
  },
  help: { type: "boolean", short: "h", help: "show this help" },
};

export function parseArgs(argv: string[], flags: Flags): Parsed {
  const all = { ...GLOBAL_FLAGS, ...flags };
  const byShort = new Map(
    Object.entries(all)
      .filter(([, s]) => s.short)
      .map(([n, s]) => [s.short!, n]),
  );
  const values: Parsed["values"] = {};
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--") {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!a.startsWith("-") || a === "-") {
      positionals.push(a);
      continue;
    }
    let name: string;
    let inline: string | undefined;
    if (a.startsWith("--")) {
      const eq = a.indexOf("=");
      name = eq < 0 ? a.slice(2) : a.slice(2, eq);
      inline = eq < 0 ? undefined : a.slice(eq + 1);
    } else {
      const n = byShort.get(a.slice(1));
      if (!n) throw new UsageError(`unknown option ${a}`);
      name = n;
    }
    const spec = all[name];
    if (!spec) throw new UsageError(`unknown option --${name}`);
    if (spec.type === "boolean") {
      if (inline !== undefined) throw new UsageError(`--${name} takes no value`);
      values[name] = true;
      continue;
    }
    const v = inline ?? argv[++i];
    if (v === undefined) throw new UsageError(`--${name} needs a value`);
    if (spec.type === "list") values[name] = [...((values[name] as string[]) ?? []), v];
    else values[name] = v;
  }
  return { values, positionals };
}

export function flagHelp(flags: Flags): string {
  const rows = Object.entries(flags).map(([name, s]) => [
    `${s.short ? `-${s.short}, ` : "    "}--${name}${s.value ? ` ${s.value}` : ""}`,
    s.help + (s.type === "list" ? " (repeatable)" : ""),
  ]);
  const width = Math.max(0, ...rows.map(([l]) => l!.length));
  return rows.map(([l, r]) => `  ${l!.padEnd(width)}  ${r}`).join("\n");
}

export const int = (v: string | undefined, name: string): number | undefined => {
  if (v === undefined) return undefined;
  if (!/^-?\d+$/.test(v)) throw new UsageError(`--${name} must be an integer, got "${v}"`);
  return Number(v);
};
