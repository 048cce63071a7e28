#!/usr/bin/env node
// The package's `crondo` bin: src/cli/main.ts with the process's arguments and streams.
import { main } from "./main";

const write = (stream: NodeJS.WriteStream) => (text: string) => {
  stream.write(`${text}\n`);
};

main(process.argv.slice(2), process.env, {
  out: write(process.stdout),
  err: write(process.stderr),
}).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`crondo: unexpected error: ${(err as Error)?.message ?? String(err)}\n`);
    process.exitCode = 1;
  },
);
