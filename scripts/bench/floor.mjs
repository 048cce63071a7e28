// The floor of fire precision on this machine: N virtual jobs in one Node process,
// one setTimeout aligned to each second boundary, and at each boundary one request
// per job to the benchmark receiver with the same headers crondo sends (X-Cron-Id,
// X-Cron-Run-Id, X-Cron-Scheduled-At). No scheduler, no storage: what is left is the
// timer's own lateness, Node's HTTP client and the receiver, on this machine.
//
// It runs in a child process of its own (scripts/bench/sender.mjs):
//   node scripts/bench/floor.mjs --child --receiver http://127.0.0.1:P --n 100
// fires from the next second boundary until SIGTERM. `startFloor()` spawns it.
import { fileURLToPath } from "node:url";
import { senderArgs, spawnSender } from "./sender.mjs";

const SELF = fileURLToPath(import.meta.url);

/** Starts the floor sender for `n` virtual jobs; resolves once it is running. */
export const startFloor = ({ receiverUrl, n }) =>
  spawnSender(SELF, { receiverUrl, n, prefix: "floor" });

async function childMain() {
  const { receiver: base, n } = senderArgs();
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
