// crontab(5) → crondo jobs. A line whose command is one `curl` or `wget` call becomes
// a job (method, headers, JSON body, URL, and the timeout/retry flags that have a
// crondo field); `CRON_TZ=` / `TZ=` set the zone of the lines after them, other
// environment lines feed `$VAR`s. Everything else — `@reboot`, pipelines, other
// commands, a non-JSON body — is reported with its line number, never guessed.
import type { CreateJob, HttpMethod } from "../client";
import { HTTP_METHODS } from "../client";
import { headerNameProblem } from "../lib/http-headers";
import { compileSchedule, ScheduleError } from "../schedule";
import { ShellUnsupported, simpleCommand, tokenize } from "./shell";

export interface ImportedLine {
  kind: "job";
  line: number;
  text: string;
  job: CreateJob & { schedule: string; url: string; timezone: string; method: HttpMethod };
}
export interface RefusedLine {
  kind: "unsupported" | "malformed";
  line: number;
  text: string;
  reason: string;
}
export type CrontabLine = ImportedLine | RefusedLine;

/** The schedule names crontab(5) and crondo share (`@reboot` is crontab's only). */
export const NICKNAMES: ReadonlySet<string> = new Set([
  "@yearly",
  "@annually",
  "@monthly",
  "@weekly",
  "@daily",
  "@midnight",
  "@hourly",
]);
const ENV_LINE = /^([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/;

class Unsupported extends Error {}
class Malformed extends Error {}

/** An environment line's value: quotes around the whole value are removed (cronie). */
function envValue(raw: string): string {
  const v = raw.trim();
  const q = v[0];
  return (q === '"' || q === "'") && v.length >= 2 && v.endsWith(q) ? v.slice(1, -1) : v;
}

/** crontab(5): an unescaped `%` ends the command (the rest is stdin); `\%` is a `%`. */
function cronCommand(text: string): string {
  let out = "";
  for (let i = 0; i < text.length; i++) {
    if (text[i] === "\\" && text[i + 1] === "%") {
      out += "%";
      i++;
    } else if (text[i] === "%") throw new Unsupported("uses % (the rest of the line is stdin)");
    else out += text[i];
  }
  return out;
}

export function parseCrontab(text: string, defaultTimezone = "UTC"): CrontabLine[] {
  const out: CrontabLine[] = [];
  const env = new Map<string, string>();
  let cronTz: string | null = null;
  let tz: string | null = null;
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = index + 1;
    const trimmed = raw.trim();
    if (trimmed === "" || trimmed.startsWith("#")) return;
    const envMatch = ENV_LINE.exec(trimmed);
    if (envMatch) {
      const [, name, value] = envMatch;
      const v = envValue(value!);
      if (name === "CRON_TZ") cronTz = v;
      else if (name === "TZ") tz = v;
      env.set(name!, v);
      return;
    }
    try {
      out.push({
        kind: "job",
        line,
        text: trimmed,
        job: jobOf(trimmed, cronTz ?? tz ?? defaultTimezone, env),
      });
    } catch (err) {
      if (err instanceof Unsupported || err instanceof ShellUnsupported) {
        const reason = err instanceof ShellUnsupported ? `command ${err.message}` : err.message;
        out.push({ kind: "unsupported", line, text: trimmed, reason });
      } else if (
        err instanceof Malformed ||
        err instanceof SyntaxError ||
        err instanceof ScheduleError
      ) {
        out.push({ kind: "malformed", line, text: trimmed, reason: err.message });
      } else throw err;
    }
  });
  return out;
}

function jobOf(
  text: string,
  timezone: string,
  env: ReadonlyMap<string, string>,
): ImportedLine["job"] {
  let schedule: string;
  let command: string;
  if (text.startsWith("@")) {
    const m = /^(@\S+)\s+(.*)$/.exec(text);
    if (!m) throw new Malformed("a schedule nickname without a command");
    schedule = m[1]!.toLowerCase();
    command = m[2]!;
    if (schedule === "@reboot") throw new Unsupported("@reboot runs at boot, not on a schedule");
    if (!NICKNAMES.has(schedule)) throw new Malformed(`unknown schedule nickname ${m[1]}`);
  } else {
    const fields = text.split(/\s+/);
    if (fields.length < 6) throw new Malformed("expected five schedule fields and a command");
    schedule = fields.slice(0, 5).join(" ");
    command = text.replace(/^(\S+\s+){5}/, "");
  }
  const compiled = compileSchedule(schedule, timezone);
  const words = simpleCommand(tokenize(cronCommand(command), env));
  const program = (words[0] ?? "").split("/").pop();
  const request =
    program === "curl"
      ? curlRequest(words.slice(1))
      : program === "wget"
        ? wgetRequest(words.slice(1))
        : null;
  if (!request) throw new Unsupported(`command ${program || "(none)"} is not curl or wget`);
  return { schedule: compiled.expression, timezone: compiled.timezone, ...request };
}

