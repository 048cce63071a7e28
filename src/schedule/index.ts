// Public face of the schedule module (SPEC §5). Pure: no I/O, no timers, no
// `node:` imports, so the same code runs in Node and in the Workers runtime.
import { describe } from "./describe";
import { ScheduleError } from "./errors";
import { nextFire } from "./next";
import { type CronSpec, expandNickname, parseFields } from "./parse";
import { canonicalTimeZone, getZone, type Zone } from "./zone";

export { ScheduleError, type ScheduleErrorCode } from "./errors";
export { canonicalTimeZone } from "./zone";

export interface CompiledSchedule {
  /** As given, trimmed, without a `CRON_TZ=` prefix. */
  readonly expression: string;
  /** Canonical IANA name in effect (a `CRON_TZ=` prefix wins over the argument). */
  readonly timezone: string;
  /** Six-field form (leading seconds). */
  readonly hasSeconds: boolean;
  /** SPEC §5: none of the second, minute and hour fields starts with `*`. */
  readonly fixedTime: boolean;
}

interface Internals {
  spec: CronSpec;
  zone: Zone;
  fields: string;
}

// Compiled state stays out of the public object so that it serializes to its
// four documented fields; a structurally equal object (e.g. read back from
// storage) is recompiled on first use.
const internals = new WeakMap<CompiledSchedule, Internals>();
const recompiled = new Map<string, Internals>();

const TZ_PREFIX = /^(?:CRON_TZ|TZ)=(\S*)(?:\s+|$)/i;

/** Whether the expression names its own zone with a `CRON_TZ=` (or `TZ=`) prefix. */
export function hasZonePrefix(expression: string): boolean {
  return TZ_PREFIX.test(expression.trim());
}

export function compileSchedule(expression: string, timezone = "UTC"): CompiledSchedule {
  if (typeof expression !== "string") {
    throw new ScheduleError("INVALID_CRON", "expression must be a string");
  }
  let text = expression.trim();
  let zoneName = timezone;
  const prefix = TZ_PREFIX.exec(text);
  if (prefix) {
    zoneName = prefix[1]!;
    text = text.slice(prefix[0].length).trim();
  }
  const tz = canonicalTimeZone(zoneName);
  if (tz === null) {
    throw new ScheduleError("INVALID_TIMEZONE", `unknown time zone "${zoneName}"`);
  }
  if (text === "") throw new ScheduleError("INVALID_CRON", "empty expression");
  const fields = expandNickname(text) ?? text;
  const spec = parseFields(fields);
  const compiled: CompiledSchedule = Object.freeze({
    expression: text,
    timezone: tz,
    hasSeconds: spec.hasSeconds,
    fixedTime: spec.fixedTime,
  });
  internals.set(compiled, { spec, zone: getZone(tz), fields });
  return compiled;
}

function internalsOf(s: CompiledSchedule): Internals | null {
  const known = internals.get(s);
  if (known) return known;
  const key = `${s.timezone}\n${s.expression}`;
  let again = recompiled.get(key);
  if (again === undefined) {
    try {
      again = internals.get(compileSchedule(s.expression, s.timezone))!;
    } catch {
      return null;
    }
    if (recompiled.size > 500) recompiled.clear();
    recompiled.set(key, again);
  }
  return again;
}

/** Smallest fire instant (epoch ms) strictly after `afterMs`, or null if there is none. */
export function nextFireAfter(s: CompiledSchedule, afterMs: number): number | null {
  const it = internalsOf(s);
  return it === null ? null : nextFire(it.spec, it.zone, afterMs);
}

/** The next `count` fire instants after `afterMs`, strictly increasing. */
export function nextFires(s: CompiledSchedule, afterMs: number, count: number): number[] {
  const out: number[] = [];
  let t = afterMs;
  for (let i = 0; i < count; i++) {
    const next = nextFireAfter(s, t);
    if (next === null) break;
    out.push(next);
    t = next;
  }
  return out;
}

/** A readable English sentence, e.g. "At 09:00, only on Monday (America/New_York)". */
export function describeSchedule(s: CompiledSchedule): string {
  const it = internalsOf(s);
  return describe(it?.fields ?? s.expression, s.timezone);
}
