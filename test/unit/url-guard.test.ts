import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { classifyIPv4, formatIPv4, parseIPv4, parseIPv6 } from "../../src/delivery/ip";
import { checkTargetUrl, MAX_URL_LENGTH } from "../../src/delivery/url-guard";

const guarded = { allowPrivate: false };
const open = { allowPrivate: true };

/** [URL, what the reason must say]. Refused with allowPrivate false. */
const REFUSED: [string, RegExp][] = [
  // 127.0.0.0/8 loopback, in every form the WHATWG parser folds to 127.0.0.1
  ["http://127.0.0.1/", /127\.0\.0\.1 is a loopback address/],
  ["http://127.0.0.1:8080/admin", /loopback/],
  ["HTTP://127.0.0.1/", /loopback/],
  ["http://127.255.255.254/", /loopback/],
  ["http://127.0.0.1./", /loopback/],
  ["http://2130706433/", /127\.0\.0\.1 is a loopback/],
  ["http://0x7f000001/", /loopback/],
  ["http://0X7F000001/", /loopback/],
  ["http://0x7f.1/", /loopback/],
  ["http://0x7f.0.0.1/", /loopback/],
  ["http://0177.0.0.1/", /loopback/],
  ["http://0177.1/", /loopback/],
  ["http://017700000001/", /loopback/],
  ["http://00000177.0.0.1/", /loopback/],
  ["http://127.1/", /loopback/],
  ["http://127.0.1/", /loopback/],
  ["http://%31%32%37.0.0.1/", /loopback/],
  ["http://\uff11\uff12\uff17.\uff10.\uff10.\uff11/", /loopback/], // fullwidth digits
  ["http://127\u30020\u30020\u30021/", /loopback/], // ideographic full stops
  // 0.0.0.0/8
  ["http://0.0.0.0/", /0\.0\.0\.0 is an unspecified/],
  ["http://0/", /this network/],
  ["http://0x0/", /this network/],
  ["http://0.1.2.3/", /this network/],
  // 10.0.0.0/8
  ["http://10.0.0.1/", /10\.0\.0\.1 is a private \(10\.0\.0\.0\/8\)/],
  ["http://10.255.255.255/", /private/],
  ["http://167772161/", /10\.0\.0\.1 is a private/],
  ["http://0xa.0.0.1/", /private/],
  ["http://012.0.0.1/", /private/],
  ["http://10.1/", /10\.0\.0\.1 is a private/],
  // 100.64.0.0/10 carrier-grade NAT
  ["http://100.64.0.1/", /carrier-grade NAT/],
  ["http://100.127.255.254/", /carrier-grade NAT/],
  ["http://1681915905/", /100\.64\.0\.1 is a carrier-grade NAT/],
  // 169.254.0.0/16 link-local and the metadata address
  ["http://169.254.169.254/latest/meta-data/", /169\.254\.169\.254 is the cloud metadata address/],
  ["http://2852039166/", /cloud metadata/],
  ["http://0xa9fea9fe/", /cloud metadata/],
  ["http://0251.0376.0251.0376/", /cloud metadata/],
  ["http://169.254.43518/", /cloud metadata/],
  ["http://169.254.0.1/", /link-local/],
  ["http://169.254.255.255/", /link-local/],
  // 172.16.0.0/12
  ["http://172.16.0.1/", /private \(172\.16\.0\.0\/12\)/],
  ["http://172.31.255.255/", /private/],
  ["http://0xac.0x10.0.1/", /172\.16\.0\.1 is a private/],
  // 192.0.0.0/24, 192.0.2.0/24, 192.88.99.0/24
  ["http://192.0.0.1/", /IETF protocol assignment/],
  ["http://192.0.0.170/", /IETF protocol assignment/],
  ["http://192.0.2.1/", /documentation \(192\.0\.2\.0\/24\)/],
  ["http://192.88.99.1/", /6to4 relay/],
  // 192.168.0.0/16
  ["http://192.168.1.1/", /192\.168\.1\.1 is a private \(192\.168\.0\.0\/16\)/],
  ["http://3232235777/", /192\.168\.1\.1 is a private/],
  ["http://0xc0.0xa8.1.1/", /private/],
  ["http://0300.0250.1.1/", /private/],
  ["http://192.168.257/", /192\.168\.1\.1 is a private/],
  ["http://0xc0a80101/", /private/],
  // 198.18.0.0/15, 198.51.100.0/24, 203.0.113.0/24
  ["http://198.18.0.1/", /benchmarking/],
  ["http://198.19.255.255/", /benchmarking/],
  ["http://198.51.100.7/", /documentation \(198\.51\.100\.0\/24\)/],
  ["http://203.0.113.9/", /documentation \(203\.0\.113\.0\/24\)/],
  // 224.0.0.0/4 multicast, 240.0.0.0/4 reserved, broadcast
  ["http://224.0.0.1/", /multicast/],
  ["http://239.255.255.250/", /multicast/],
  ["http://0xe0.1/", /multicast/],
  ["http://240.0.0.1/", /reserved \(240\.0\.0\.0\/4\)/],
  ["http://254.1.2.3/", /reserved/],
  ["http://255.255.255.255/", /broadcast/],
  ["http://4294967295/", /255\.255\.255\.255 is the broadcast/],
  ["http://0xffffffff/", /broadcast/],
  // IPv6 loopback / unspecified, in long and short forms
  ["http://[::1]/", /\[::1\] is a loopback address/],
  ["http://[0:0:0:0:0:0:0:1]/", /loopback/],
  ["http://[0000::0001]:8080/", /loopback/],
  ["http://[::]/", /\[::\] is the unspecified address/],
  ["http://[0:0::0]/", /unspecified/],
  // IPv4-mapped ::ffff:0:0/96
  ["http://[::ffff:127.0.0.1]/", /IPv4-mapped address of 127\.0\.0\.1, which is a loopback/],
  ["http://[::ffff:7f00:1]/", /IPv4-mapped.*loopback/],
  ["http://[::FFFF:7F00:1]/", /IPv4-mapped.*loopback/],
  ["http://[0:0:0:0:0:ffff:a00:1]/", /IPv4-mapped address of 10\.0\.0\.1, which is a private/],
  ["http://[::ffff:169.254.169.254]/", /IPv4-mapped.*cloud metadata/],
  ["http://[::ffff:a9fe:a9fe]/", /cloud metadata/],
  ["http://[::ffff:0.0.0.0]/", /IPv4-mapped.*this network/],
  ["http://[::ffff:c0a8:101]/", /IPv4-mapped address of 192\.168\.1\.1/],
  // IPv4-compatible ::/96
  ["http://[::127.0.0.1]/", /IPv4-compatible address of 127\.0\.0\.1, which is a loopback/],
  ["http://[::7f00:1]/", /IPv4-compatible.*loopback/],
  ["http://[::a00:1]/", /IPv4-compatible.*private/],
  // NAT64
  ["http://[64:ff9b::127.0.0.1]/", /NAT64 address of 127\.0\.0\.1, which is a loopback/],
  ["http://[64:ff9b::a9fe:a9fe]/", /NAT64.*cloud metadata/],
  ["http://[64:ff9b:1::1]/", /local-use NAT64/],
  ["http://[64:ff9b:1:ffff::8.8.8.8]/", /local-use NAT64/],
  // 6to4
  ["http://[2002:7f00:1::]/", /6to4 address of 127\.0\.0\.1, which is a loopback/],
  ["http://[2002:c0a8:101::1]/", /6to4 address of 192\.168\.1\.1, which is a private/],
  ["http://[2002:a9fe:a9fe::]/", /6to4.*cloud metadata/],
  // Other special IPv6 ranges
  ["http://[100::1]/", /discard-only/],
  ["http://[2001:db8::1]/", /documentation \(2001:db8::\/32\)/],
  ["http://[2001:DB8:ffff::]/", /documentation/],
  ["http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/", /Teredo/],
  ["http://[2001:2::1]/", /benchmarking/],
  ["http://[3fff::1]/", /documentation \(3fff::\/20\)/],
  ["http://[fc00::1]/", /unique local/],
  ["http://[fd12:3456:789a::1]/", /unique local/],
  ["http://[fd00:ec2::254]/", /AWS metadata/],
  ["http://[fe80::1]/", /\[fe80::1\] is a link-local address/],
  ["http://[febf:ffff::1]/", /link-local/],
  ["http://[fec0::1]/", /site-local/],
  ["http://[ff02::1]/", /multicast/],
  ["http://[ff05::1:3]/", /multicast/],
  ["http://[::ffff:0:127.0.0.1]/", /not a global unicast/], // SIIT form
  ["http://[1::1]/", /not a global unicast/],
  ["http://[e000::1]/", /not a global unicast/],
  // Zone identifiers and malformed literals are rejected by the parser itself
  ["http://[fe80::1%25eth0]/", /not a valid absolute URL/],
  ["http://[fe80::1%eth0]/", /not a valid absolute URL/],
  ["http://[::1%251]/", /not a valid absolute URL/],
  ["http://[1:2:3:4:5:6:7:8:9]/", /not a valid absolute URL/],
  ["http://256.0.0.1/", /not a valid absolute URL/],
  ["http://1.2.3.4.5/", /not a valid absolute URL/],
  ["http://0x100000000/", /not a valid absolute URL/],
  ["http://foo.1/", /not a valid absolute URL/],
  // Special-use host names
  ["http://localhost/", /localhost is a loopback host name/],
  ["http://localhost:8787/run", /loopback host name/],
  ["http://LOCALHOST/", /loopback host name/],
  ["http://localhost./", /loopback host name/],
  ["http://LocalHost.../", /loopback host name/],
  ["http://\u24dbocalhost/", /loopback host name/], // circled "l" maps to "l"
  ["http://.localhost/", /loopback host name/],
  ["http://foo.localhost/", /\.localhost name/],
  ["http://a.b.LOCALHOST./", /\.localhost name/],
  ["http://printer.local/", /printer\.local is a \.local name/],
  ["http://printer.LOCAL./", /\.local name/],
  ["http://metadata.google.internal/", /\.internal name/],
  ["http://foo.INTERNAL./", /\.internal name/],
  ["http://router.home.arpa/", /\.home\.arpa name/],
  ["http://metadata/", /metadata is a single-label host name/],
  ["http://intranet/", /single-label/],
  ["http://intranet./", /single-label/],
  ["http://kubernetes:443/", /single-label/],
  ["http://./", /not a valid host name/],
  // Schemes other than http: and https:
  ["ftp://example.com/file", /scheme ftp: is not allowed/],
  ["file:///etc/passwd", /scheme file: is not allowed/],
  ["javascript:alert(1)", /scheme javascript: is not allowed/],
  ["gopher://example.com:70/_", /scheme gopher: is not allowed/],
  ["ws://example.com/socket", /scheme ws: is not allowed/],
  ["wss://example.com/socket", /scheme wss: is not allowed/],
  ["data:text/plain,hello", /scheme data: is not allowed/],
  ["mailto:ops@example.com", /scheme mailto: is not allowed/],
  ["blob:https://example.com/1234", /scheme blob: is not allowed/],
  ["httpx://example.com/", /scheme httpx: is not allowed/],
  // User-info
  ["http://user:pass@example.com/", /user-info/],
  ["https://user@example.com/", /user-info/],
  ["https://:pass@example.com/", /user-info/],
  ["https://@example.com/", /user-info/],
  ["https://:@example.com/", /user-info/],
  ["https://example.com@127.0.0.1/", /user-info/],
  ["https://a%40b@example.com/", /user-info/],
  ["http:user@example.com/", /user-info/],
  ["http:\\\\@example.com/", /user-info/],
  ["http://us\ter@example.com/", /user-info/],
  // Length
  [`https://example.com/${"a".repeat(MAX_URL_LENGTH)}`, /longer than 2048 characters/],
  [`https://example.com/${"a".repeat(MAX_URL_LENGTH - 19)}`, /longer than 2048 characters/],
  [`https://example.com/${" x".repeat(600)}`, /longer than 2048 characters once normalised/],
  // Not absolute / not a URL
  ["/v1/hook", /not a valid absolute URL/],
  ["//example.com/hook", /not a valid absolute URL/],
  ["example.com", /not a valid absolute URL/],
  ["", /not a valid absolute URL/],
  ["http://", /not a valid absolute URL/],
  ["https:///", /not a valid absolute URL/],
  ["http://exa mple.com/", /not a valid absolute URL/],
];

