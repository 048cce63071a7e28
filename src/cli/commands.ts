// The commands of the `crondo` CLI: each declares its usage, flags and help, and runs
// against src/client. Output goes through `Io` so that tests and the bin share it.
import type {
  CreateJob,
  CronRun,
  HttpMethod,
  JobStatus,
  Page,
  RunState,
  RunTrigger,
  UpdateJob,
} from "../client";
import { type Flags, flagHelp, GLOBAL_FLAGS, int, UsageError } from "./args";
import type { Command, Context } from "./context";
import { jobsTable, keyValues, runsTable } from "./format";
import { importCrontab } from "./import";

const print = (ctx: Context, data: unknown, human: () => string) =>
  ctx.io.out(ctx.io.json ? JSON.stringify(data, null, 2) : human());

const jobFlags: Flags = {
  name: { type: "string", value: "NAME", help: "job name (default: the target's host and path)" },
  schedule: { type: "string", value: "EXPR", help: "cron expression (5 or 6 fields, @daily, …)" },
  "run-at": { type: "string", value: "ISO", help: "one-shot time instead of a schedule" },
  "target-url": { type: "string", value: "URL", help: "the URL crondo calls" },
  method: { type: "string", value: "METHOD", help: "POST (default), GET, PUT, PATCH or DELETE" },
  header: { type: "list", short: "H", value: "'NAME: VALUE'", help: "a header to send" },
  payload: { type: "string", value: "JSON", help: "JSON body sent on every run" },
  timezone: { type: "string", value: "ZONE", help: "IANA time zone (default UTC)" },
  retries: { type: "string", value: "N", help: "retries after a failed attempt (0-10)" },
  "timeout-seconds": { type: "string", value: "N", help: "one attempt's deadline (1-900)" },
  overlap: { type: "string", value: "POLICY", help: "allow, skip, queue, buffer_one or replace" },
  "max-runs": { type: "string", value: "N", help: "complete after this many scheduled runs" },
  "retention-days": { type: "string", value: "N", help: "days of run history kept (0-365)" },
  body: { type: "string", value: "JSON", help: "any other API fields, as a JSON object" },
  "idempotency-key": { type: "string", value: "KEY", help: "makes a retried call safe" },
};

function jobBody(ctx: Context, forCreate: boolean): CreateJob & UpdateJob {
  const v = ctx.args.values as Record<string, string | string[] | boolean | undefined>;
  const s = (k: string) => v[k] as string | undefined;
  const json = (k: string) => {
    const text = s(k);
    if (text === undefined) return undefined;
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new UsageError(`--${k} is not valid JSON`);
    }
  };
  const extra = json("body");
  if (extra !== undefined && (extra === null || typeof extra !== "object" || Array.isArray(extra)))
    throw new UsageError("--body must be a JSON object");
  const headers: Record<string, string> = {};
  for (const h of (v.header as string[] | undefined) ?? []) {
    const colon = h.indexOf(":");
    if (colon <= 0) throw new UsageError(`--header "${h}" is not NAME: VALUE`);
    headers[h.slice(0, colon).trim()] = h.slice(colon + 1).trim();
  }
  const body: Record<string, unknown> = {
    ...(extra as Record<string, unknown> | undefined),
    name: s("name"),
    schedule: s("schedule"),
    run_at: s("run-at"),
    url: s("target-url"),
    method: s("method")?.toUpperCase() as HttpMethod | undefined,
    headers: Object.keys(headers).length ? headers : undefined,
    payload: json("payload"),
    timezone: s("timezone"),
    retries: int(s("retries"), "retries"),
    timeout_seconds: int(s("timeout-seconds"), "timeout-seconds"),
    overlap_policy: s("overlap"),
    max_runs: int(s("max-runs"), "max-runs"),
    retention_days: int(s("retention-days"), "retention-days"),
  };
  if (v.paused) body.enabled = false;
  for (const k of Object.keys(body)) if (body[k] === undefined) delete body[k];
  if (forCreate && body.url === undefined && extra === undefined)
    throw new UsageError("jobs create needs --target-url URL");
  if (!forCreate && Object.keys(body).length === 0)
    throw new UsageError("jobs update needs at least one field to change");
  return body as CreateJob & UpdateJob;
}

const mutation = (ctx: Context) => {
  const key = ctx.args.values["idempotency-key"] as string | undefined;
  return key ? { idempotencyKey: key } : {};
};
const keyFlag: Flags = { "idempotency-key": jobFlags["idempotency-key"]! };
const pos = (ctx: Context, i: number) => ctx.args.positionals[i]!;

