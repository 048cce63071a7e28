// Cron text → CronSpec: per-field "next allowed value" tables plus the day
// rules. Every refusal names its field so that the API can say what is wrong.
import { daysInMonth } from "./calendar";
import { buildWeekdayMasks, type DaySpec, type DomSpec, type DowSpec, dayMask } from "./days";
import { type FieldName, fieldError, ScheduleError } from "./errors";

export interface CronSpec extends DaySpec {
  /** next[v] = smallest allowed value ≥ v, or -1. */
  second: Int8Array;
  minute: Int8Array;
  hour: Int8Array;
  month: Int8Array;
  hasSeconds: boolean;
  /** SPEC §5: none of the second, minute and hour fields starts with `*`. */
  fixedTime: boolean;
}

const NICKNAMES: Record<string, string> = {
  "@yearly": "0 0 1 1 *",
  "@annually": "0 0 1 1 *",
  "@monthly": "0 0 1 * *",
  "@weekly": "0 0 * * 0",
  "@daily": "0 0 * * *",
  "@midnight": "0 0 * * *",
  "@hourly": "0 * * * *",
};

const MONTH_NAMES = [
  "JAN",
  "FEB",
  "MAR",
  "APR",
  "MAY",
  "JUN",
  "JUL",
  "AUG",
  "SEP",
  "OCT",
  "NOV",
  "DEC",
];
const DAY_NAMES = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

interface FieldDef {
  name: FieldName;
  min: number;
  max: number;
  names?: string[];
  /** Value of the first name (1 for JAN, 0 for SUN). */
  nameBase?: number;
}

const SECOND_DEF: FieldDef = { name: "second", min: 0, max: 59 };
const MINUTE_DEF: FieldDef = { name: "minute", min: 0, max: 59 };
const HOUR_DEF: FieldDef = { name: "hour", min: 0, max: 23 };
const DOM_DEF: FieldDef = { name: "day-of-month", min: 1, max: 31 };
const MONTH_DEF: FieldDef = { name: "month", min: 1, max: 12, names: MONTH_NAMES, nameBase: 1 };
// 7 is accepted as Sunday; `*` means 0-6.
const DOW_DEF: FieldDef = { name: "day-of-week", min: 0, max: 7, names: DAY_NAMES, nameBase: 0 };

/** Expand a nickname; undefined when the text is not one. Throws for unknown `@…`. */
export function expandNickname(text: string): string | undefined {
  if (!text.startsWith("@")) return undefined;
  const fields = NICKNAMES[text.toLowerCase()];
  if (fields === undefined) {
    throw new ScheduleError(
      "INVALID_CRON",
      `unknown nickname ${text} (supported: ${Object.keys(NICKNAMES).join(" ")})`,
    );
  }
  return fields;
}

function parseValue(text: string, def: FieldDef): number {
  if (/^\d+$/.test(text)) {
    const v = Number(text);
    if (v < def.min || v > def.max) {
      throw fieldError(def.name, `value ${text} out of range ${def.min}-${def.max}`);
    }
    return v;
  }
  if (def.names) {
    const i = def.names.indexOf(text.toUpperCase());
    if (i >= 0) return i + (def.nameBase ?? 0);
    if (/^[a-z]+$/i.test(text)) throw fieldError(def.name, `unknown name "${text}"`);
  }
  throw fieldError(def.name, `invalid value "${text}"`);
}

/** `*`, `a`, `a-b`, each optionally `/step`; marks allowed values in `out`. */
function parseRange(item: string, def: FieldDef, out: boolean[]): void {
  const slash = item.split("/");
  if (slash.length > 2) throw fieldError(def.name, `invalid step in "${item}"`);
  const [range, stepText] = slash as [string, string | undefined];
  const top = def === DOW_DEF ? 6 : def.max;
  let step = 1;
  if (stepText !== undefined) {
    if (!/^\d+$/.test(stepText)) throw fieldError(def.name, `invalid step "${stepText}"`);
    step = Number(stepText);
    const span = top - def.min + 1;
    if (step < 1 || step > span) {
      throw fieldError(def.name, `step ${stepText} out of range 1-${span}`);
    }
  }
  let lo: number;
  let hi: number;
  if (range === "*") {
    lo = def.min;
    hi = top;
  } else if (range.includes("-")) {
    const parts = range.split("-");
    if (parts.length !== 2 || parts[0] === "" || parts[1] === "") {
      throw fieldError(def.name, `invalid range "${range}"`);
    }
    lo = parseValue(parts[0]!, def);
    hi = parseValue(parts[1]!, def);
    if (lo > hi) {
      throw fieldError(def.name, `range ${range} is backwards (start is after end)`);
    }
  } else {
    if (range === "") throw fieldError(def.name, `invalid value "${item}"`);
    lo = parseValue(range, def);
    hi = stepText === undefined ? lo : def.max;
  }
  for (let v = lo; v <= hi; v += step) out[def === DOW_DEF ? v % 7 : v] = true;
}

function listItems(text: string, def: FieldDef): string[] {
  const items = text.split(",");
  if (items.some((i) => i === "")) throw fieldError(def.name, `empty item in list "${text}"`);
  if (text.includes("?") && text !== "?") {
    throw fieldError(def.name, `"?" must be the whole field`);
  }
  return items;
}

function nextTable(allowed: boolean[], size: number): Int8Array {
  const next = new Int8Array(size + 1).fill(-1);
  for (let v = size - 1; v >= 0; v--) next[v] = allowed[v] ? v : next[v + 1]!;
  return next;
}

