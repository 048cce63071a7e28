// crontab → jobs (src/cli/crontab.ts): what becomes a job, and how every other line is
// reported with its number instead of being guessed.
import { describe, expect, it } from "vitest";
import { NICKNAMES, parseCrontab } from "../../src/cli/crontab";

const only = (text: string, tz?: string) => {
  const [line, ...rest] = parseCrontab(text, tz);
  expect(rest).toEqual([]);
  return line!;
};
const job = (text: string) => {
  const l = only(text);
  if (l.kind !== "job") throw new Error(`${l.kind}: ${l.reason}`);
  return l.job;
};
const refusal = (text: string) => {
  const l = only(text);
  if (l.kind === "job") throw new Error(`imported: ${JSON.stringify(l.job)}`);
  return `${l.kind}: ${l.reason}`;
};

describe("parseCrontab", () => {
  it("maps curl: method, headers, JSON body, URL, timeout, retries", () => {
    expect(
      job(
        `*/5 * * * * curl -fsSL -X PUT -H 'Authorization: Bearer t' -H "Content-Type: application/json" --data '{"a":[1,2]}' --max-time 12.5 --retry 2 https://api.example.com/x?y=1 >/dev/null 2>&1`,
      ),
    ).toEqual({
      schedule: "*/5 * * * *",
      timezone: "UTC",
      method: "PUT",
      url: "https://api.example.com/x?y=1",
      headers: { Authorization: "Bearer t", "Content-Type": "application/json" },
      payload: { a: [1, 2] },
      timeout_seconds: 13,
      retries: 2,
    });
    // -d without -X is a POST; no body is a GET; --json sets the JSON headers
    expect(job(`0 * * * * curl -d '{}' http://h/p`)).toMatchObject({ method: "POST", payload: {} });
    expect(job(`0 * * * * curl -s http://h/p`)).toEqual({
      schedule: "0 * * * *",
      timezone: "UTC",
      method: "GET",
      url: "http://h/p",
    });
    expect(job(`0 * * * * curl --json '[1]' https://h/`)).toMatchObject({
      method: "POST",
      payload: [1],
      headers: { "Content-Type": "application/json", Accept: "application/json" },
    });
    expect(job(`0 * * * * curl -u user:pw -XDELETE https://h/`)).toMatchObject({
      method: "DELETE",
      headers: { Authorization: `Basic ${btoa("user:pw")}` },
    });
    expect(job(`0 * * * * curl example.com/x`)).toMatchObject({ url: "http://example.com/x" });
  });

  it("maps wget: --method, --header, --post-data, -T, -t, -qO-", () => {
    expect(
      job(
        `@hourly wget -qO- --header='X-Team: ops' --post-data='{"k":true}' -T 5 -t 3 https://h/hook`,
      ),
    ).toEqual({
      schedule: "@hourly",
      timezone: "UTC",
      method: "POST",
      url: "https://h/hook",
      headers: { "X-Team": "ops" },
      payload: { k: true },
      timeout_seconds: 5,
      retries: 2,
    });
    expect(
      job(`0 0 * * * wget --method=PATCH --body-data '1' -O /dev/null https://h/`),
    ).toMatchObject({ method: "PATCH", payload: 1 });
  });

  it("CRON_TZ= and TZ= set the zone of the lines after them; env lines feed $VARs", () => {
    const lines = parseCrontab(
      [
        "# header",
        "SHELL=/bin/sh",
        'BASE="https://api.example.com"',
        "TOKEN='abc def'",
        "0 1 * * * curl $BASE/one",
        "TZ=America/New_York",
        // biome-ignore lint/suspicious/noTemplateCurlyInString: crontab text, not a template
        '0 2 * * * curl -H "Authorization: Bearer ${TOKEN}" ${BASE}/two',
        "CRON_TZ=Asia/Tokyo",
        "0 3 * * * curl '$BASE/literal' ",
        "",
      ].join("\n"),
      "Europe/Berlin",
    );
    expect(
      lines.map((l) => [l.line, l.kind === "job" ? [l.job.timezone, l.job.url] : l.kind]),
    ).toEqual([
      [5, ["Europe/Berlin", "https://api.example.com/one"]],
      [7, ["America/New_York", "https://api.example.com/two"]],
      [9, ["Asia/Tokyo", "http://$BASE/literal"]],
    ]);
    expect(lines[1]!.kind === "job" && lines[1]!.job.headers).toEqual({
      Authorization: "Bearer abc def",
    });
  });

  it("accepts @daily-style names and refuses @reboot and unknown names", () => {
    expect(NICKNAMES.size).toBe(7);
    for (const n of NICKNAMES) expect(job(`${n} curl https://h/`).schedule).toBe(n);
    expect(refusal("@reboot curl https://h/")).toBe(
      "unsupported: @reboot runs at boot, not on a schedule",
    );
    expect(refusal("@often curl https://h/")).toMatch(/^malformed: unknown schedule nickname/);
  });

  it("reports what is not one curl/wget call, with the reason", () => {
    const cases: [string, string][] = [
      ["* * * * * /usr/local/bin/backup.sh", "unsupported: command backup.sh is not curl or wget"],
      ["* * * * * curl https://h/ | grep ok", "unsupported: command is a shell pipeline"],
      ["* * * * * curl https://h/ && echo done", "unsupported: command is a shell list (&&)"],
      ["* * * * * cd /tmp; curl https://h/", "unsupported: command is a shell list (;)"],
      ["* * * * * curl https://h/?a=1&b=2", "unsupported: command is a shell list (&)"],
      [
        "* * * * * curl -d 'a=b' https://h/",
        "unsupported: the body is not JSON (crondo sends JSON payloads)",
      ],
      ["* * * * * curl -d @body.json https://h/", "unsupported: reads its body from a file"],
      ["* * * * * curl -F f=1 https://h/", "unsupported: curl -F (multipart form)"],
      [
        "* * * * * curl --frobnicate https://h/",
        "unsupported: curl option --frobnicate is not understood",
      ],
      ["* * * * * curl $(cat url)", "unsupported: command uses command substitution $(…)"],
      [
        "* * * * * curl $UNSET/x",
        "unsupported: command uses $UNSET, which the crontab does not set",
      ],
      [
        "* * * * * curl -H 'X-Cron-Id: 1' https://h/",
        "unsupported: header X-Cron-Id is set by crondo and cannot be given",
      ],
      [
        "* * * * * curl -X OPTIONS https://h/",
        "unsupported: method OPTIONS (crondo sends POST, GET, PUT, PATCH, DELETE)",
      ],
      ["* * * * * curl https://a/ https://b/", "unsupported: curl with 2 URLs"],
      ["* * * * * curl ftp://h/f", "unsupported: ftp://h/f is not an http(s) URL"],
      [
        "* * * * * curl -d '{\"a\":1}' https://h/%",
        "unsupported: uses % (the rest of the line is stdin)",
      ],
      ["* * * * * wget --spider https://h/", "unsupported: wget --spider (HEAD requests)"],
      ["61 * * * * curl https://h/", "malformed: minute field: value 61 out of range 0-59"],
      ["* * * * curl", "malformed: expected five schedule fields and a command"],
      ["* * * * * curl 'https://h/", "malformed: unterminated single quote"],
    ];
    for (const [line, reason] of cases) expect(refusal(line), line).toBe(reason);
    // \% is a literal %
    expect(job("* * * * * curl https://h/a\\%20b").url).toBe("https://h/a%20b");
  });

  it("numbers every line of the file, comments and blanks included", () => {
    const lines = parseCrontab("# c\n\n@reboot x\n  \n* * * * * curl https://h/\n");
    expect(lines.map((l) => [l.line, l.kind])).toEqual([
      [3, "unsupported"],
      [5, "job"],
    ]);
  });
});