interface Request {
  method: HttpMethod;
  url: string;
  headers?: Record<string, string>;
  payload?: unknown;
  timeout_seconds?: number;
  retries?: number;
  retry_backoff_seconds?: number;
}

interface Draft {
  method: string | null;
  urls: string[];
  headers: Record<string, string>;
  body: string | null;
  timeout?: number;
  retries?: number;
  backoff?: number;
}

const clamp = (n: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, n));
const seconds = (v: string, flag: string) => {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new Malformed(`${flag} needs a number of seconds`);
  return clamp(Math.ceil(n), 1, 900);
};

function addHeader(d: Draft, raw: string) {
  const colon = raw.indexOf(":");
  if (colon <= 0) {
    if (raw.endsWith(";")) return; // curl's "X;" sends an empty header; crondo has none
    throw new Malformed(`header "${raw}" has no name: value`);
  }
  const name = raw.slice(0, colon).trim();
  const value = raw.slice(colon + 1).trim();
  if (value === "") return; // curl's "X:" removes a default header
  const problem = headerNameProblem(name);
  if (problem === "invalid") throw new Malformed(`"${name}" is not a header name`);
  if (problem === "reserved")
    throw new Unsupported(`header ${name} is set by crondo and cannot be given`);
  if (name.toLowerCase() === "user-agent") return; // crondo sends its own User-Agent
  d.headers[name] = value;
}

/** The finished request; the body must be JSON, which is what crondo sends. */
function finish(d: Draft, tool: string): Request {
  if (d.urls.length !== 1)
    throw new Unsupported(
      d.urls.length === 0 ? `${tool} without a URL` : `${tool} with ${d.urls.length} URLs`,
    );
  let url = d.urls[0]!;
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) url = `http://${url}`; // as curl and wget read it
  if (!/^https?:\/\//i.test(url)) throw new Unsupported(`${url} is not an http(s) URL`);
  const method = (d.method ?? (d.body !== null ? "POST" : "GET")).toUpperCase();
  if (!(HTTP_METHODS as readonly string[]).includes(method))
    throw new Unsupported(`method ${method} (crondo sends ${HTTP_METHODS.join(", ")})`);
  const out: Request = { method: method as HttpMethod, url };
  if (d.body !== null) {
    if (method === "GET") throw new Unsupported("a GET with a body (crondo sends GET without one)");
    try {
      out.payload = JSON.parse(d.body);
    } catch {
      throw new Unsupported("the body is not JSON (crondo sends JSON payloads)");
    }
    const type = Object.entries(d.headers).find(([k]) => k.toLowerCase() === "content-type");
    if (type && !/^application\/(?:[\w.+-]+\+)?json\b/i.test(type[1]))
      throw new Unsupported(`Content-Type ${type[1]} (crondo sends application/json)`);
  }
  if (Object.keys(d.headers).length > 0) out.headers = d.headers;
  if (d.timeout !== undefined) out.timeout_seconds = d.timeout;
  if (d.retries !== undefined) out.retries = d.retries;
  if (d.backoff !== undefined) out.retry_backoff_seconds = d.backoff;
  return out;
}

/**
 * Walks a curl or wget argument list: combined short flags are split (`-fsSL`,
 * `-sXPOST`, `-qO-`: a flag that takes a value takes the rest of the word),
 * `--name=value` is split at the `=`, words that are not options are URLs.
 */
function walkOptions(
  tool: string,
  args: string[],
  shortWithArg: ReadonlySet<string>,
  d: Draft,
  option: (flag: string, arg: () => string) => void,
): void {
  const words: string[] = [];
  for (const a of args) {
    if (!/^-[a-zA-Z]./.test(a) || a === "-nv") {
      words.push(a);
      continue;
    }
    for (let j = 1; j < a.length; j++) {
      words.push(`-${a[j]}`);
      if (shortWithArg.has(a[j]!)) {
        if (j + 1 < a.length) words.push(a.slice(j + 1));
        break;
      }
    }
  }
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    if (!word.startsWith("-")) {
      d.urls.push(word);
      continue;
    }
    const eq = word.startsWith("--") ? word.indexOf("=") : -1;
    const flag = eq < 0 ? word : word.slice(0, eq);
    option(flag, () => {
      if (eq >= 0) return word.slice(eq + 1);
      const v = words[++i];
      if (v === undefined) throw new Malformed(`${tool} ${flag} needs a value`);
      return v;
    });
  }
}

