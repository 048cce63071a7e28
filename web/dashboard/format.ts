// Times, durations and numbers as the dashboard shows them. Absolute times are in the
// job's own time zone; relative ones ("in 3 min") refresh on a timer (main.ts).

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-GB", {
      timeZone: zone,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
      hourCycle: "h23",
      timeZoneName: "short",
    });
    formatters.set(zone, f);
  }
  return f;
}

function parts(ms: number, zone: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of formatter(zone).formatToParts(ms)) out[p.type] = p.value;
  return out;
}

export function isValidZone(zone: string): boolean {
  if (!zone.trim()) return false;
  try {
    formatter(zone);
    return true;
  } catch {
    return false;
  }
}

/** "2026-11-17 09:05:00 CET" in `zone` ("—" for null). */
export function dateTime(iso: string | null, zone = "UTC", seconds = true): string {
  if (!iso) return "—";
  const ms = Date.parse(iso);
  if (!Number.isFinite(ms)) return iso;
  const p = parts(ms, zone);
  const time = seconds ? `${p.hour}:${p.minute}:${p.second}` : `${p.hour}:${p.minute}`;
  return `${p.year}-${p.month}-${p.day} ${time} ${p.timeZoneName ?? zone}`;
}

/** "in 3 min", "12 s ago", "now". */
export function relative(iso: string | null, now = Date.now()): string {
  if (!iso) return "";
  const diff = Date.parse(iso) - now;
  const abs = Math.abs(diff);
  let text: string;
  if (abs < 1500) return "now";
  if (abs < 60_000) text = `${Math.round(abs / 1000)} s`;
  else if (abs < 90 * 60_000) text = `${Math.round(abs / 60_000)} min`;
  else if (abs < 36 * 3_600_000) text = `${Math.round(abs / 3_600_000)} h`;
  else text = `${Math.round(abs / 86_400_000)} d`;
  return diff > 0 ? `in ${text}` : `${text} ago`;
}

/** "85 ms", "1.24 s", "2 min 5 s". */
export function duration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return "—";
  const sign = ms < 0 ? "−" : "";
  const a = Math.abs(ms);
  if (a < 1000) return `${sign}${Math.round(a)} ms`;
  if (a < 60_000) return `${sign}${(a / 1000).toFixed(a < 10_000 ? 2 : 1)} s`;
  const s = Math.round(a / 1000);
  return `${sign}${Math.floor(s / 60)} min ${s % 60} s`;
}

export const percent = (r: number | null) =>
  r === null ? "—" : `${(r * 100).toFixed(r === 1 || r === 0 ? 0 : 1)} %`;

/** Offset of `zone` from UTC at instant `ms`, in ms. */
function offsetAt(ms: number, zone: string): number {
  const p = parts(ms, zone);
  const wall = Date.UTC(+p.year!, +p.month! - 1, +p.day!, +p.hour!, +p.minute!, +p.second!);
  return wall - Math.floor(ms / 1000) * 1000;
}

/**
 * A `datetime-local` value ("2026-12-01T09:00") read as wall time in `zone` → ISO UTC.
 * A repeated wall time (fall back) is its first occurrence; a skipped one (spring
 * forward) moves forward by the gap (02:30 → 03:30), as a wall clock would.
 */
export function wallToIso(wall: string, zone: string): string | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(wall);
  if (!m || !isValidZone(zone)) return null;
  const [y, mo, d, hh, mi, ss] = m.slice(1).map((v) => Number(v ?? 0)) as number[];
  const asUtc = Date.UTC(y!, mo! - 1, d!, hh!, mi!, ss!);
  if (!Number.isFinite(asUtc)) return null;
  // The zone's offsets a day and a half either side (offsets span −12 h…+14 h): the
  // ones before and after any transition near this wall time.
  const before = asUtc - offsetAt(asUtc - 129_600_000, zone);
  const after = asUtc - offsetAt(asUtc + 129_600_000, zone);
  const fits = [before, after].filter((t) => t + offsetAt(t, zone) === asUtc);
  const t = fits.length > 0 ? Math.min(...fits) : before;
  return new Date(t).toISOString();
}

/** An ISO instant as a `datetime-local` value in `zone`. */
export function isoToWall(iso: string | null, zone: string): string {
  if (!iso || !isValidZone(zone)) return "";
  const p = parts(Date.parse(iso), zone);
  return `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}`;
}

export const browserZone = () => Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";

/** Common IANA zones for the timezone field's suggestions. */
export const COMMON_ZONES = [
  "UTC",
  "Europe/London",
  "Europe/Dublin",
  "Europe/Lisbon",
  "Europe/Paris",
  "Europe/Berlin",
  "Europe/Madrid",
  "Europe/Rome",
  "Europe/Amsterdam",
  "Europe/Stockholm",
  "Europe/Warsaw",
  "Europe/Athens",
  "Europe/Helsinki",
  "Europe/Istanbul",
  "Europe/Moscow",
  "Africa/Cairo",
  "Africa/Johannesburg",
  "Africa/Lagos",
  "Asia/Dubai",
  "Asia/Kolkata",
  "Asia/Bangkok",
  "Asia/Singapore",
  "Asia/Shanghai",
  "Asia/Hong_Kong",
  "Asia/Tokyo",
  "Asia/Seoul",
  "Australia/Perth",
  "Australia/Sydney",
  "Pacific/Auckland",
  "America/Sao_Paulo",
  "America/Argentina/Buenos_Aires",
  "America/Mexico_City",
  "America/New_York",
  "America/Chicago",
  "America/Denver",
  "America/Los_Angeles",
  "America/Anchorage",
  "Pacific/Honolulu",
];