const jobAction = (verb: "pause" | "resume", summary: string): Command => ({
  name: `jobs ${verb}`,
  usage: `crondo jobs ${verb} CRON_ID`,
  summary,
  flags: keyFlag,
  positionals: ["CRON_ID"],
  async run(ctx) {
    const job = await ctx.client()[verb](pos(ctx, 0), mutation(ctx));
    print(ctx, job, () => `${job.cron_id} ${job.status} (next run ${job.next_run_at ?? "-"})`);
    return 0;
  },
});

/** The flags of a runs page, and its printing (runs ls, runs all). */
const RUN_PAGE_FLAGS: Flags = {
  state: { type: "string", value: "STATE", help: "succeeded, failed, running, …" },
  limit: { type: "string", value: "N", help: "runs per page (1-100, default 20)" },
  cursor: { type: "string", value: "C", help: "next_cursor of the previous page" },
};
const runPageQuery = (ctx: Context) => {
  const v = ctx.args.values;
  return {
    state: v.state as RunState | undefined,
    limit: int(v.limit as string | undefined, "limit"),
    cursor: v.cursor as string | undefined,
  };
};
/** A page as text: its items, and how to get the next one. */
const pageText = <T>(page: Page<T>, items: (list: T[]) => string, none: string) =>
  page.items.length
    ? items(page.items) + (page.next_cursor ? `\n(more: --cursor ${page.next_cursor})` : "")
    : none;
const printRunPage = (ctx: Context, page: Page<CronRun>) =>
  print(ctx, page, () => pageText(page, runsTable, "no runs"));

const runAction = (verb: "replay" | "cancel", summary: string): Command => ({
  name: `runs ${verb}`,
  usage: `crondo runs ${verb} CRON_ID RUN_ID`,
  summary,
  flags: keyFlag,
  positionals: ["CRON_ID", "RUN_ID"],
  async run(ctx) {
    const run = await ctx.client().runs[verb](pos(ctx, 0), pos(ctx, 1), mutation(ctx));
    print(ctx, run, () => `${run.run_id} ${run.state}`);
    return 0;
  },
});

