/**
 * The URL guard against SSRF (SPEC §3 `url`, §8).
 *
 * Pure: uses only the WHATWG `URL` parser (Node and the Workers runtime), no `node:` imports
 * and no DNS. It judges the URL text; a public name whose DNS answer is a private address is
 * out of its reach.
 */
import { classifyIPv4, classifyIPv6, endsInNumber, parseIPv4, parseIPv6 } from "./ip";

export type GuardResult = { ok: true; url: URL } | { ok: false; reason: string };

export const MAX_URL_LENGTH = 2048;

/** Host names longer than this are shortened when quoted in a reason. */
const MAX_QUOTED_HOST = 100;

function refuse(reason: string): GuardResult {
  return { ok: false, reason };
}

function quoteHost(host: string): string {
  return host.length > MAX_QUOTED_HOST ? `${host.slice(0, MAX_QUOTED_HOST)}…` : host;
}

/**
 * True when the raw text carries user-info, including an "@" with an empty user
 * ("http://@host/", "http://:@host/"), which the parser drops without a trace.
 * Mirrors the WHATWG parser for special schemes: leading/trailing C0 controls and spaces are
 * trimmed, tabs and newlines removed, any run of "/" or "\" after the scheme skipped, and the
 * authority ends at the first "/", "\", "?" or "#"; any "@" inside it is user-info.
 */
function hasUserInfo(raw: string): boolean {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: mirrors the WHATWG trimming rules
  const text = raw.replace(/^[\u0000-\u0020]+|[\u0000-\u0020]+$/g, "").replace(/[\t\n\r]/g, "");
  const colon = text.indexOf(":");
  if (colon === -1) return false;
  const rest = text.slice(colon + 1).replace(/^[/\\]+/, "");
  const end = rest.search(/[/\\?#]/);
  const authority = end === -1 ? rest : rest.slice(0, end);
  return authority.includes("@");
}

/** Special-use names that only resolve inside a private network. */
function classifyHostName(host: string): string | null {
  // Trailing dots ("localhost.") name the same host; empty labels (".localhost") are ignored.
  const labels = host
    .replace(/\.+$/, "")
    .split(".")
    .filter((label) => label !== "");
  const last = labels.at(-1);
  if (last === undefined) return "not a valid host name";
  if (last === "localhost") {
    return labels.length === 1
      ? "a loopback host name"
      : "a .localhost name (resolves to loopback)";
  }
  if (last === "local") return "a .local name (multicast DNS on the local network)";
  if (last === "internal") return "a .internal name (private-use top-level domain)";
  if (labels.length >= 2 && labels.at(-2) === "home" && last === "arpa") {
    return "a .home.arpa name (residential private network)";
  }
  // A single-label name ("metadata", "intranet") is never a public host: resolvers complete it
  // with the internal DNS search domains, which is how http://metadata/ reaches a metadata
  // service or http://intranet/ an internal site.
  if (labels.length === 1) {
    return "a single-label host name (it would resolve through internal DNS search domains)";
  }
  return null;
}

/** The checks that `allowPrivate` switches off: where the host points. */
function checkHost(hostname: string): string | null {
  if (hostname.startsWith("[")) {
    const pieces = parseIPv6(hostname.replace(/^\[|\]$/g, ""));
    if (pieces === null) return "not a valid IPv6 address";
    return classifyIPv6(pieces);
  }
  if (endsInNumber(hostname)) {
    const address = parseIPv4(hostname);
    if (address === null) return "not a valid IPv4 address";
    return classifyIPv4(address);
  }
  return classifyHostName(hostname);
}

/** Checks a target URL before it is stored and again before every request and redirect hop. */
export function checkTargetUrl(raw: string, opts: { allowPrivate: boolean }): GuardResult {
  if (typeof raw !== "string") return refuse("target URL must be a string");
  if (raw.length > MAX_URL_LENGTH) {
    return refuse(`target URL is longer than ${MAX_URL_LENGTH} characters`);
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return refuse("target URL is not a valid absolute URL");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    const scheme = url.protocol.slice(0, 20);
    return refuse(`target URL scheme ${scheme} is not allowed (only http: and https:)`);
  }
  if (url.username !== "" || url.password !== "" || hasUserInfo(raw)) {
    return refuse("target URL must not contain user-info (user:password@)");
  }
  if (url.hostname === "") return refuse("target URL has no host");
  // The stored and requested form is the normalised one (punycode, percent-encoding), which
  // can be longer than what was given.
  if (url.href.length > MAX_URL_LENGTH) {
    return refuse(`target URL is longer than ${MAX_URL_LENGTH} characters once normalised`);
  }
  if (!opts.allowPrivate) {
    const why = checkHost(url.hostname);
    if (why !== null) return refuse(`target host ${quoteHost(url.hostname)} is ${why}`);
  }
  return { ok: true, url };
}
