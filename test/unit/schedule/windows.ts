// Windows of real time around every 2026–2027 DST transition of the zones
// under test (found with the reference's own Intl scan), plus a few historic
// oddities and windows for zones without DST.
import type { Hints } from "./arbitraries";
import { findTransitions, WallTrack, wallFromKey, wallKey } from "./reference";

export const ZONES = [
  "America/New_York",
  "Europe/London",
  "Europe/Berlin",
  "Australia/Lord_Howe",
  "Pacific/Chatham",
  "Pacific/Auckland",
  "America/Santiago",
  "America/Havana",
  "Asia/Kolkata",
  "UTC",
  "Australia/Sydney",
  "America/Sao_Paulo",
  "Africa/Casablanca",
  "Asia/Tehran",
  "America/St_Johns",
];

const HOUR = 3600_000;
const MINUTE = 60_000;

export interface Window {
  zone: string;
  /** The transition (or an ordinary instant for zones without DST). */
  at: number;
  hints: Hints;
  label: string;
}

function hintsAround(zone: string, at: number): Hints {
  const walls = [-HOUR, -1000, 0, HOUR, 2 * HOUR].map((d) => wallFromKey(wallKey(zone, at + d)));
  const uniq = (xs: number[]) => [...new Set(xs)];
  return {
    hours: uniq(walls.map((w) => w.hour)),
    days: uniq(walls.map((w) => w.day)),
    weekdays: uniq(walls.map((w) => w.weekday)),
    months: uniq(walls.map((w) => w.month)),
  };
}

function window(zone: string, at: number, label = ""): Window {
  return {
    zone,
    at,
    hints: hintsAround(zone, at),
    label: `${zone} ${new Date(at).toISOString()}${label}`,
  };
}

export function dstWindows(): Window[] {
  const from = Date.UTC(2026, 0, 1);
  const to = Date.UTC(2028, 0, 1);
  const out: Window[] = [];
  for (const zone of ZONES) {
    const ts = findTransitions(zone, from, to);
    if (ts.length === 0) {
      // No DST in 2026–2027: an ordinary night and a month-end.
      out.push(window(zone, Date.UTC(2026, 2, 29, 1), " (no DST)"));
      out.push(window(zone, Date.UTC(2027, 9, 31, 23), " (no DST)"));
    }
    for (const t of ts) out.push(window(zone, t));
  }
  return out;
}

/** Offset changes of a day or half an hour, and a 24-hour gap. */
export function historicWindows(): Window[] {
  const found: Window[] = [];
  const cases: Array<[string, number, number]> = [
    ["Pacific/Apia", Date.UTC(2011, 11, 29), Date.UTC(2011, 11, 31)], // skipped 30 Dec 2011
    ["Pacific/Kwajalein", Date.UTC(1993, 7, 19), Date.UTC(1993, 7, 22)], // skipped a day
    ["America/Caracas", Date.UTC(2016, 4, 1), Date.UTC(2016, 4, 2)], // -04:30 → -04:00
    ["Europe/Moscow", Date.UTC(2014, 9, 25), Date.UTC(2014, 9, 27)], // -2 h, permanent
    ["Asia/Pyongyang", Date.UTC(2018, 4, 4), Date.UTC(2018, 4, 5)], // +08:30 → +09:00
  ];
  for (const [zone, from, to] of cases) {
    for (const t of findTransitions(zone, from, to)) found.push(window(zone, t, " (historic)"));
  }
  return found;
}

const tracks = new Map<string, WallTrack>();

/** Minute grid from `at` − (warm + 26 h) to `at` + 26 h; compares from `at` − 26 h. */
export function minuteTrack(w: Window, warm = 2 * HOUR): { track: WallTrack; from: number } {
  const key = `m ${w.zone} ${w.at} ${warm}`;
  let track = tracks.get(key);
  if (!track) {
    const at = Math.floor(w.at / MINUTE) * MINUTE;
    track = new WallTrack(w.zone, at - 26 * HOUR - warm, at + 26 * HOUR, MINUTE);
    tracks.set(key, track);
  }
  return { track, from: track.start + warm };
}

/** Second grid from `at` − 2 h to `at` + 70 min; compares from `at` − 50 min. */
export function secondTrack(w: Window): { track: WallTrack; from: number } {
  const key = `s ${w.zone} ${w.at}`;
  let track = tracks.get(key);
  if (!track) {
    track = new WallTrack(w.zone, w.at - 2 * HOUR, w.at + 70 * MINUTE, 1000);
    tracks.set(key, track);
  }
  return { track, from: w.at - 50 * MINUTE };
}