/** [URL, the normalised href it must come back as]. Accepted with allowPrivate false. */
const ACCEPTED: [string, string][] = [
  ["https://example.com/", "https://example.com/"],
  ["http://example.com", "http://example.com/"],
  ["https://example.com:8443/path?q=1", "https://example.com:8443/path?q=1"],
  [
    "https://api.example.com/v1/hooks/run?token=abc&x=1#frag",
    "https://api.example.com/v1/hooks/run?token=abc&x=1#frag",
  ],
  ["https://EXAMPLE.com/Path", "https://example.com/Path"],
  ["https://example.com./", "https://example.com./"],
  [
    "https://example.com/users/@me?to=a@b.example#x@y",
    "https://example.com/users/@me?to=a@b.example#x@y",
  ],
  ["https://example.com/a\\@b", "https://example.com/a/@b"],
  ["http://8.8.8.8/", "http://8.8.8.8/"],
  ["https://1.1.1.1/dns-query", "https://1.1.1.1/dns-query"],
  ["http://134744072/", "http://8.8.8.8/"],
  ["http://0x08080808:8080/", "http://8.8.8.8:8080/"],
  ["http://11.0.0.1/", "http://11.0.0.1/"],
  ["http://172.15.255.255/", "http://172.15.255.255/"],
  ["http://172.32.0.1/", "http://172.32.0.1/"],
  ["http://100.63.255.255/", "http://100.63.255.255/"],
  ["http://100.128.0.1/", "http://100.128.0.1/"],
  ["http://192.169.0.1/", "http://192.169.0.1/"],
  ["http://223.255.255.255/", "http://223.255.255.255/"],
  ["http://[2606:4700:4700::1111]/", "http://[2606:4700:4700::1111]/"],
  ["https://[2001:4860:4860::8888]:8443/x", "https://[2001:4860:4860::8888]:8443/x"],
  ["http://[2001:4860:4860:0:0:0:0:8888]/", "http://[2001:4860:4860::8888]/"],
  ["http://[::ffff:8.8.8.8]/", "http://[::ffff:808:808]/"],
  ["http://[64:ff9b::1.1.1.1]/", "http://[64:ff9b::101:101]/"],
  ["http://[2002:808:808::1]/", "http://[2002:808:808::1]/"],
  ["https://b\u00fccher.example/", "https://xn--bcher-kva.example/"],
  ["https://localhost.example.com/", "https://localhost.example.com/"],
  ["https://local.example.com/", "https://local.example.com/"],
  ["https://internal.example.com/hooks", "https://internal.example.com/hooks"],
  ["https://my-local-server.com/", "https://my-local-server.com/"],
  ["https://metadata.example.org/", "https://metadata.example.org/"],
];

