// Shared helpers of the benchmark scripts: machine description, percentiles,
// Markdown tables, and the section writer of BENCHMARKS.md.
import { existsSync, readFileSync } from "node:fs";
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { cpus, loadavg, totalmem } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** Repository root (this file is scripts/bench/lib.mjs). */
export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const BENCHMARKS_FILE = join(ROOT, "BENCHMARKS.md");

const BENCHMARKS_HEADER = `# crondo benchmarks

Measured on a developer machine with the scripts in \`scripts/bench/\`. Each section
is written by the script named in it, between HTML comment markers named after the
section; rerun the script to refresh its section. Numbers are local (workerd, local D1 = SQLite),
not Cloudflare's edge: they compare algorithms and query plans, not production latency.
`;

function packageVersion(name) {
  const file = join(ROOT, "node_modules", name, "package.json");
  if (!existsSync(file)) return null;
  try {
    return JSON.parse(readFileSync(file, "utf8")).version ?? null;
  } catch {
    return null;
  }
}

/** `--var NAME=value …` of a benchmark's command line, as wrangler dev `vars`. */
export function parseVars(list) {
  return Object.fromEntries(
    list.map((kv) => {
      const i = kv.indexOf("=");
      if (i < 1) throw new Error(`--var wants NAME=value, got "${kv}"`);
      return [kv.slice(0, i), kv.slice(i + 1)];
    }),
  );
}

/** What the numbers were measured on. */
export function machineInfo() {
  const list = cpus();
  return {
    cores: list.length,
    cpuModel: (list[0]?.model ?? "unknown").replace(/\s+/g, " ").trim(),
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    platform: `${process.platform} ${process.arch}`,
    node: process.versions.node,
    wrangler: packageVersion("wrangler"),
    miniflare: packageVersion("miniflare"),
    date: new Date().toISOString().slice(0, 10),
    /** 1-minute load average when measured: other work on the machine skews numbers. */
    load: Math.round(loadavg()[0] * 100) / 100,
  };
}

/** One Markdown line describing `machineInfo()`. */
export function machineLine(info = machineInfo()) {
  const tools = [`Node ${info.node}`];
  if (info.wrangler) tools.push(`wrangler ${info.wrangler}`);
  if (info.miniflare) tools.push(`miniflare ${info.miniflare}`);
  const load = info.load === undefined ? "" : ` (load average ${info.load} at start)`;
  return `${info.cores} × ${info.cpuModel}, ${info.memoryGiB} GiB RAM, ${info.platform}; ${tools.join(", ")}; ${info.date}${load}`;
}

