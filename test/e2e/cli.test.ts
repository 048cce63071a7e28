// The `crondo` CLI as it ships (the package's built bin, run as a child process) against
// a real `wrangler dev`: jobs and runs, `--json` output parsed, a crontab import with
// supported and unsupported lines (twice: nothing is created twice), help text of every
// command, and every bad input ending in one line on stderr and a documented exit code.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { COMMANDS } from "../../src/cli/commands";
import { buildPackage, type CliResult, runCli } from "../helpers/package-build";
import { type Receiver, startReceiver } from "../helpers/receiver";
import { waitFor } from "../helpers/wait";
import { type CrondoServer, freePort, startCrondo } from "../helpers/wrangler-dev";
import { client, finishedRun, requestsTo, uniquePath } from "./client";

let crondo: CrondoServer;
let receiver: Receiver;
let env: Record<string, string>;
let dir: string;

beforeAll(async () => {
  buildPackage();
  dir = mkdtempSync(join(tmpdir(), "crondo-cli-"));
  receiver = await startReceiver();
  crondo = await startCrondo();
  env = { CRONDO_URL: crondo.url, CRONDO_API_KEY: await crondo.keyFor("cli") };
});

afterAll(async () => {
  try {
    await crondo?.cleanup();
  } finally {
    await receiver?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
});

const cli = (args: string[], extraEnv: Record<string, string> = {}) =>
  runCli(args, { env: { ...env, ...extraEnv } });

/** Succeeded with JSON on stdout: the parsed value. */
async function json(args: string[]): Promise<any> {
  const res = await cli([...args, "--json"]);
  expect(res.code, `crondo ${args.join(" ")}: ${res.stderr}`).toBe(0);
  return JSON.parse(res.stdout);
}

/** Failed with exactly one line on stderr, no stack trace. */
function oneLineError(res: CliResult, code: number, pattern: RegExp) {
  expect(res.code, res.stderr).toBe(code);
  const lines = res.stderr.trimEnd().split("\n");
  expect(lines, res.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^crondo: /);
  expect(lines[0]).toMatch(pattern);
  expect(res.stderr).not.toMatch(/\n\s+at |Error:|node:internal/);
}

describe("jobs and runs", () => {
  it("create, list, get, trigger, runs ls/get, update, pause, resume, rm", async () => {
    const path = uniquePath();
    const createArgs = [
      "jobs",
      "create",
      "--name",
      "cli-job",
      "--schedule",
      "0 9 * * 1",
      "--timezone",
      "Europe/Berlin",
      "--target-url",
      `${receiver.url}${path}`,
      "--payload",
      '{"from":"cli"}',
      "-H",
      "X-Team: ops",
      "--retries",
      "1",
      "--idempotency-key",
      "cli-create-1",
    ];
    const job = await json(createArgs);
    expect(job).toMatchObject({
      name: "cli-job",
      schedule: "0 9 * * 1",
      timezone: "Europe/Berlin",
      payload: { from: "cli" },
      headers: { "X-Team": "ops" },
      retries: 1,
      status: "active",
    });
    // the same idempotency key replays: same job, reported as existing
    const again = await cli(createArgs);
    expect(again.code).toBe(0);
    expect(again.stdout.trim()).toMatch(new RegExp(`^exists ${job.cron_id} `));

    const list = await json(["jobs", "ls", "--limit", "100"]);
    expect(list.items.map((j: any) => j.cron_id)).toContain(job.cron_id);
    const table = await cli(["jobs", "ls"]);
    expect(table.code).toBe(0);
    expect(table.stdout.split("\n")[0]).toMatch(/^ID\s+NAME\s+STATUS\s+SCHEDULE/);
    expect(table.stdout).toMatch(
      new RegExp(`${job.cron_id}\\s+cli-job\\s+active\\s+0 9 \\* \\* 1`),
    );
    expect((await json(["jobs", "get", job.cron_id])).signing_secret).toBe(job.signing_secret);

    const run = await json(["jobs", "trigger", job.cron_id]);
    expect(run).toMatchObject({ cron_id: job.cron_id, trigger: "manual" });
    const api = client(crondo.url, env.CRONDO_API_KEY!);
    await finishedRun(api, job.cron_id, run.run_id);
    const [req] = requestsTo(receiver.requests, path);
    expect(req).toMatchObject({ method: "POST", body: '{"from":"cli"}' });
    expect(req!.headers["x-team"]).toBe("ops");

    const runs = await json(["runs", "ls", job.cron_id]);
    expect(runs.items.map((r: any) => r.run_id)).toEqual([run.run_id]);
    expect(runs.items[0]).toMatchObject({ state: "succeeded", response_status: 200 });
    const runsTable = await cli(["runs", "ls", job.cron_id]);
    expect(runsTable.stdout).toMatch(new RegExp(`${run.run_id}\\s+succeeded\\s+manual`));
    const one = await json(["runs", "get", job.cron_id, run.run_id]);
    expect(one.attempt_log).toHaveLength(1);
    const human = await cli(["runs", "get", job.cron_id, run.run_id]);
    expect(human.stdout).toMatch(/^state\s+succeeded$/m);

    expect(await json(["jobs", "update", job.cron_id, "--schedule", "*/5 * * * *"])).toMatchObject({
      schedule: "*/5 * * * *",
    });
    expect(await json(["jobs", "pause", job.cron_id])).toMatchObject({ status: "paused" });
    expect(await json(["jobs", "resume", job.cron_id])).toMatchObject({ status: "active" });
    expect(
      await json(["preview", "0 9 * * 1", "--timezone", "Europe/Berlin", "--count", "2"]),
    ).toMatchObject({ timezone: "Europe/Berlin", next: [expect.any(String), expect.any(String)] });
    expect(await json(["jobs", "rm", job.cron_id])).toEqual({
      cron_id: job.cron_id,
      deleted: true,
    });
    oneLineError(await cli(["jobs", "get", job.cron_id]), 5, /NOT_FOUND/);
  });

  it("runs replay, runs cancel, replay-many, runs all, rotate-secret and audit report the server's answer", async () => {
    const job = await json([
      "jobs",
      "create",
      "--schedule",
      "0 0 1 1 *",
      "--target-url",
      `${receiver.url}${uniquePath()}`,
    ]);
    const run = await json(["jobs", "trigger", job.cron_id]);
    await finishedRun(client(crondo.url, env.CRONDO_API_KEY!), job.cron_id, run.run_id);
    expect(await json(["runs", "replay", job.cron_id, run.run_id])).toMatchObject({
      cron_id: job.cron_id,
      trigger: "replay",
      replay_of: run.run_id,
    });
    // A finished run cannot be cancelled: the API's code, exit status 1.
    oneLineError(await cli(["runs", "cancel", job.cron_id, run.run_id]), 1, /RUN_FINISHED/);
    expect(
      await json(["runs", "replay-many", job.cron_id, "--state", "succeeded", "--limit", "1"]),
    ).toMatchObject({ cron_id: job.cron_id, replayed: 1 });
    // The tenant-wide list reads the history shards: a run appears there once its row has
    // landed (README: about 2 s after it finished).
    const all = await waitFor(
      async () => {
        const page = await json(["runs", "all", "--limit", "100"]);
        return page.items.some((r: { run_id: string }) => r.run_id === run.run_id) ? page : null;
      },
      { what: "the run in `runs all`", timeoutMs: 30_000, stepMs: 1000 },
    );
    expect(all.items.map((r: { run_id: string }) => r.run_id)).toContain(run.run_id);
    const rotated = await json(["jobs", "rotate-secret", job.cron_id]);
    expect(rotated.previous_secret_expires_at).not.toBeNull();
    const audit = await json(["jobs", "audit", job.cron_id]);
    expect(audit.items[0]).toMatchObject({ action: "rotate-secret" });
  });
});

describe("import crontab", () => {
  it("imports the curl/wget lines, reports the others by line number, and never creates twice", async () => {
    const a = uniquePath("ok/cron-a");
    const b = uniquePath("ok/cron-b");
    const file = join(dir, "crontab");
    writeFileSync(
      file,
      [
        "# a crontab with every kind of line", // 1
        "MAILTO=ops@example.com", // 2
        "TOKEN=s3cret", // 3
        "CRON_TZ=America/New_York", // 4
        `*/15 * * * * curl -fsS -X PUT -H "Authorization: Bearer $TOKEN" -d '{"job":"a"}' ${receiver.url}${a} >/dev/null 2>&1`, // 5
        "@reboot curl http://127.0.0.1/boot", // 6
        `@daily wget -qO- ${receiver.url}${b}`, // 7
        "0 3 * * * /usr/local/bin/backup.sh --all", // 8
        `*/10 * * * * curl ${receiver.url}/ok/x | grep ok`, // 9
        `0 * * * * curl -d 'a=b' ${receiver.url}/ok/form`, // 10
        "",
      ].join("\n"),
    );
    const api = client(crondo.url, env.CRONDO_API_KEY!);
    const count = async () => (await json(["jobs", "ls", "--all"])).items.length;
    const before = await count();

    const dry = await runCli(["import", "crontab", file, "--dry-run", "--json"]); // no server, no key
    expect(dry.code, dry.stderr).toBe(6);
    const plan = JSON.parse(dry.stdout);
    expect(
      plan.jobs.map((j: any) => [j.line, j.job.schedule, j.job.timezone, j.job.method]),
    ).toEqual([
      [5, "*/15 * * * *", "America/New_York", "PUT"],
      [7, "@daily", "America/New_York", "GET"],
    ]);
    expect(plan.refused.map((r: any) => r.line)).toEqual([6, 8, 9, 10]);
    expect(await count()).toBe(before);
    const dryTable = await runCli(["import", "crontab", file, "--dry-run"]);
    expect(dryTable.stdout).toMatch(/^5\s+\*\/15 \* \* \* \*\s+America\/New_York\s+PUT\s+http/m);

    const first = await cli(["import", "crontab", file, "--json"]);
    expect(first.code, first.stderr).toBe(6);
    expect(first.stderr.trimEnd().split("\n")).toEqual([
      `crondo: ${file}:6: not imported: @reboot runs at boot, not on a schedule`,
      `crondo: ${file}:8: not imported: command backup.sh is not curl or wget`,
      `crondo: ${file}:9: not imported: command is a shell pipeline`,
      `crondo: ${file}:10: not imported: the body is not JSON (crondo sends JSON payloads)`,
    ]);
    const created = JSON.parse(first.stdout).jobs;
    expect(created.map((j: any) => [j.line, j.result])).toEqual([
      [5, "created"],
      [7, "created"],
    ]);
    expect(await count()).toBe(before + 2);
    const jobA = (await api.get(`/v1/cron/get/${created[0].cron_id}`)).body.data;
    expect(jobA).toMatchObject({
      schedule: "*/15 * * * *",
      timezone: "America/New_York",
      method: "PUT",
      url: `${receiver.url}${a}`,
      payload: { job: "a" },
      headers: { Authorization: "Bearer s3cret" },
    });
    // the imported job delivers what the crontab line sent
    await api.post(`/v1/cron/trigger/${jobA.cron_id}`, {});
    const got = await waitFor(() => requestsTo(receiver.requests, a)[0], {
      what: "the imported job's request",
    });
    expect(got).toMatchObject({ method: "PUT", body: '{"job":"a"}' });
    expect(got.headers.authorization).toBe("Bearer s3cret");

    // again: idempotency keys replay, nothing new
    const second = await cli(["import", "crontab", file, "--json"]);
    expect(second.code).toBe(6);
    expect(JSON.parse(second.stdout).jobs.map((j: any) => [j.line, j.result, j.cron_id])).toEqual([
      [5, "exists", created[0].cron_id],
      [7, "exists", created[1].cron_id],
    ]);
    expect(await count()).toBe(before + 2);

    // from stdin, as a table
    const piped = await runCli(["import", "crontab", "-"], {
      env,
      input: `@hourly curl ${receiver.url}${b}?stdin=1\n`,
    });
    expect(piped.code, piped.stderr).toBe(0);
    expect(piped.stdout).toMatch(/^LINE\s+RESULT\s+CRON ID\s+NAME\n1\s+created\s+cron_/);
  });

  it("a malformed line: one line on stderr, exit 1, nothing imported", async () => {
    const file = join(dir, "bad");
    writeFileSync(
      file,
      `* * * * * curl ${receiver.url}/ok/fine\n61 * * * * curl ${receiver.url}/ok/x\n`,
    );
    const before = (await json(["jobs", "ls", "--all"])).items.length;
    oneLineError(
      await cli(["import", "crontab", file]),
      1,
      /:2: malformed: minute field.*nothing imported$/,
    );
    expect((await json(["jobs", "ls", "--all"])).items.length).toBe(before);
  }, 60_000);
});

describe("bad input", () => {
  it("unreachable server, bad key, unknown flag, missing argument, missing file: one line, an exit code", async () => {
    const closed = await freePort();
    oneLineError(
      await cli(["jobs", "ls"], { CRONDO_URL: `http://127.0.0.1:${closed}` }),
      3,
      /cannot reach http:\/\/127\.0\.0\.1:\d+: ECONNREFUSED/,
    );
    oneLineError(await cli(["jobs", "ls"], { CRONDO_API_KEY: "crondo_wrong" }), 4, /UNAUTHORIZED/);
    oneLineError(await cli(["jobs", "ls", "--bogus"]), 2, /unknown option --bogus/);
    oneLineError(await cli(["jobs", "get"]), 2, /missing CRON_ID/);
    oneLineError(
      await cli(["jobs", "create", "--schedule", "nope", "--target-url", "https://example.com/"]),
      1,
      /INVALID_CRON/,
    );
    oneLineError(
      await cli(["import", "crontab", join(dir, "no-such-file")]),
      2,
      /cannot read .*no-such-file: ENOENT/,
    );
    oneLineError(await runCli(["jobs", "ls"]), 2, /no crondo URL/);
    oneLineError(await cli(["frobnicate"]), 2, /unknown command "frobnicate"/);
    oneLineError(await cli(["jobs", "explode"]), 2, /unknown command "jobs explode"/);
    oneLineError(await cli(["jobs", "ls", "--url", "not a url"]), 2, /not an http\(s\) URL/);
  });
});

describe("help", () => {
  it("--help on every command names its usage and every option; crondo --help lists them all; keys runs the keys CLI", async () => {
    const main = await runCli(["--help"]);
    expect(main.code).toBe(0);
    for (const c of COMMANDS) {
      expect(main.stdout, c.name).toContain(`  ${c.name} `);
      if (c.name === "keys") continue;
      const res = await runCli([...c.name.split(" "), "--help"]);
      expect(res.code, c.name).toBe(0);
      expect(res.stdout.startsWith(`Usage: crondo ${c.name}`), res.stdout).toBe(true);
      for (const flag of [...Object.keys(c.flags), "url", "api-key", "json", "help"])
        expect(res.stdout, `${c.name} --${flag}`).toContain(`--${flag}`);
      expect(res.stderr).toBe("");
    }
    for (const group of ["jobs", "runs", "import"]) {
      const res = await runCli([group, "--help"]);
      expect(res.code, group).toBe(0);
      expect(res.stdout).toMatch(new RegExp(`^Usage: crondo ${group} <command>`));
    }
    // keys hands over to the repository's keys CLI: a key it creates works at once
    const created = await runCli([
      "keys",
      "create",
      "--tenant",
      "cli-keys",
      "--persist-to",
      crondo.persistTo,
    ]);
    expect(created.code, created.stderr).toBe(0);
    const newKey = created.stdout.trim().split("\n").pop()!;
    expect(newKey).toMatch(/^crondo_/);
    const listed = await runCli(["jobs", "ls", "--json"], {
      env: { CRONDO_URL: crondo.url, CRONDO_API_KEY: newKey },
    });
    expect(listed.code, listed.stderr).toBe(0);
    expect(JSON.parse(listed.stdout)).toEqual({ items: [], next_cursor: null });
    const keys = await runCli(["keys", "--help"]);
    expect(keys.code).toBe(0);
    expect(keys.stdout).toMatch(/Usage: .*keys.*create --tenant/s);
    expect(main.stdout).toMatch(/Exit status:\n(\s+\d .+\n?){7}/);
  });
});
