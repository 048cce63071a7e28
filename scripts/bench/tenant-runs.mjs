// Tenant-wide runs list benchmark (SPEC §11, issue 16): GET /v1/cron/runs/list pages
// through 10,000 runs of 100 jobs newest first with a stable cursor. crondo's real query
// (src/store/run-queries.ts) runs in a bench Worker (scripts/bench/tenant-runs-worker.ts)
// on Miniflare/workerd against a real local D1 with the project's migrations; no mocks.
// Figures: p50/p95 of the first page and of deep pages (and with a state filter), the
// query plan (it must read the index runs_by_tenant, not scan and sort), and a walk of
// every page while new runs arrive at the top (each run once, in order).
//
//   node scripts/bench/tenant-runs.mjs [--runs 10000] [--jobs 100] [--reps 30] [--group 10]
//                                      [--no-write]
//
// Writes the `tenant-runs` section of BENCHMARKS.md (unless --no-write); also run by
// `npm run bench -- --only tenantruns`.
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { parseArgs } from "node:util";
import {
  BENCHMARKS_FILE,
  bundleBenchWorker,
  fixed,
  int,
  machineInfo,
  machineLine,
  mdTable,
  ROOT,
  startMiniflare,
  summarize,
  writeSection,
} from "./lib.mjs";

const PAGE = 20; // the list's default limit
const TENANT = "tenant_bench";

