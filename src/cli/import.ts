// `crondo import crontab FILE`: the jobs of src/cli/crontab.ts, created once. Each job's
// name carries a hash of what its line means (schedule, zone, request, and which
// occurrence of an identical line it is), and its idempotency key is that hash: a
// re-run within 24 h replays the first answers, and after that the names already
// present are skipped, so an import never creates a job twice.
import { CrondoError, type CronRecord } from "../client";
import { sha256Hex } from "../lib/crypto";
import { canonicalTimeZone } from "../schedule";
import { UsageError } from "./args";
import type { Context } from "./context";
import { type ImportedLine, parseCrontab } from "./crontab";
import { table } from "./format";

export const NAME_PREFIX = "crontab ";

interface Planned {
  line: number;
  text: string;
  job: ImportedLine["job"] & { name: string };
  idempotency_key: string;
}

async function plan(lines: ImportedLine[]): Promise<Planned[]> {
  const seen = new Map<string, number>();
  const out: Planned[] = [];
  for (const l of lines) {
    const meaning = JSON.stringify(l.job);
    const occurrence = (seen.get(meaning) ?? 0) + 1;
    seen.set(meaning, occurrence);
    const hash = await sha256Hex(`${meaning}#${occurrence}`);
    const u = new URL(l.job.url);
    const name = `${NAME_PREFIX}${hash.slice(0, 10)} ${l.job.method} ${u.host}${u.pathname}`.slice(
      0,
      200,
    );
    out.push({
      line: l.line,
      text: l.text,
      job: { name, ...l.job },
      idempotency_key: `crontab-import-${hash.slice(0, 40)}`,
    });
  }
  return out;
}

async function existingByName(ctx: Context): Promise<Map<string, CronRecord>> {
  const byName = new Map<string, CronRecord>();
  let cursor: string | undefined;
  do {
    const page = await ctx.client().list({ limit: 100, cursor });
    for (const j of page.items) if (j.name.startsWith(NAME_PREFIX)) byName.set(j.name, j);
    cursor = page.next_cursor ?? undefined;
  } while (cursor);
  return byName;
}

export async function importCrontab(ctx: Context, file: string): Promise<number> {
  const zone = (ctx.args.values.timezone as string | undefined) ?? "UTC";
  const timezone = canonicalTimeZone(zone);
  if (timezone === null) throw new UsageError(`--timezone: unknown time zone "${zone}"`);
  const lines = parseCrontab(await ctx.readFile(file), timezone);
  const refused = lines.filter((l) => l.kind !== "job");
  // A malformed line means the file is not what it seems: import nothing, and say only that.
  const malformed = refused.filter((r) => r.kind === "malformed");
  for (const r of malformed)
    ctx.io.err(`crondo: ${file}:${r.line}: malformed: ${r.reason}; nothing imported`);
  if (malformed.length > 0) return 1;
  for (const r of refused) ctx.io.err(`crondo: ${file}:${r.line}: not imported: ${r.reason}`);
  const planned = await plan(lines.filter((l): l is ImportedLine => l.kind === "job"));
  const refusedOut = refused.map(({ line, kind, reason, text }) => ({ line, kind, reason, text }));

  if (ctx.args.values["dry-run"]) {
    if (ctx.io.json) ctx.io.out(JSON.stringify({ jobs: planned, refused: refusedOut }, null, 2));
    else
      ctx.io.out(
        planned.length
          ? table(
              ["LINE", "SCHEDULE", "TZ", "METHOD", "URL", "BODY"],
              planned.map((p) => [
                p.line,
                p.job.schedule,
                p.job.timezone,
                p.job.method,
                p.job.url,
                p.job.payload === undefined ? null : JSON.stringify(p.job.payload),
              ]),
            )
          : "no importable lines",
      );
    return refused.length ? 6 : 0;
  }

  const existing = planned.length ? await existingByName(ctx) : new Map<string, CronRecord>();
  const results: {
    line: number;
    result: string;
    cron_id: string | null;
    name: string;
    error?: string;
  }[] = [];
  let failed = 0;
  for (const p of planned) {
    const known = existing.get(p.job.name);
    if (known) {
      results.push({ line: p.line, result: "exists", cron_id: known.cron_id, name: p.job.name });
      continue;
    }
    try {
      const job = await ctx.client().create(p.job, { idempotencyKey: p.idempotency_key });
      results.push({
        line: p.line,
        result: ctx.lastReplayed() ? "exists" : "created",
        cron_id: job.cron_id,
        name: p.job.name,
      });
    } catch (err) {
      // The server's word on one line (a guarded URL, a bad field): report it, go on. A
      // refused key, a quota, a rate limit or a server fault ends the import.
      if (!(err instanceof CrondoError) || (err.status !== 400 && err.status !== 409)) throw err;
      failed++;
      ctx.io.err(`crondo: ${file}:${p.line}: not imported: crondo answered ${err.message}`);
      results.push({
        line: p.line,
        result: "refused",
        cron_id: null,
        name: p.job.name,
        error: err.message,
      });
    }
  }
  if (ctx.io.json) ctx.io.out(JSON.stringify({ jobs: results, refused: refusedOut }, null, 2));
  else
    ctx.io.out(
      results.length
        ? table(
            ["LINE", "RESULT", "CRON ID", "NAME"],
            results.map((r) => [r.line, r.result, r.cron_id, r.name]),
          )
        : "no importable lines",
    );
  return refused.length || failed ? 6 : 0;
}
