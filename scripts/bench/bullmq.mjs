// The BullMQ side of the fire-precision benchmark: Debian's redis-server on a free
// port of 127.0.0.1 (no persistence), N job schedulers with the pattern
// `* * * * * *` (every second, all on the same boundary, as crondo's jobs), and a
// BullMQ Worker in a child process of its own whose processor sends the same request
// to the same receiver as crondo does (X-Cron-Id = scheduler id, X-Cron-Run-Id =
// job id, X-Cron-Scheduled-At = the slot).
//
// The slot: a scheduler's job for the fire time T has the id `repeat:<scheduler>:<T>`
// and `job.opts.prevMillis === T` (BullMQ's JobScheduler.getNextJobOpts sets
// `prevMillis: nextMillis` and `delay: nextMillis - now`; `job.timestamp` is when the
// job was *created*, i.e. while the previous iteration was being picked up, so it
// is not the fire time). The processor uses `opts.prevMillis` and checks it against
// the millis in the job id; a mismatch is counted and reported.
//
//   node scripts/bench/bullmq.mjs --worker --redis-port P --queue Q --receiver URL --concurrency C
// is the worker child (stops on SIGTERM). `startRedis()` / `startBullmq()` are the API.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { freePort, pool } from "./crondo-dev.mjs";

const SELF = fileURLToPath(import.meta.url);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** redis-server on a free port of 127.0.0.1, without persistence. */
export async function startRedis({ log = () => {} } = {}) {
  const port = await freePort();
  const child = spawn(
    "redis-server",
    [
      "--port",
      String(port),
      "--bind",
      "127.0.0.1",
      "--save",
      "",
      "--appendonly",
      "no",
      "--protected-mode",
      "yes",
      "--daemonize",
      "no",
      "--loglevel",
      "warning",
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  const killOnExit = () => child.kill("SIGKILL");
  process.once("exit", killOnExit);
  let exited = false;
  let output = "";
  const exit = new Promise((r) => child.once("exit", r)).then(() => {
    exited = true;
  });
  child.stdout.setEncoding("utf8").on("data", (d) => {
    output += d;
  });
  child.stderr.setEncoding("utf8").on("data", (d) => {
    output += d;
  });
  child.once("error", (e) => {
    output += `\n${e.message}`;
  });
  const { Redis } = await import("ioredis");
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (exited) throw new Error(`redis-server exited:\n${output}`);
    const client = new Redis({ port, host: "127.0.0.1", lazyConnect: true, retryStrategy: null });
    client.on("error", () => {});
    try {
      await client.connect();
      const pong = await client.ping();
      const info = await client.info("server");
      client.disconnect();
      if (pong === "PONG") {
        const version = /redis_version:(\S+)/.exec(info)?.[1] ?? "?";
        log(`redis-server ${version} on 127.0.0.1:${port} (pid ${child.pid})`);
        return {
          port,
          pid: child.pid,
          version,
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
    } catch {
      client.disconnect();
    }
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`redis-server did not answer within 10 s:\n${output}`);
    }
    await sleep(100);
  }
}

/**
 * N job schedulers on a new queue and a Worker child with `concurrency`; resolves
 * when the worker is ready and every scheduler exists. `stop()` removes the
 * schedulers, stops the worker and obliterates the queue.
 */
export async function startBullmq({
  redisPort,
  receiverUrl,
  n,
  concurrency = n,
  pattern = "* * * * * *",
  log = () => {},
}) {
  const { Queue } = await import("bullmq");
  const queueName = `bench-${n}-${Date.now()}`;
  const connection = { host: "127.0.0.1", port: redisPort };
  const queue = new Queue(queueName, { connection });
  queue.on("error", (e) => log(`queue error: ${e.message}`));

  const child = spawn(
    process.execPath,
    [
      SELF,
      "--worker",
      "--redis-port",
      String(redisPort),
      "--queue",
      queueName,
      "--receiver",
      receiverUrl,
      "--concurrency",
      String(concurrency),
    ],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  const killOnExit = () => child.kill("SIGKILL");
  process.once("exit", killOnExit);
  let exited = false;
  let stats = null;
  let out = "";
  const exit = new Promise((r) => child.once("exit", r)).then(() => {
    exited = true;
  });
  const ready = new Promise((resolve, reject) => {
    child.stdout.setEncoding("utf8").on("data", (d) => {
      out += d;
      if (out.includes("ready\n")) resolve();
      const m = /stats (\{.*\})\n/.exec(out);
      if (m) stats = JSON.parse(m[1]);
    });
    child.once("exit", (code) => reject(new Error(`BullMQ worker exited (${code})`)));
  });

  const stop = async () => {
    await pool(n, 16, (i) => queue.removeJobScheduler(`sched-${i}`).catch(() => {}));
    if (!exited) child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
    await exit;
    clearTimeout(timer);
    process.off("exit", killOnExit);
    await queue.obliterate({ force: true }).catch((e) => log(`obliterate: ${e.message}`));
    await queue.close();
  };

  try {
    await ready;
    const t0 = performance.now();
    await pool(n, 16, (i) =>
      queue.upsertJobScheduler(
        `sched-${i}`,
        { pattern },
        { name: "tick", data: { i }, opts: { removeOnComplete: true, removeOnFail: true } },
      ),
    );
    const setupMs = performance.now() - t0;
    return {
      queueName,
      jobIds: Array.from({ length: n }, (_, i) => `sched-${i}`),
      setupMs,
      pids: () => (exited ? [] : [child.pid]),
      /** What the worker counted (after stop()): processed, failed, slot mismatches. */
      workerStats: () => stats,
      stop,
    };
  } catch (e) {
    await stop().catch(() => {});
    throw e;
  }
}

async function workerMain() {
  const { values } = parseArgs({
    options: {
      worker: { type: "boolean" },
      "redis-port": { type: "string" },
      queue: { type: "string" },
      receiver: { type: "string" },
      concurrency: { type: "string" },
    },
  });
  const { Worker } = await import("bullmq");
  const base = values.receiver;
  const stats = { processed: 0, failed: 0, slotMismatch: 0, noPrevMillis: 0 };
  const worker = new Worker(
    values.queue,
    async (job) => {
      const fromId = Number(String(job.id).split(":").pop());
      let slot = job.opts.prevMillis;
      if (typeof slot !== "number") {
        stats.noPrevMillis++;
        slot = fromId;
      } else if (slot !== fromId) stats.slotMismatch++;
      const res = await fetch(`${base}/bullmq/${job.repeatJobKey}`, {
        method: "POST",
        headers: {
          "X-Cron-Id": job.repeatJobKey ?? "",
          "X-Cron-Run-Id": String(job.id),
          "X-Cron-Scheduled-At": new Date(slot).toISOString(),
          "X-Cron-Attempt": String(job.attemptsMade + 1),
        },
      });
      await res.arrayBuffer();
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      stats.processed++;
    },
    {
      connection: { host: "127.0.0.1", port: Number(values["redis-port"]) },
      concurrency: Number(values.concurrency),
    },
  );
  worker.on("failed", () => stats.failed++);
  worker.on("error", (e) => console.error(`[bullmq worker] ${e.message}`));
  process.on("SIGTERM", async () => {
    await worker.close().catch(() => {});
    process.stdout.write(`stats ${JSON.stringify(stats)}\n`, () => process.exit(0));
  });
  await worker.waitUntilReady();
  process.stdout.write("ready\n");
}

if (process.argv.includes("--worker") && process.argv[1] === SELF) await workerMain();