export const COMMANDS: Command[] = [
  {
    name: "jobs ls",
    usage: "crondo jobs ls [--status STATUS] [--limit N] [--cursor C] [--all]",
    summary: "list jobs, newest first",
    flags: {
      status: { type: "string", value: "STATUS", help: "active, paused or completed" },
      limit: { type: "string", value: "N", help: "jobs per page (1-100, default 20)" },
      cursor: { type: "string", value: "C", help: "next_cursor of the previous page" },
      all: { type: "boolean", help: "every page" },
    },
    positionals: [],
    async run(ctx) {
      const v = ctx.args.values;
      const params = {
        status: v.status as JobStatus | undefined,
        limit: int(v.limit as string | undefined, "limit"),
        cursor: v.cursor as string | undefined,
      };
      const page = await ctx.client().list(params);
      const items = [...page.items];
      let next = page.next_cursor;
      while (v.all && next) {
        const more = await ctx.client().list({ ...params, cursor: next });
        items.push(...more.items);
        next = more.next_cursor;
      }
      print(ctx, { items, next_cursor: next }, () =>
        items.length ? jobsTable(items) + (next ? `\n(more: --cursor ${next})` : "") : "no jobs",
      );
      return 0;
    },
  },
  {
    name: "jobs get",
    usage: "crondo jobs get CRON_ID",
    summary: "show a job's whole record",
    flags: {},
    positionals: ["CRON_ID"],
    async run(ctx) {
      const job = await ctx.client().get(pos(ctx, 0));
      print(ctx, job, () => keyValues(job));
      return 0;
    },
  },
  {
    name: "jobs create",
    usage: "crondo jobs create (--schedule EXPR | --run-at ISO) --target-url URL [options]",
    summary: "create a job",
    flags: { ...jobFlags, paused: { type: "boolean", help: "create it paused" } },
    positionals: [],
    details: "The target URL flag is --target-url, since --url names the crondo server.",
    async run(ctx) {
      const job = await ctx.client().create(jobBody(ctx, true), mutation(ctx));
      print(
        ctx,
        job,
        () =>
          `${ctx.lastReplayed() ? "exists" : "created"} ${job.cron_id} (next run ${job.next_run_at ?? "-"})`,
      );
      return 0;
    },
  },
  {
    name: "jobs update",
    usage: "crondo jobs update CRON_ID [options]",
    summary: "change some fields of a job",
    flags: jobFlags,
    positionals: ["CRON_ID"],
    async run(ctx) {
      const job = await ctx.client().update(pos(ctx, 0), jobBody(ctx, false), mutation(ctx));
      print(ctx, job, () => `updated ${job.cron_id} (next run ${job.next_run_at ?? "-"})`);
      return 0;
    },
  },
  jobAction("pause", "pause a job (runs in progress finish)"),
  jobAction("resume", "resume a paused job (the next fire is computed from now)"),
  {
    name: "jobs trigger",
    usage: "crondo jobs trigger CRON_ID",
    summary: "start a run now",
    flags: keyFlag,
    positionals: ["CRON_ID"],
    async run(ctx) {
      const run = await ctx.client().trigger(pos(ctx, 0), mutation(ctx));
      print(ctx, run, () => `${run.run_id} ${run.state}`);
      return 0;
    },
  },
  {
    name: "jobs rm",
    usage: "crondo jobs rm CRON_ID",
    summary: "delete a job, its alarm and its run history",
    flags: keyFlag,
    positionals: ["CRON_ID"],
    async run(ctx) {
      const res = await ctx.client().delete(pos(ctx, 0), mutation(ctx));
      print(ctx, res, () => `deleted ${res.cron_id}`);
      return 0;
    },
  },
  {
    name: "runs ls",
    usage: "crondo runs ls CRON_ID [--state STATE] [--limit N] [--cursor C]",
    summary: "list a job's runs, newest first",
    flags: RUN_PAGE_FLAGS,
    positionals: ["CRON_ID"],
    async run(ctx) {
      printRunPage(ctx, await ctx.client().runs.list(pos(ctx, 0), runPageQuery(ctx)));
      return 0;
    },
  },
  {
    name: "runs get",
    usage: "crondo runs get CRON_ID RUN_ID",
    summary: "show one run with its attempt log",
    flags: {},
    positionals: ["CRON_ID", "RUN_ID"],
    async run(ctx) {
      const run = await ctx.client().runs.get(pos(ctx, 0), pos(ctx, 1));
      print(ctx, run, () => keyValues(run));
      return 0;
    },
  },
  runAction("replay", "run a finished run again, as a new run (SPEC §11)"),
  runAction("cancel", "cancel a queued, running or retrying run (SPEC §11)"),
  {
    name: "runs replay-many",
    usage: "crondo runs replay-many CRON_ID [--state STATE] [--from ISO] [--to ISO] [--limit N]",
    summary: "replay a job's finished runs of a state in a time range, oldest first",
    flags: {
      ...keyFlag,
      state: {
        type: "string",
        value: "STATE",
        help: "failed (default), succeeded, skipped, cancelled",
      },
      from: { type: "string", value: "ISO", help: "runs whose slot is at or after this instant" },
      to: { type: "string", value: "ISO", help: "runs whose slot is before this instant" },
      limit: { type: "string", value: "N", help: "at most N runs (1-1000, default 100)" },
    },
    positionals: ["CRON_ID"],
    async run(ctx) {
      const v = ctx.args.values;
      const res = await ctx.client().runs.replayMany(
        pos(ctx, 0),
        {
          state: v.state as RunState | undefined,
          from: v.from as string | undefined,
          to: v.to as string | undefined,
          limit: int(v.limit as string | undefined, "limit"),
        },
        mutation(ctx),
      );
      print(ctx, res, () => [`${res.replayed} runs queued for replay`, ...res.run_ids].join("\n"));
      return 0;
    },
  },
  {
    name: "runs all",
    usage:
      "crondo runs all [--state STATE] [--trigger T] [--from ISO] [--to ISO] [--limit N] [--cursor C]",
    summary: "list the runs of all your jobs, newest first",
    flags: {
      ...RUN_PAGE_FLAGS,
      trigger: { type: "string", value: "T", help: "schedule, manual, backfill or replay" },
      from: { type: "string", value: "ISO", help: "runs created at or after this instant" },
      to: { type: "string", value: "ISO", help: "runs created before this instant" },
    },
    positionals: [],
    async run(ctx) {
      const v = ctx.args.values;
      const page = await ctx.client().runs.listAll({
        ...runPageQuery(ctx),
        trigger: v.trigger as RunTrigger | undefined,
        from: v.from as string | undefined,
        to: v.to as string | undefined,
      });
      printRunPage(ctx, page);
      return 0;
    },
  },
  {
    name: "jobs rotate-secret",
    usage: "crondo jobs rotate-secret CRON_ID",
    summary: "a new signing secret; the previous one stays valid for 24 h (SPEC §12)",
    flags: keyFlag,
    positionals: ["CRON_ID"],
    async run(ctx) {
      const job = await ctx.client().rotateSecret(pos(ctx, 0), mutation(ctx));
      print(
        ctx,
        job,
        () =>
          `${job.cron_id} signing_secret ${job.signing_secret} (previous valid until ${job.previous_secret_expires_at})`,
      );
      return 0;
    },
  },
  {
    name: "jobs audit",
    usage: "crondo jobs audit CRON_ID [--limit N] [--cursor C]",
    summary: "who changed a job and how, newest first (SPEC §11)",
    flags: {
      limit: { type: "string", value: "N", help: "entries per page (1-100, default 20)" },
      cursor: { type: "string", value: "C", help: "next_cursor of the previous page" },
    },
    positionals: ["CRON_ID"],
    async run(ctx) {
      const v = ctx.args.values;
      const page = await ctx.client().audit(pos(ctx, 0), {
        limit: int(v.limit as string | undefined, "limit"),
        cursor: v.cursor as string | undefined,
      });
      const line = (e: (typeof page.items)[number]) =>
        `${e.at}  ${e.action.padEnd(13)} ${e.actor.padEnd(16)} ${Object.keys(e.changes).join(", ") || e.subject || ""}`;
      print(ctx, page, () => pageText(page, (items) => items.map(line).join("\n"), "no entries"));
      return 0;
    },
  },
  {
    name: "preview",
    usage: "crondo preview EXPR [--timezone ZONE] [--count N] [--from ISO]",
    summary: "the next fire times of a schedule, and what it means in English",
    flags: {
      timezone: { type: "string", value: "ZONE", help: "IANA time zone (default UTC)" },
      count: { type: "string", value: "N", help: "how many fire times (1-100, default 5)" },
      from: { type: "string", value: "ISO", help: "start from this instant (default now)" },
    },
    positionals: ["EXPR"],
    async run(ctx) {
      const v = ctx.args.values;
      const res = await ctx.client().preview({
        schedule: pos(ctx, 0),
        timezone: v.timezone as string | undefined,
        count: int(v.count as string | undefined, "count"),
        from: v.from as string | undefined,
      });
      print(ctx, res, () => [`${res.description} (${res.timezone})`, ...res.next].join("\n"));
      return 0;
    },
  },
  {
    name: "import crontab",
    usage: "crondo import crontab FILE [--dry-run] [--timezone ZONE]",
    summary: "create a job for every curl/wget line of a crontab (FILE or - for stdin)",
    flags: {
      "dry-run": { type: "boolean", help: "print the mapping; contact no server" },
      timezone: {
        type: "string",
        value: "ZONE",
        help: "zone of lines before any CRON_TZ= (default UTC)",
      },
    },
    positionals: ["FILE"],
    details: [
      "Lines whose command is one curl or wget call become jobs (method, headers, JSON body,",
      "URL, -m/--max-time, --retry); CRON_TZ= and TZ= lines set the zone of the lines after",
      "them, other NAME=value lines feed $NAME. @reboot, pipelines, other commands and",
      "non-JSON bodies are reported with their line number and not imported.",
      "Re-running an import creates nothing twice: each job's name and idempotency key",
      "are derived from its line.",
      "Exit status: 0 all imported, 6 some lines not importable (the rest imported),",
      "1 a malformed line (nothing imported).",
    ].join("\n"),
    run: (ctx) => importCrontab(ctx, pos(ctx, 0)),
  },
  {
    name: "keys",
    usage: "crondo keys (create|list|revoke) [options]",
    summary: "manage API keys of a deployment (runs the repository's keys CLI)",
    flags: {},
    positionals: [],
    details: "Everything after `keys` goes to scripts/keys.mjs; see `crondo keys --help`.",
    // main.ts runs it: it needs the raw argument list and the process.
    run: async () => 2,
  },
];