describe("checkTargetUrl refuses", () => {
  it("has enough cases", () => {
    expect(REFUSED.length).toBeGreaterThanOrEqual(60);
  });

  it.each(REFUSED)("%s", (raw, reason) => {
    const result = checkTargetUrl(raw, guarded);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.reason).toMatch(reason);
      expect(result.reason).toMatch(/^target (URL|host) /);
      expect(result.reason.length).toBeLessThan(300);
    }
  });
});

describe("checkTargetUrl accepts", () => {
  it("has enough cases", () => {
    expect(ACCEPTED.length).toBeGreaterThanOrEqual(15);
  });

  it.each(ACCEPTED)("%s", (raw, href) => {
    const result = checkTargetUrl(raw, guarded);
    expect(result).toMatchObject({ ok: true });
    if (result.ok) {
      expect(result.url).toBeInstanceOf(URL);
      expect(result.url.href).toBe(href);
      // The stored (normalised) form passes the check again, unchanged.
      const again = checkTargetUrl(result.url.href, guarded);
      expect(again.ok && again.url.href).toBe(href);
    }
  });

  it("accepts a URL of exactly MAX_URL_LENGTH characters", () => {
    const raw = `https://example.com/${"a".repeat(MAX_URL_LENGTH - 20)}`;
    expect(raw.length).toBe(MAX_URL_LENGTH);
    expect(checkTargetUrl(raw, guarded).ok).toBe(true);
  });
});