export async function run(opts = {}) {
  const cfg = {
    runs: Number(opts.runs ?? 10_000),
    jobs: Number(opts.jobs ?? 100),
    reps: Number(opts.reps ?? 30),
    group: Number(opts.group ?? 10),
  };
  const say = opts.log ?? ((m) => console.error(`[tenant-runs] ${m}`));
  const info = machineInfo();
  const outfile = await bundleBenchWorker("tenant-runs-worker");
  const persist = await mkdtemp(join(tmpdir(), "crondo-tenant-runs-"));
  const mf = await startMiniflare({
    modules: true,
    scriptPath: outfile,
    modulesRoot: dirname(outfile),
    compatibilityDate: "2026-11-01",
    d1Databases: { DB: "crondo-bench" },
    resourcePersistencePath: persist,
  });
  const call = async (op, body = {}) => {
    const res = await mf.dispatchFetch(`http://bench.local/${op}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    const json = await res.json();
    if (!res.ok) throw new Error(`${op}: ${json.error}\n${json.stack ?? ""}`);
    return json;
  };
  try {
    const dir = join(ROOT, "migrations");
    for (const f of (await readdir(dir)).filter((n) => n.endsWith(".sql")).sort()) {
      const sql = (await readFile(join(dir, f), "utf8"))
        .split("\n")
        .map((l) => l.replace(/--.*$/, ""))
        .join("\n");
      const statements = sql
        .split(";")
        .map((s) => s.trim())
        .filter(Boolean);
      await call("exec", { statements });
    }
    const end = Date.now() - 60_000;
    say(`seeding ${int(cfg.runs)} runs over ${cfg.jobs} jobs`);
    const seeded = await call("seed", { tenant: TENANT, jobs: cfg.jobs, runs: cfg.runs, end });
    // Another tenant's runs in the same table (they must not slow this tenant's pages).
    await call("seed", { tenant: "tenant_other", jobs: 10, runs: cfg.runs, end });
    const depths = [0, 1000, cfg.runs / 2, cfg.runs - PAGE];
    say(`pages at depths ${depths.join(", ")}`);
    const all = await call("pages", {
      tenant: TENANT,
      depths,
      limit: PAGE,
      reps: cfg.reps,
      group: cfg.group,
    });
    const failedTotal = Math.floor(cfg.runs / 5);
    const failedDepths = [0, failedTotal - PAGE];
    const failed = await call("pages", {
      tenant: TENANT,
      depths: failedDepths,
      limit: PAGE,
      reps: cfg.reps,
      group: cfg.group,
      state: "failed",
    });
    const plans = [
      await call("plan", { tenant: TENANT }),
      await call("plan", { tenant: TENANT, state: "failed", after: "run_Z" }),
    ];
    say("walking every page while runs arrive");
    const walk = await call("walk", { tenant: TENANT, limit: 100, end });
    const rowsOf = (list, label) => {
      const first = summarize(list[0].samples);
      return list.map((t) => {
        const s = summarize(t.samples);
        return {
          label,
          depth: t.depth,
          ok: t.ok,
          p50: s.p50,
          p95: s.p95,
          ratio: s.p50 / first.p50,
        };
      });
    };
    const rows = [...rowsOf(all, "all runs"), ...rowsOf(failed, "state=failed")];
    const worst = Math.max(...rows.map((r) => r.ratio));
    const scans = plans
      .flatMap((p) => p.plan)
      .filter((d) => /TEMP B-TREE/.test(d) || (/^SCAN /.test(d) && !/INDEX/.test(d)));
    const command = `node scripts/bench/tenant-runs.mjs${opts.argv?.length ? ` ${opts.argv.join(" ")}` : ""}`;
    const md = [
      "## Tenant-wide runs list: 10,000 runs of 100 jobs, newest first (issue 16)",
      "",
      `Command: \`${command}\` (also \`npm run bench -- --only tenantruns\`). Machine: ${machineLine(info)}.`,
      "",
      `crondo's real \`listTenantRuns\` (GET /v1/cron/runs/list, src/store/run-queries.ts) in a bench Worker on workerd against a local D1 with the project's migrations: ${int(cfg.runs)} runs of one tenant over ${cfg.jobs} jobs (one a second, 20 % failed), plus ${int(cfg.runs)} runs of another tenant in the same table; seeded through crondo's own \`upsertRunStatement\` in ${fixed(seeded.ms / 1000, 1)} s. Pages of ${PAGE} (the default limit); each figure is the per-call time (inside the Worker, so the D1 hop included, HTTP excluded) over ${cfg.reps} samples of ${cfg.group} calls.`,
      "",
      mdTable(
        ["runs", "page at depth", "p50 ms", "p95 ms", "p50 / first page", "page correct"],
        rows.map((r) => [
          r.label,
          int(r.depth),
          fixed(r.p50, 2),
          fixed(r.p95, 2),
          fixed(r.ratio, 2),
          r.ok ? "yes" : "**no**",
        ]),
        ["l", "r", "r", "r", "r", "l"],
      ),
      "",
      `Deep page within 2× of the first: **${worst <= 2 ? "met" : "not met"}** — worst p50 ratio ${fixed(worst, 2)}. The query reads the index of migration 0006 from the cursor on (keyset paging on run_id, a ULID), so a deep page costs what the first does:`,
      "",
      "```",
      ...plans.flatMap((p) => [p.sql.replace(/\s+/g, " "), ...p.plan.map((d) => `  ${d}`)]),
      "```",
      "",
      scans.length
        ? `**Plan problems:** ${scans.join("; ")}`
        : "No table scan and no temporary sort in either plan.",
      "",
      `Stable cursor: a walk of every page (limit 100) while a new run arrives at the top after each page returned ${int(walk.rows)} runs in ${walk.pages} pages (${int(walk.unique)} distinct, ${walk.ordered ? "strictly newest first" : "**out of order**"}) in ${int(walk.ms)} ms: ${walk.rows === cfg.runs && walk.unique === cfg.runs && walk.ordered ? "each run that existed at the start exactly once, none of the new ones" : "**not each run once**"}.`,
      "",
    ].join("\n");
    return { md, worst, walk, rows };
  } finally {
    await mf.dispose();
    await rm(persist, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: {
      runs: { type: "string" },
      jobs: { type: "string" },
      reps: { type: "string" },
      group: { type: "string" },
      "no-write": { type: "boolean", default: false },
    },
  });
  const res = await run({ ...values, argv: process.argv.slice(2) });
  if (values["no-write"]) console.log(res.md);
  else {
    await writeSection(BENCHMARKS_FILE, "tenant-runs", res.md);
    console.log(res.md);
  }
}