/** Nearest-rank percentile (p in 0..100) of a list of numbers. */
export function percentile(values, p) {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

/** p50 / p95 / min / max / mean of a list of numbers. */
export function summarize(values) {
  const mean = values.reduce((a, b) => a + b, 0) / (values.length || 1);
  return {
    n: values.length,
    p50: percentile(values, 50),
    p95: percentile(values, 95),
    min: Math.min(...values),
    max: Math.max(...values),
    mean,
  };
}

/** Number with thousands separators (1,000,000). */
export const int = (n) => Math.round(n).toLocaleString("en-US");

/** Fixed decimals, for milliseconds and ratios. */
export const fixed = (n, digits = 2) => (Number.isFinite(n) ? n.toFixed(digits) : "–");

/**
 * A Markdown table. `align` holds "l" or "r" per column (default: left for the
 * first column, right for the others).
 */
export function mdTable(headers, rows, align) {
  const al = align ?? headers.map((_, i) => (i === 0 ? "l" : "r"));
  const cell = (v) => String(v ?? "").replace(/\|/g, "\\|");
  return [
    `| ${headers.map(cell).join(" | ")} |`,
    `|${al.map((a) => (a === "r" ? "---:" : "---")).join("|")}|`,
    ...rows.map((r) => `| ${r.map(cell).join(" | ")} |`),
  ].join("\n");
}

/**
 * Replaces the section `<!-- bench:<id> -->` … `<!-- /bench:<id> -->` of `file`
 * with `markdown` (markers included), or appends it; creates the file with a
 * short header when it does not exist.
 */
export async function writeSection(file, id, markdown) {
  const open = `<!-- bench:${id} -->`;
  const close = `<!-- /bench:${id} -->`;
  const block = `${open}\n${markdown.trim()}\n${close}`;
  let text = existsSync(file) ? await readFile(file, "utf8") : BENCHMARKS_HEADER;
  const start = text.indexOf(open);
  const end = start === -1 ? -1 : text.indexOf(close, start);
  if (start !== -1 && end !== -1) {
    text = text.slice(0, start) + block + text.slice(end + close.length);
  } else {
    text = `${text.trimEnd()}\n\n${block}\n`;
  }
  await writeFile(file, text.endsWith("\n") ? text : `${text}\n`);
}

/**
 * crondo's PRE_ARM_MS (how early a job's alarm is set before its slot), read from
 * src/object/job-object.ts so that the benchmarks describe the code they measure;
 * null when it is not found.
 */
export function crondoPreArmMs() {
  try {
    const src = readFileSync(join(ROOT, "src", "object", "job-object.ts"), "utf8");
    const m = /export const PRE_ARM_MS = (\d[\d_]*)/.exec(src);
    return m ? Number(m[1].replace(/_/g, "")) : null;
  } catch {
    return null;
  }
}

/**
 * A Miniflare (the workerd that wrangler dev runs) from classic options, ready.
 * Miniflare 5 takes a new option shape; it converts the classic (v4) one.
 */
export async function startMiniflare(options) {
  let mod;
  try {
    mod = await import("miniflare");
  } catch (e) {
    throw new Error(
      `miniflare is not resolvable from ${ROOT} (it is a dependency of wrangler): ${e.message}`,
    );
  }
  const mf = new mod.Miniflare(
    mod.convertV4MiniflareOptions ? mod.convertV4MiniflareOptions(options) : options,
  );
  await mf.ready;
  return mf;
}

/**
 * The statements of a migration file, comments removed: split at ";" except inside a
 * CREATE TRIGGER … BEGIN … END (whose body holds statements of its own).
 */
export function sqlStatements(sql) {
  const text = sql
    .split("\n")
    .map((l) => l.replace(/--.*$/, ""))
    .join("\n");
  const out = [];
  let pending = null;
  for (const raw of text.split(";")) {
    const s = raw.trim();
    if (pending !== null) {
      pending += `;${raw}`;
      if (/\bEND$/i.test(s)) {
        out.push(pending.trim());
        pending = null;
      }
    } else if (/^CREATE\s+TRIGGER\b/i.test(s) && !/\bEND$/i.test(s)) {
      pending = raw;
    } else if (s) {
      out.push(s);
    }
  }
  if (pending !== null) throw new Error("unterminated CREATE TRIGGER (no END)");
  return out;
}

/**
 * Bundles scripts/bench/<name>.ts for workerd into `outfile` (default
 * .wrangler/bench/<name>.mjs); its path.
 */
export async function bundleBenchWorker(
  name,
  outfile = join(ROOT, ".wrangler", "bench", `${name}.mjs`),
) {
  const { build } = await import("esbuild");
  await mkdir(dirname(outfile), { recursive: true });
  await build({
    entryPoints: [join(ROOT, "scripts", "bench", `${name}.ts`)],
    bundle: true,
    format: "esm",
    platform: "neutral",
    target: "es2022",
    mainFields: ["module", "main"],
    conditions: ["workerd", "worker", "browser"],
    external: ["cloudflare:*", "node:*"],
    outfile,
    logLevel: "warning",
  });
  return outfile;
}

/** The statements of migrations/*.sql, in file order, comments removed (sqlStatements). */
export async function migrationStatements() {
  const dir = join(ROOT, "migrations");
  const files = (await readdir(dir)).filter((f) => f.endsWith(".sql")).sort();
  const out = [];
  for (const f of files) {
    out.push({ file: f, statements: sqlStatements(await readFile(join(dir, f), "utf8")) });
  }
  return out;
}