describe("checkTargetUrl with allowPrivate", () => {
  it.each([
    "http://127.0.0.1:8787/hook",
    "http://2130706433/",
    "http://localhost:3000/",
    "http://[::1]:9000/",
    "http://169.254.169.254/",
    "http://10.0.0.1/",
    "http://[fd00:ec2::254]/",
    "http://metadata/",
    "http://printer.local/",
  ])("lets %s through", (raw) => {
    expect(checkTargetUrl(raw, open).ok).toBe(true);
  });

  it.each([
    ["ftp://127.0.0.1/", /scheme ftp: is not allowed/],
    ["file:///etc/passwd", /scheme file: is not allowed/],
    ["http://user:pass@127.0.0.1/", /user-info/],
    ["http://@localhost/", /user-info/],
    ["/relative", /not a valid absolute URL/],
    [`http://127.0.0.1/${"a".repeat(MAX_URL_LENGTH)}`, /longer than 2048/],
  ])("still refuses %s", (raw, reason) => {
    const result = checkTargetUrl(raw, open);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toMatch(reason);
  });
});

/** Every IPv4 range of SPEC §8 with the description its reason must carry. */
const IPV4_RANGES: [string, number, RegExp][] = [
  ["0.0.0.0", 8, /this network/],
  ["10.0.0.0", 8, /private/],
  ["100.64.0.0", 10, /carrier-grade NAT/],
  ["127.0.0.0", 8, /loopback/],
  ["169.254.0.0", 16, /link-local/],
  ["172.16.0.0", 12, /private/],
  ["192.0.0.0", 24, /IETF/],
  ["192.0.2.0", 24, /documentation/],
  ["192.88.99.0", 24, /6to4 relay/],
  ["192.168.0.0", 16, /private/],
  ["198.18.0.0", 15, /benchmarking/],
  ["198.51.100.0", 24, /documentation/],
  ["203.0.113.0", 24, /documentation/],
  ["224.0.0.0", 4, /multicast/],
  ["240.0.0.0", 4, /reserved|broadcast/],
];

