// Prometheus's own checker for the text exposition format (Debian's `prometheus` package
// ships it; .ci/run installs it). `promtool check metrics` reads stdin and prints what it
// finds: "" when the text is clean.
import { execFileSync } from "node:child_process";

export function promtool(text: string): string {
  try {
    return execFileSync("promtool", ["check", "metrics"], { input: text, encoding: "utf8" });
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string; message: string };
    return `${err.stdout ?? ""}${err.stderr ?? ""}` || err.message;
  }
}
