/**
 * IP literal parsing and special-purpose range classification for the URL guard.
 *
 * Pure: no `node:` imports, no DNS. The WHATWG URL parser already normalises IP hosts
 * (IPv4 to dotted decimal, IPv6 to compressed lowercase hex), but these parsers accept the
 * non-canonical forms too, so the guard does not depend on a runtime normalising correctly.
 */

/** Parses one IPv4 part the way the WHATWG URL parser does: decimal, 0-prefixed octal, 0x hex. */
function parseIPv4Number(part: string): number | null {
  if (part === "") return null;
  let digits = part;
  let radix = 10;
  if (digits.length >= 2 && (digits.startsWith("0x") || digits.startsWith("0X"))) {
    digits = digits.slice(2);
    radix = 16;
  } else if (digits.length >= 2 && digits.startsWith("0")) {
    digits = digits.slice(1);
    radix = 8;
  }
  if (digits === "") return 0; // "0x" alone is zero
  const valid = radix === 16 ? /^[0-9a-f]+$/i : radix === 8 ? /^[0-7]+$/ : /^[0-9]+$/;
  if (!valid.test(digits)) return null;
  // parseInt on a long digit string loses precision, but only to yield a value far above
  // the 2^32 limit, which is rejected below either way.
  return Number.parseInt(digits, radix);
}

/**
 * WHATWG "ends in a number": the last label (ignoring one trailing dot) is all digits or a
 * valid 0x-hex number. Such a host is an IPv4 address or invalid, never a domain name.
 */
export function endsInNumber(host: string): boolean {
  const parts = host.split(".");
  if (parts.at(-1) === "" && parts.length > 1) parts.pop();
  const last = parts.at(-1) ?? "";
  if (last !== "" && /^[0-9]+$/.test(last)) return true;
  return /^0x[0-9a-f]*$/i.test(last);
}

/**
 * Parses an IPv4 host in any form the WHATWG URL parser accepts ("127.0.0.1", "127.1",
 * "2130706433", "0x7f.1", "0177.0.0.1", ...). Returns the address as an unsigned 32-bit
 * number, or null when the host is not an IPv4 address.
 */
export function parseIPv4(host: string): number | null {
  const parts = host.split(".");
  if (parts.at(-1) === "" && parts.length > 1) parts.pop();
  if (parts.length > 4) return null;
  const numbers: number[] = [];
  for (const part of parts) {
    const n = parseIPv4Number(part);
    if (n === null) return null;
    numbers.push(n);
  }
  const last = numbers.pop() ?? 0;
  if (numbers.some((n) => n > 255)) return null;
  if (last >= 256 ** (5 - parts.length)) return null;
  let address = last;
  numbers.forEach((n, i) => {
    address += n * 256 ** (3 - i);
  });
  return address;
}

/** Formats an unsigned 32-bit IPv4 address as dotted decimal. */
export function formatIPv4(address: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(address / 2 ** shift) % 256).join(".");
}

/**
 * Parses an IPv6 address (without brackets) into its eight 16-bit pieces, following the
 * WHATWG IPv6 parser: "::" compression and a trailing dotted-quad IPv4 part are accepted;
 * zone identifiers ("%eth0") are not. Returns null when the text is not an IPv6 address.
 */