/** Spellings of one IPv4 address that the WHATWG parser accepts. */
function spellings(address: number): string[] {
  const b = formatIPv4(address).split(".").map(Number) as [number, number, number, number];
  return [
    formatIPv4(address),
    String(address),
    `0x${address.toString(16)}`,
    `0${address.toString(8)}`,
    b.map((x) => `0${x.toString(8)}`).join("."),
    b.map((x) => `0x${x.toString(16)}`).join("."),
    `${b[0]}.${address % 2 ** 24}`,
    `${b[0]}.${b[1]}.${address % 2 ** 16}`,
    `${formatIPv4(address)}.`,
  ];
}

describe("IPv4 ranges (property based)", () => {
  it.each(IPV4_RANGES)("refuses every address in %s/%d, in every spelling", (base, prefix, why) => {
    const start = parseIPv4(base)!;
    const size = 2 ** (32 - prefix);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: size - 1 }), (offset) => {
        for (const host of spellings(start + offset)) {
          const result = checkTargetUrl(`http://${host}/`, guarded);
          expect(result.ok, host).toBe(false);
          if (!result.ok) expect(result.reason).toMatch(why);
        }
      }),
      { numRuns: 50 },
    );
    // The edges of the range are inside it; the neighbours outside only if not blocked.
    expect(checkTargetUrl(`http://${formatIPv4(start)}/`, guarded).ok).toBe(false);
    expect(checkTargetUrl(`http://${formatIPv4(start + size - 1)}/`, guarded).ok).toBe(false);
  });

  it("gives every spelling of any address the verdict of its dotted form", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 32 - 1 }), (address) => {
        const expected = classifyIPv4(address) === null;
        for (const host of spellings(address)) {
          const result = checkTargetUrl(`http://${host}/`, guarded);
          expect(result.ok, host).toBe(expected);
          if (result.ok) expect(result.url.hostname).toBe(formatIPv4(address));
        }
      }),
      { numRuns: 500 },
    );
  });

  it("judges an IPv4-mapped IPv6 address like the IPv4 address itself", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 32 - 1 }), (address) => {
        const v4 = checkTargetUrl(`http://${formatIPv4(address)}/`, guarded).ok;
        expect(checkTargetUrl(`http://[::ffff:${formatIPv4(address)}]/`, guarded).ok).toBe(v4);
        expect(checkTargetUrl(`http://[64:ff9b::${formatIPv4(address)}]/`, guarded).ok).toBe(v4);
      }),
      { numRuns: 300 },
    );
  });
});

