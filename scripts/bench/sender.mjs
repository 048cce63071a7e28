// A benchmark sender in a child process group of its own (node and whatever it
// spawns), so its CPU time is its own and the receiver's event loop is not the
// sender's. The child script is run as `node <script> --child --receiver URL --n N
// [--prefix P] [--lead MS]`,
// prints "ready" once it fires from the next second boundary, and stops on SIGTERM.
import { spawn } from "node:child_process";
import { parseArgs } from "node:util";
import { groupPids } from "./crondo-dev.mjs";

/** Starts `script` for `n` virtual jobs named `<prefix>-0 …`; resolves once it is ready. */
export async function spawnSender(
  script,
  { receiverUrl, n, prefix, lead = 0, stopTimeoutMs = 5000 },
) {
  const child = spawn(
    process.execPath,
    [
      script,
      ...["--child", "--receiver", receiverUrl, "--n", String(n)],
      ...["--prefix", prefix, "--lead", String(lead)],
    ],
    { stdio: ["ignore", "pipe", "inherit"], detached: true },
  );
  const killGroup = (sig) => {
    try {
      process.kill(-child.pid, sig);
    } catch {
      // already gone
    }
  };
  const killOnExit = () => killGroup("SIGKILL");
  process.once("exit", killOnExit);
  let exited = false;
  const exit = new Promise((r) => child.once("exit", r)).then(() => {
    exited = true;
  });
  await new Promise((resolve, reject) => {
    let out = "";
    child.stdout.setEncoding("utf8").on("data", (d) => {
      out += d;
      if (out.includes("ready")) resolve();
    });
    child.once("exit", (code) => reject(new Error(`${prefix} sender exited (${code})`)));
  });
  return {
    jobIds: Array.from({ length: n }, (_, i) => `${prefix}-${i}`),
    pids: () => (exited ? [] : groupPids(child.pid)),
    async stop() {
      if (!exited) child.kill("SIGTERM");
      const timer = setTimeout(() => killGroup("SIGKILL"), stopTimeoutMs);
      await exit;
      clearTimeout(timer);
      killGroup("SIGKILL"); // anything the child left behind
      process.off("exit", killOnExit);
    },
  };
}

/** In the child: `{ receiver, n, prefix, lead }` from its command line. */
export function senderArgs() {
  const { values } = parseArgs({
    options: {
      child: { type: "boolean" },
      receiver: { type: "string" },
      n: { type: "string" },
      prefix: { type: "string" },
      lead: { type: "string", default: "0" },
    },
  });
  return {
    receiver: values.receiver ?? "",
    n: Number(values.n),
    prefix: values.prefix,
    lead: Number(values.lead),
  };
}