export function parseIPv6(text: string): number[] | null {
  const input = text.toLowerCase();
  if (!/^[0-9a-f:.]+$/.test(input)) return null;
  const double = input.indexOf("::");
  if (double !== -1 && input.indexOf("::", double + 1) !== -1) return null;
  const splitGroups = (s: string): string[] => (s === "" ? [] : s.split(":"));
  const head = double === -1 ? splitGroups(input) : splitGroups(input.slice(0, double));
  const tail = double === -1 ? [] : splitGroups(input.slice(double + 2));

  const toPieces = (groups: string[], allowIPv4Last: boolean): number[] | null => {
    const pieces: number[] = [];
    for (let i = 0; i < groups.length; i++) {
      const group = groups[i] ?? "";
      if (group.includes(".")) {
        // A dotted quad is allowed only as the very last group, strict decimal.
        if (!allowIPv4Last || i !== groups.length - 1) return null;
        if (!/^(0|[1-9][0-9]{0,2})(\.(0|[1-9][0-9]{0,2})){3}$/.test(group)) return null;
        const bytes = group.split(".").map(Number);
        if (bytes.some((b) => b > 255)) return null;
        pieces.push(
          ((bytes[0] ?? 0) << 8) | (bytes[1] ?? 0),
          ((bytes[2] ?? 0) << 8) | (bytes[3] ?? 0),
        );
      } else {
        if (!/^[0-9a-f]{1,4}$/.test(group)) return null;
        pieces.push(Number.parseInt(group, 16));
      }
    }
    return pieces;
  };

  const headPieces = toPieces(head, double === -1);
  const tailPieces = toPieces(tail, true);
  if (headPieces === null || tailPieces === null) return null;
  if (double === -1) return headPieces.length === 8 ? headPieces : null;
  const missing = 8 - headPieces.length - tailPieces.length;
  if (missing < 1) return null;
  return [...headPieces, ...new Array<number>(missing).fill(0), ...tailPieces];
}

type IPv4Range = { base: number; prefix: number; description: string };

function cidr4(text: string, prefix: number, description: string): IPv4Range {
  const base = parseIPv4(text);
  if (base === null) throw new Error(`bad range ${text}`);
  return { base, prefix, description };
}

/** Order matters: the first match wins, so the specific entries come before their supernets. */
const IPV4_BLOCKED: IPv4Range[] = [
  cidr4("169.254.169.254", 32, "the cloud metadata address (link-local)"),
  cidr4("255.255.255.255", 32, "the broadcast address"),
  cidr4("0.0.0.0", 8, 'an unspecified ("this network", 0.0.0.0/8) address'),
  cidr4("10.0.0.0", 8, "a private (10.0.0.0/8) address"),
  cidr4("100.64.0.0", 10, "a carrier-grade NAT (100.64.0.0/10) address"),
  cidr4("127.0.0.0", 8, "a loopback address"),
  cidr4("169.254.0.0", 16, "a link-local address"),
  cidr4("172.16.0.0", 12, "a private (172.16.0.0/12) address"),
  cidr4("192.0.0.0", 24, "an IETF protocol assignment (192.0.0.0/24) address"),
  cidr4("192.0.2.0", 24, "a documentation (192.0.2.0/24) address"),
  cidr4("192.88.99.0", 24, "a 6to4 relay anycast (192.88.99.0/24) address"),
  cidr4("192.168.0.0", 16, "a private (192.168.0.0/16) address"),
  cidr4("198.18.0.0", 15, "a benchmarking (198.18.0.0/15) address"),
  cidr4("198.51.100.0", 24, "a documentation (198.51.100.0/24) address"),
  cidr4("203.0.113.0", 24, "a documentation (203.0.113.0/24) address"),
  cidr4("224.0.0.0", 4, "a multicast address"),
  cidr4("240.0.0.0", 4, "a reserved (240.0.0.0/4) address"),
];

/**
 * Returns why an IPv4 address must not be a target (a phrase that completes
 * "target host X is ..."), or null when it is publicly routable.
 */
export function classifyIPv4(address: number): string | null {
  for (const range of IPV4_BLOCKED) {
    const size = 2 ** (32 - range.prefix);
    if (Math.floor(address / size) === Math.floor(range.base / size)) return range.description;
  }
  return null;
}

/** The IPv4 address held in two 16-bit pieces. */
function ipv4From(high: number, low: number): number {
  return high * 0x10000 + low;
}

/** True when the first `bits` bits of `pieces` equal those of `prefix` (given as pieces). */
function inPrefix6(pieces: number[], prefix: number[], bits: number): boolean {
  for (let i = 0; i < 8 && bits > 0; i++) {
    const take = Math.min(16, bits);
    const mask = (0xffff << (16 - take)) & 0xffff;
    if (((pieces[i] ?? 0) & mask) !== ((prefix[i] ?? 0) & mask)) return false;
    bits -= take;
  }
  return true;
}