describe("ip parsers", () => {
  it.each([
    ["127.0.0.1", 0x7f000001],
    ["2130706433", 0x7f000001],
    ["0x7f.1", 0x7f000001],
    ["0177.0.0.1", 0x7f000001],
    ["127.1", 0x7f000001],
    ["127.0.1", 0x7f000001],
    ["0x", 0],
    ["1.2.3.4.", 0x01020304],
  ])("parseIPv4(%s)", (text, value) => {
    expect(parseIPv4(text)).toBe(value);
  });

  it.each(["256.0.0.1", "1.2.3.4.5", "0x100000000", "08", "1..2", "a.b", "", "1.256.1"])(
    "parseIPv4(%s) is null",
    (text) => {
      expect(parseIPv4(text)).toBeNull();
    },
  );

  it.each([
    ["::", [0, 0, 0, 0, 0, 0, 0, 0]],
    ["::1", [0, 0, 0, 0, 0, 0, 0, 1]],
    ["::ffff:127.0.0.1", [0, 0, 0, 0, 0, 0xffff, 0x7f00, 1]],
    ["fd00:ec2::254", [0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254]],
    ["1:2:3:4:5:6:7:8", [1, 2, 3, 4, 5, 6, 7, 8]],
    ["1::", [1, 0, 0, 0, 0, 0, 0, 0]],
    ["1:2:3:4:5:6::8", [1, 2, 3, 4, 5, 6, 0, 8]],
  ])("parseIPv6(%s)", (text, pieces) => {
    expect(parseIPv6(text)).toEqual(pieces);
  });

  it.each([
    "1:2:3:4:5:6:7:8:9",
    "1::2::3",
    "1:2:3:4:5:6:7:8::",
    "12345::",
    "fe80::1%eth0",
    "::1.2.3",
    "::1.2.3.4:5",
    ":1::",
    "",
  ])("parseIPv6(%s) is null", (text) => {
    expect(parseIPv6(text)).toBeNull();
  });
});
