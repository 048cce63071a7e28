// The jobs page's success figures (cron.list `summary.success`, src/store/stats.ts
// recentRuns): each job's newest `window` runs only, from the shard that holds them, in
// one statement per shard.
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { historyShards } from "../../src/env";
import { recentRuns } from "../../src/store/stats";

async function insertRuns(db: D1Database, cronId: string, states: string[]) {
  await db.batch(
    states.map((state, i) =>
      db
        .prepare(
          "INSERT INTO runs (run_id, cron_id, tenant_id, trigger, state, created_at) VALUES (?, ?, 't', 'schedule', ?, 0)",
        )
        .bind(`run_${cronId}_${String(i).padStart(5, "0")}`, cronId, state),
    ),
  );
}

describe("recentRuns", () => {
  it("counts each job's newest runs only, in the shard that has them", async () => {
    const shards = historyShards(env);
    expect(shards.length).toBeGreaterThan(1);
    // 150 runs: the oldest 50 failed, then 100 alternating (newest last).
    const long = [
      ...Array(50).fill("failed"),
      ...Array.from({ length: 100 }, (_, i) => (i % 2 ? "succeeded" : "failed")),
    ];
    await insertRuns(shards[0]!.db, "cron_recent_a", long);
    await insertRuns(shards[1]!.db, "cron_recent_b", ["succeeded", "skipped", "running"]);
    const got = await recentRuns(shards, ["cron_recent_a", "cron_recent_b", "cron_none"], 100);
    expect(got.get("cron_recent_a")).toEqual({ runs: 100, succeeded: 50, failed: 50 });
    expect(got.get("cron_recent_b")).toEqual({ runs: 3, succeeded: 1, failed: 0 });
    expect(got.get("cron_none")).toEqual({ runs: 0, succeeded: 0, failed: 0 });
    expect((await recentRuns(shards, ["cron_recent_a"], 10)).get("cron_recent_a")).toEqual({
      runs: 10,
      succeeded: 5,
      failed: 5,
    });
    expect((await recentRuns(shards, [], 100)).size).toBe(0);
  });
});