const CURL_IGNORED = new Set(
  "-s --silent -S --show-error -f --fail --fail-with-body -L --location -k --insecure -v --verbose -i --include --compressed -g --globoff -4 -6 --http1.1 --http2 -N --no-buffer -q --no-progress-meter --ipv4 --ipv6".split(
    " ",
  ),
);
const CURL_IGNORED_WITH_ARG = new Set(
  "-o --output -w --write-out --connect-timeout --retry-max-time -A --user-agent -e --referer --max-redirs".split(
    " ",
  ),
);
const CURL_SHORT_WITH_ARG = new Set(["X", "H", "d", "o", "m", "w", "u", "A", "e"]);

function curlRequest(args: string[]): Request {
  const d: Draft = { method: null, urls: [], headers: {}, body: null };
  walkOptions("curl", args, CURL_SHORT_WITH_ARG, d, (flag, arg) => {
    switch (flag) {
      case "-X":
      case "--request":
        d.method = arg();
        break;
      case "-H":
      case "--header":
        addHeader(d, arg());
        break;
      case "-d":
      case "--data":
      case "--data-raw":
      case "--data-binary":
      case "--data-ascii":
      case "--json": {
        const v = arg();
        if (v.startsWith("@") && flag !== "--data-raw")
          throw new Unsupported("reads its body from a file");
        if (d.body !== null) throw new Unsupported("sends several -d bodies");
        d.body = v;
        if (flag === "--json") {
          d.headers["Content-Type"] ??= "application/json";
          d.headers.Accept ??= "application/json";
        }
        break;
      }
      case "--url":
        d.urls.push(arg());
        break;
      case "-u":
      case "--user":
        d.headers.Authorization = `Basic ${btoa(arg())}`;
        break;
      case "-m":
      case "--max-time":
        d.timeout = seconds(arg(), flag);
        break;
      case "--retry":
        d.retries = clamp(Math.trunc(Number(arg())) || 0, 0, 10);
        break;
      case "--retry-delay":
        d.backoff = clamp(Math.trunc(Number(arg())) || 1, 1, 3600);
        break;
      case "-G":
      case "--get":
        throw new Unsupported("curl -G (body as query string)");
      case "-F":
      case "--form":
        throw new Unsupported("curl -F (multipart form)");
      case "-I":
      case "--head":
        throw new Unsupported("curl -I (HEAD requests)");
      default:
        if (CURL_IGNORED.has(flag)) break;
        if (CURL_IGNORED_WITH_ARG.has(flag)) {
          arg();
          break;
        }
        throw new Unsupported(`curl option ${flag} is not understood`);
    }
  });
  return finish(d, "curl");
}

const WGET_IGNORED = new Set(
  "-q --quiet -nv --no-verbose -S --server-response --no-check-certificate --delete-after --content-on-error -4 -6".split(
    " ",
  ),
);
const WGET_SHORT_WITH_ARG = new Set(["O", "o", "T", "t", "U", "a"]);

function wgetRequest(args: string[]): Request {
  const d: Draft = { method: null, urls: [], headers: {}, body: null };
  walkOptions("wget", args, WGET_SHORT_WITH_ARG, d, (flag, arg) => {
    switch (flag) {
      case "--method":
        d.method = arg();
        break;
      case "--header":
        addHeader(d, arg());
        break;
      case "--post-data":
      case "--body-data":
        if (d.body !== null) throw new Unsupported("sends several bodies");
        d.body = arg();
        break;
      case "--post-file":
      case "--body-file":
        throw new Unsupported("reads its body from a file");
      case "-T":
      case "--timeout":
        d.timeout = seconds(arg(), flag);
        break;
      case "-t":
      case "--tries": {
        const tries = Math.trunc(Number(arg()));
        d.retries = clamp((tries || 1) - 1, 0, 10);
        break;
      }
      case "-O":
      case "--output-document":
      case "-o":
      case "--output-file":
      case "-a":
      case "--append-output":
      case "-U":
      case "--user-agent":
        arg();
        break;
      case "--spider":
        throw new Unsupported("wget --spider (HEAD requests)");
      default:
        if (WGET_IGNORED.has(flag)) break;
        throw new Unsupported(`wget option ${flag} is not understood`);
    }
  });
  if (d.body !== null && d.method === null) d.method = "POST";
  return finish(d, "wget");
}