function parseSimple(text: string, def: FieldDef): Int8Array {
  if (text === "?") {
    throw fieldError(def.name, `"?" is only allowed in the day-of-month and day-of-week fields`);
  }
  const allowed: boolean[] = [];
  for (const item of listItems(text, def)) parseRange(item, def, allowed);
  return nextTable(allowed, def.max + 1);
}

function parseDomItem(item: string, dom: DomSpec, allowed: boolean[]): void {
  const upper = item.toUpperCase();
  const lastMinus = /^L-(\d+)$/.exec(upper);
  const nearest = /^(\d+)W$/.exec(upper);
  if (upper === "L") {
    dom.lastOffsets.push(0);
  } else if (lastMinus) {
    const n = Number(lastMinus[1]);
    if (n > 30) throw fieldError(DOM_DEF.name, `${item} out of range L-0 to L-30`);
    dom.lastOffsets.push(n);
  } else if (upper === "LW") {
    dom.lastWeekday = true;
  } else if (nearest) {
    dom.nearestWeekday.push(parseValue(nearest[1]!, DOM_DEF));
  } else if (upper.includes("W") || upper.includes("L")) {
    throw fieldError(DOM_DEF.name, `invalid "${item}" (use L, L-n, LW or nW such as 15W)`);
  } else {
    parseRange(item, DOM_DEF, allowed);
  }
}

function parseDom(text: string): DomSpec {
  const dom: DomSpec = { days: 0, lastOffsets: [], nearestWeekday: [], lastWeekday: false };
  if (text === "?" || text === "*") return dom;
  const allowed: boolean[] = [];
  for (const item of listItems(text, DOM_DEF)) parseDomItem(item, dom, allowed);
  for (let d = 1; d <= 31; d++) if (allowed[d]) dom.days |= 1 << d;
  return dom;
}

function parseDowItem(item: string, dow: DowSpec, allowed: boolean[]): void {
  const nth = /^(\w+)#(\w*)$/.exec(item);
  const last = /^(\d+|[a-z]{3})L$/i.exec(item);
  if (nth) {
    const w = parseValue(nth[1]!, DOW_DEF) % 7;
    const k = nth[2]!;
    if (!/^[1-5]$/.test(k)) {
      throw fieldError(DOW_DEF.name, `#${k} out of range 1-5 in "${item}"`);
    }
    dow.nth.push([w, Number(k)]);
  } else if (last) {
    dow.lastOf |= 1 << (parseValue(last[1]!, DOW_DEF) % 7);
  } else if (/^L$/i.test(item)) {
    throw fieldError(DOW_DEF.name, `"L" needs a weekday here, e.g. 5L for the last Friday`);
  } else {
    parseRange(item, DOW_DEF, allowed);
  }
}

function parseDow(text: string): DowSpec {
  const dow: DowSpec = { weekdays: 0, nth: [], lastOf: 0 };
  if (text === "?" || text === "*") {
    dow.weekdays = 0x7f;
    return dow;
  }
  const allowed: boolean[] = [];
  for (const item of listItems(text, DOW_DEF)) parseDowItem(item, dow, allowed);
  for (let w = 0; w < 7; w++) if (allowed[w]) dow.weekdays |= 1 << w;
  return dow;
}

/** Throws unless some month of some kind of year (leap or not, 1st on any weekday) has a matching day. */
function assertCanFire(spec: CronSpec, domText: string): void {
  for (let m = 1; m <= 12; m++) {
    if (spec.month[m] !== m) continue;
    const lengths = m === 2 ? [28, 29] : [daysInMonth(2001, m)];
    for (const dim of lengths) {
      for (let first = 0; first < 7; first++) if (dayMask(spec, dim, first) !== 0) return;
    }
  }
  const months: string[] = [];
  for (let m = 1; m <= 12; m++) if (spec.month[m] === m) months.push(MONTH_NAMES[m - 1]!);
  throw new ScheduleError(
    "INVALID_CRON",
    `never fires: no day in ${months.join(",")} matches day-of-month "${domText}"`,
    "day-of-month",
  );
}

/** Parse 5 or 6 whitespace-separated fields (nicknames already expanded). */
export function parseFields(text: string): CronSpec {
  const fields = text.split(/\s+/).filter((f) => f !== "");
  if (fields.length !== 5 && fields.length !== 6) {
    throw new ScheduleError(
      "INVALID_CRON",
      `expected 5 fields (minute hour day-of-month month day-of-week) or 6 (with leading seconds), got ${fields.length}`,
    );
  }
  const hasSeconds = fields.length === 6;
  const [secText, minText, hourText, domText, monText, dowText] = (
    hasSeconds ? fields : ["0", ...fields]
  ) as [string, string, string, string, string, string];
  const dow = parseDow(dowText);
  const spec: CronSpec = {
    second: parseSimple(secText, SECOND_DEF),
    minute: parseSimple(minText, MINUTE_DEF),
    hour: parseSimple(hourText, HOUR_DEF),
    month: parseSimple(monText, MONTH_DEF),
    dom: parseDom(domText),
    dow,
    domRestricted: domText !== "*" && domText !== "?",
    dowRestricted: dowText !== "*" && dowText !== "?",
    weekdayMasks: buildWeekdayMasks(dow.weekdays),
    hasSeconds,
    fixedTime: ![secText, minText, hourText].some((f) => f.startsWith("*")),
  };
  assertCanFire(spec, domText);
  return spec;
}