function embedded(kind: string, address: number): string | null {
  const reason = classifyIPv4(address);
  return reason === null ? null : `${kind} of ${formatIPv4(address)}, which is ${reason}`;
}

const p6 = (text: string): number[] => {
  const pieces = parseIPv6(text);
  if (pieces === null) throw new Error(`bad range ${text}`);
  return pieces;
};

type IPv6Range = { base: number[]; prefix: number; description: string };

/** Ranges refused outright (no embedded IPv4 to look at). First match wins. */
const IPV6_BLOCKED: IPv6Range[] = [
  {
    base: p6("fd00:ec2::254"),
    prefix: 128,
    description: "the AWS metadata address (unique local)",
  },
  {
    base: p6("64:ff9b:1::"),
    prefix: 48,
    description: "a local-use NAT64 (64:ff9b:1::/48) address",
  },
  { base: p6("100::"), prefix: 64, description: "a discard-only (100::/64) address" },
  { base: p6("2001::"), prefix: 32, description: "a Teredo (2001::/32) address" },
  { base: p6("2001:2::"), prefix: 48, description: "a benchmarking (2001:2::/48) address" },
  { base: p6("2001:db8::"), prefix: 32, description: "a documentation (2001:db8::/32) address" },
  { base: p6("3fff::"), prefix: 20, description: "a documentation (3fff::/20) address" },
  { base: p6("fc00::"), prefix: 7, description: "a unique local (fc00::/7) address" },
  { base: p6("fe80::"), prefix: 10, description: "a link-local address" },
  { base: p6("fec0::"), prefix: 10, description: "a deprecated site-local (fec0::/10) address" },
  { base: p6("ff00::"), prefix: 8, description: "a multicast address" },
];

/**
 * Returns why an IPv6 address (eight 16-bit pieces) must not be a target (a phrase that
 * completes "target host X is ..."), or null when it is publicly routable. Forms that embed
 * an IPv4 address (IPv4-mapped, IPv4-compatible, NAT64, 6to4) are judged by that address.
 */
export function classifyIPv6(pieces: number[]): string | null {
  const at = (i: number): number => pieces[i] ?? 0;
  if (pieces.every((p) => p === 0)) return "the unspecified address";
  if (pieces.slice(0, 7).every((p) => p === 0) && at(7) === 1) return "a loopback address";
  // ::ffff:0:0/96, IPv4-mapped.
  if (inPrefix6(pieces, p6("::ffff:0:0"), 96)) {
    return embedded("an IPv4-mapped address", ipv4From(at(6), at(7)));
  }
  // ::/96, the deprecated IPv4-compatible form (:: and ::1 are handled above).
  if (inPrefix6(pieces, p6("::"), 96)) {
    return embedded("an IPv4-compatible address", ipv4From(at(6), at(7)));
  }
  // 64:ff9b::/96, the well-known NAT64 prefix: the gateway connects to the embedded IPv4.
  if (inPrefix6(pieces, p6("64:ff9b::"), 96)) {
    return embedded("a NAT64 address", ipv4From(at(6), at(7)));
  }
  // 2002::/16, 6to4: the IPv4 address of the tunnel endpoint sits in bits 16-47.
  if (inPrefix6(pieces, p6("2002::"), 16)) {
    return embedded("a 6to4 address", ipv4From(at(1), at(2)));
  }
  for (const range of IPV6_BLOCKED) {
    if (inPrefix6(pieces, range.base, range.prefix)) return range.description;
  }
  // Defence in depth: everything routable on the public internet is in 2000::/3 (global
  // unicast). Anything else left over here (e.g. the SIIT ::ffff:0:0:0/96 form, or space
  // IANA has not allocated) is refused rather than trusted.
  if (!inPrefix6(pieces, p6("2000::"), 3)) return "not a global unicast IPv6 address";
  return null;
}
