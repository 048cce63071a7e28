import { fileURLToPath } from "node:url";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

const migrations = await readD1Migrations(fileURLToPath(new URL("./migrations", import.meta.url)));

/**
 * End-to-end files that run one at a time after the others: those that measure timing,
 * and pack.test.ts, whose `npm pack` rebuilds dist/package/ under cli.test.ts's feet.
 */
const E2E_ALONE = ["capacity", "core", "crash", "delivery", "overload", "pack", "time-windows"].map(
  (name) => `test/e2e/${name}.test.ts`,
);

/** The Workers runtime of the "worker" projects: real D1, KV, Durable Objects and alarms. */
const workerRuntime = () =>
  cloudflareTest({
    remoteBindings: false,
    wrangler: { configPath: "./wrangler.toml" },
    miniflare: {
      bindings: {
        TEST_MIGRATIONS: migrations,
        ALLOW_PRIVATE_TARGETS: "true",
        // The dead-letter consumer sends a failing message to its queue again at
        // once (wrangler.toml: after 100 retries), so the test of it is short.
        HISTORY_DLQ_MAX_RETRIES: "1",
      },
      // wrangler.toml's history queues with fewer retries: a message reaches the
      // dead-letter queue after 1 + 2 + 4 s of failures instead of ~5 minutes.
      queueConsumers: {
        "crondo-history": {
          maxBatchSize: 100,
          maxBatchTimeout: 1,
          maxRetries: 3,
          deadLetterQueue: "crondo-history-dlq",
        },
        "crondo-history-dlq": { maxBatchSize: 100, maxBatchTimeout: 1, maxRetries: 1 },
      },
      // Test builds only: D1 / queue failures on demand (src/lib/faults.ts).
      kvNamespaces: ["TEST_FAULTS"],
    },
  });

/**
 * Worker files that run alone after the others: delivery-cost.test.ts counts queue
 * messages and storage operations per delivery, which a busy machine shifts (a run that
 * takes longer than 1 s sends its running row apart; seen twice with files beside it).
 */
const WORKER_ALONE = ["test/worker/delivery-cost.test.ts"];

/** What the "worker" and "worker-alone" projects share besides their runtime. */
const workerTest = {
  testTimeout: 30_000,
  setupFiles: ["./test/worker/setup.ts"],
  globalSetup: ["./test/worker/global-setup.ts"],
};

/** What the "e2e" and "e2e-alone" projects share. */
const e2eTest = {
  environment: "node",
  testTimeout: 120_000,
  hookTimeout: 120_000,
} as const;

export default defineConfig({
  test: {
    // Logs (one JSON line per request) are shown for failing tests only.
    silent: "passed-only",
    // Two files at a time (vitest's default on this 2-core machine is one: cores − 1), so
    // the keys CLI test, which mostly waits on its wrangler processes, runs beside the
    // worker projects instead of after them. Files sensitive to a busy machine still run
    // one at a time, alone (worker-alone, e2e-alone).
    maxWorkers: 2,
    projects: [
      {
        // Pure modules (schedule, delivery guard, scheduling core): plain Node, fast.
        test: {
          name: "unit",
          include: ["test/unit/**/*.test.ts"],
          environment: "node",
          sequence: { groupOrder: 0 },
        },
      },
      {
        // The keys CLI driving the real wrangler against a local state: dozens of wrangler
        // processes, minutes of waiting on them. Plain Node like "unit", but run beside the
        // worker projects (same groupOrder) instead of holding the unit group up.
        test: {
          name: "tooling",
          include: ["test/tooling/**/*.test.ts"],
          environment: "node",
          sequence: { groupOrder: 1 },
        },
      },
      {
        // Runtime tests inside workerd with real D1, KV, Durable Objects and alarms.
        plugins: [workerRuntime()],
        test: {
          ...workerTest,
          name: "worker",
          sequence: { groupOrder: 1 },
          include: ["test/worker/**/*.test.ts"],
          exclude: WORKER_ALONE,
        },
      },
      {
        // The same runtime, for the files that count timing-dependent operations: alone,
        // after the worker projects and before the end-to-end ones.
        plugins: [workerRuntime()],
        test: {
          ...workerTest,
          name: "worker-alone",
          sequence: { groupOrder: 2 },
          include: WORKER_ALONE,
          fileParallelism: false,
        },
      },
      {
        // The same runtime with production safety settings: the URL guard on (no
        // ALLOW_PRIVATE_TARGETS), a quota of 5 jobs and a limit of 5 requests a minute per
        // key, so the SSRF, quota and rate-limit tests are cheap. The miniflare options are
        // merged over wrangler.toml's, so JOB_QUOTA and RATE_LIMITER here win.
        plugins: [
          cloudflareTest({
            remoteBindings: false,
            wrangler: { configPath: "./wrangler.toml" },
            miniflare: {
              bindings: { TEST_MIGRATIONS: migrations, JOB_QUOTA: "5" },
              ratelimits: {
                RATE_LIMITER: { namespace_id: "1001", simple: { limit: 5, period: 60 } },
              },
            },
          }),
        ],
        test: {
          name: "worker-guarded",
          testTimeout: 30_000,
          sequence: { groupOrder: 1 },
          include: ["test/worker-guarded/**/*.test.ts"],
          setupFiles: ["./test/worker-guarded/setup.ts"],
          globalSetup: ["./test/worker-guarded/global-setup.ts"],
        },
      },
      {
        // End-to-end: a real `wrangler dev` driven over HTTP with receivers on 127.0.0.1.
        // Two files at a time (none of these asserts timing tighter than tens of seconds).
        // Their two `wrangler dev` run the [build] command (scripts/build-assets.mjs)
        // together, which replaces each file whole (test/tooling/build-assets.test.ts).
        test: {
          ...e2eTest,
          name: "e2e",
          include: ["test/e2e/**/*.test.ts"],
          exclude: E2E_ALONE,
          sequence: { groupOrder: 3 },
        },
      },
      {
        // Timing-sensitive end-to-end tests (fire lag, retries' spacing, the crash, the
        // overload) run last, one at a time, alone on the machine.
        test: {
          ...e2eTest,
          name: "e2e-alone",
          include: E2E_ALONE,
          fileParallelism: false,
          sequence: { groupOrder: 4 },
        },
      },
    ],
  },
});