export const EXIT_CODES = [
  "0  success",
  "1  the server refused the request (the API's error code is printed), or a malformed crontab",
  "2  usage: unknown command or option, missing or bad argument",
  "3  crondo could not be reached, or answered something that is not crondo's API",
  "4  authentication: a missing, bad, expired or read-only API key (UNAUTHORIZED, FORBIDDEN)",
  "5  not found (NOT_FOUND)",
  "6  import: some lines were not importable (reported on stderr); the rest was imported",
].join("\n");

export function commandHelp(c: Command): string {
  const own = Object.keys(c.flags).length ? `Options:\n${flagHelp(c.flags)}\n\n` : "";
  return `Usage: ${c.usage}\n\n${c.summary[0]!.toUpperCase()}${c.summary.slice(1)}.\n\n${
    c.details ? `${c.details}\n\n` : ""
  }${own}Global options:\n${flagHelp(GLOBAL_FLAGS)}`;
}

export function mainHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    "Usage: crondo <command> [options]",
    "",
    "A command-line client of crondo, the self-hosted HTTP cron service.",
    "",
    "Commands:",
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    "",
    "Global options:",
    flagHelp(GLOBAL_FLAGS),
    "",
    "The server and key come from --url / --api-key or CRONDO_URL / CRONDO_API_KEY.",
    "`crondo <command> --help` shows a command's options.",
    "",
    "Exit status:",
    EXIT_CODES.replace(/^/gm, "  "),
  ].join("\n");
}
