// What a CLI command is handed, and what it is.
import type { CrondoClient } from "../client";
import type { Flags, Parsed } from "./args";

export interface Io {
  out(text: string): void;
  err(text: string): void;
  json: boolean;
}

export interface Context {
  io: Io;
  args: Parsed;
  /** The client, built on first use (commands like `import --dry-run` need no server). */
  client(): CrondoClient;
  /** Whether the last answer was an idempotent replay (`Idempotent-Replayed: true`). */
  lastReplayed(): boolean;
  readFile(path: string): Promise<string>;
}

export interface Command {
  /** "jobs ls" */
  name: string;
  usage: string;
  summary: string;
  flags: Flags;
  /** Positional argument names; a trailing "?" marks an optional one. */
  positionals: string[];
  details?: string;
  run(ctx: Context): Promise<number>;
}
