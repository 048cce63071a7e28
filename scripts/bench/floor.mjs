// The floor of fire precision on this machine: N virtual jobs in one Node process,
// one setTimeout aligned to each second boundary, and at each boundary one request
// per job to the benchmark receiver with the same headers crondo sends (X-Cron-Id,
// X-Cron-Run-Id, X-Cron-Scheduled-At). No scheduler, no storage: what is left is the
// timer's own lateness, Node's HTTP client and the receiver, on this machine.
//
// It runs in a child process of its own (so its CPU time is its own and the
// receiver's event loop is not the sender's):
//   node scripts/bench/floor.mjs --child --receiver http://127.0.0.1:P --n 100
// fires from the next second boundary until SIGTERM. `startFloor()` spawns it.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const SELF = fileURLToPath(import.meta.url);

/** Starts the floor sender for `n` virtual jobs; resolves once it is running. */
export async function startFloor({ receiverUrl, n }) {
  const child = spawn(
    process.execPath,
    [SELF, "--child", "--receiver", receiverUrl, "--n", String(n)],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  const killOnExit = () => child.kill("SIGKILL");
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
    child.once("exit", (code) => reject(new Error(`floor sender exited (${code})`)));
  });
  return {
    jobIds: Array.from({ length: n }, (_, i) => `floor-${i}`),
    pids: () => (exited ? [] : [child.pid]),
    async stop() {
      if (!exited) child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
      await exit;
      clearTimeout(timer);
      process.off("exit", killOnExit);
    },
  };
}

async function childMain() {
  const { values } = parseArgs({
    options: {
      child: { type: "boolean" },
      receiver: { type: "string" },
      n: { type: "string" },
    },
  });
  const n = Number(values.n);
  const base = values.receiver;
  let stopped = false;
  let timer;
  const inflight = new Set();
  const fireOne = (i, slot) => {
    const iso = new Date(slot).toISOString();
    const p = fetch(`${base}/floor/${i}`, {
      method: "POST",
      headers: {
        "X-Cron-Id": `floor-${i}`,
        "X-Cron-Run-Id": `floor-${i}-${slot}`,
        "X-Cron-Scheduled-At": iso,
        "X-Cron-Attempt": "1",
      },
    })
      .then((res) => res.arrayBuffer())
      .catch((e) => console.error(`[floor] ${e.message}`))
      .finally(() => inflight.delete(p));
    inflight.add(p);
  };
  const tick = (slot) => {
    if (stopped) return;
    for (let i = 0; i < n; i++) fireOne(i, slot);
    schedule(slot + 1000);
  };
  const schedule = (slot) => {
    timer = setTimeout(() => tick(slot), Math.max(0, slot - Date.now()));
  };
  process.on("SIGTERM", async () => {
    stopped = true;
    clearTimeout(timer);
    await Promise.allSettled([...inflight]);
    process.exit(0);
  });
  schedule(Math.ceil((Date.now() + 1) / 1000) * 1000);
  process.stdout.write("ready\n");
}

if (process.argv.includes("--child") && process.argv[1] === SELF) await childMain();
