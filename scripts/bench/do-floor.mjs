// The workerd floor: N virtual jobs as Durable Objects whose alarm persists the slot,
// arms the next one and calls the receiver (scripts/bench/do-floor-worker.js), on
// Miniflare's workerd with SQLite-backed objects persisted on disk like crondo's.
// Beside crondo it shows what any scheduler built on local Durable Object alarms
// pays on this machine before its own code runs.
//
// `lead` > 0 is the floor of early wake (crondo's pre-armed firing): woken `lead` ms
// before the slot, persist and re-arm, then a timer until the slot, then send.
//
// It runs in a child process group of its own (scripts/bench/sender.mjs: node + the
// workerd it spawns):
//   node scripts/bench/do-floor.mjs --child --receiver http://127.0.0.1:P --n 100 [--lead 300]
// fires from the next second boundary until SIGTERM. `startDoFloor()` spawns it.
import { rmSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { startMiniflare } from "./lib.mjs";
import { senderArgs, spawnSender } from "./sender.mjs";

const SELF = fileURLToPath(import.meta.url);
const WORKER = join(dirname(SELF), "do-floor-worker.js");

/**
 * Starts the workerd floor for `n` virtual jobs (named `<prefix>-i`, sending to
 * `/<prefix>/…` of the receiver); resolves once their first alarms are set.
 */
export const startDoFloor = ({ receiverUrl, n, lead = 0, prefix = "dofloor" }) =>
  spawnSender(SELF, { receiverUrl, n, prefix, lead, stopTimeoutMs: 15_000 });

async function childMain() {
  const { receiver, n, prefix = "dofloor", lead } = senderArgs();
  const state = await mkdtemp(join(tmpdir(), "crondo-bench-dofloor-"));
  // On "exit", not in the SIGTERM handler: Miniflare's own signal handling may end
  // the process first.
  process.once("exit", () => rmSync(state, { recursive: true, force: true }));
  const mf = await startMiniflare({
    modules: true,
    scriptPath: WORKER,
    compatibilityDate: "2026-11-01",
    durableObjects: { JOB: { className: "FloorJob", useSQLite: true } },
    resourcePersistencePath: state,
    handleStructuredLogs: () => {},
  });
  const call = async (op) => {
    const q = `n=${n}&prefix=${prefix}&lead=${lead}&target=${encodeURIComponent(receiver)}`;
    const res = await mf.dispatchFetch(`http://floor.local/${op}?${q}`, { method: "POST" });
    const text = await res.text();
    if (!res.ok) throw new Error(`${op}: HTTP ${res.status}: ${text.slice(0, 300)}`);
  };
  await call("begin");
  process.stdout.write("ready\n");
  process.once("SIGTERM", async () => {
    try {
      await call("end");
      await mf.dispose();
    } finally {
      process.exit(0);
    }
  });
}

if (process.argv.includes("--child")) await childMain();
