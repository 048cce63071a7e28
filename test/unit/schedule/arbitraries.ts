// fast-check generators of cron expressions. Each generated field carries its
// own predicate, so the reference never parses the text it is compared on.
import fc from "fast-check";
import type { RefExpr, Wall } from "./reference";

interface Field {
  text: string;
  test: (v: number) => boolean;
}

/** Values worth hitting (e.g. the local hours around a DST transition). */
export interface Hints {
  hours: number[];
  days: number[];
  weekdays: number[];
  months: number[];
}

const NO_HINTS: Hints = { hours: [], days: [], weekdays: [], months: [] };
const MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
const DAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

function value(min: number, max: number, hints: number[]): fc.Arbitrary<number> {
  const any = fc.integer({ min, max });
  return hints.length ? fc.oneof(fc.constantFrom(...hints), any) : any;
}

/** One list item without a leading star: a, a-b, a/n, a-b/n. */
function item(
  min: number,
  max: number,
  hints: number[],
  name?: (v: number) => string | undefined,
): fc.Arbitrary<Field> {
  const show = (v: number, named: boolean) => (named && name?.(v)) || String(v);
  const v = value(min, max, hints);
  return fc.oneof(
    fc.tuple(v, fc.boolean()).map(([a, named]) => ({
      text: show(a, named),
      test: (x: number) => x === a,
    })),
    fc.tuple(v, fc.integer({ min: 0, max: max - min }), fc.boolean()).map(([a, len, named]) => {
      const b = Math.min(max, a + len);
      return { text: `${show(a, named)}-${show(b, named)}`, test: (x: number) => x >= a && x <= b };
    }),
    fc
      .tuple(v, fc.integer({ min: 1, max: Math.max(1, Math.floor((max - min + 1) / 2)) }))
      .map(([a, n]) => ({ text: `${a}/${n}`, test: (x: number) => x >= a && (x - a) % n === 0 })),
    fc
      .tuple(
        v,
        fc.integer({ min: 1, max: max - min }),
        fc.integer({ min: 1, max: Math.min(10, max - min) }),
      )
      .map(([a, len, n]) => {
        const b = Math.min(max, a + len);
        return {
          text: `${a}-${b}/${n}`,
          test: (x: number) => x >= a && x <= b && (x - a) % n === 0,
        };
      }),
  );
}

function list(items: fc.Arbitrary<Field>): fc.Arbitrary<Field> {
  return fc.array(items, { minLength: 1, maxLength: 3 }).map((fs) => ({
    text: fs.map((f) => f.text).join(","),
    test: (x: number) => fs.some((f) => f.test(x)),
  }));
}

function star(min: number, max: number): fc.Arbitrary<Field> {
  return fc.oneof(
    fc.constant({ text: "*", test: () => true }),
    fc.integer({ min: 1, max: Math.min(30, max - min + 1) }).map((n) => ({
      text: `*/${n}`,
      test: (x: number) => (x - min) % n === 0,
    })),
  );
}

/** A time field; `kind` decides whether its text starts with `*`. */
function timeField(max: number, hints: number[], starred: boolean): fc.Arbitrary<Field> {
  return starred ? star(0, max) : list(item(0, max, hints));
}

export type Kind = "fixed" | "wildcard";

const STARS: Record<number, fc.Arbitrary<boolean[]>> = {
  // Which of (second,) minute, hour start with `*` in a wildcard job: at least one.
  2: fc.constantFrom([true, false], [false, true], [true, true]),
  3: fc.constantFrom(
    [true, false, false],
    [false, true, false],
    [false, false, true],
    [true, true, false],
    [false, true, true],
    [true, true, true],
  ),
};

interface Day {
  text: string;
  restricted: boolean;
  test: (w: Wall) => boolean;
}

const weekdayOf = (w: Wall, day: number) => (((w.weekday + day - w.day) % 7) + 7) % 7;
const isWorkday = (w: Wall, day: number) => weekdayOf(w, day) >= 1 && weekdayOf(w, day) <= 5;

function domField(hints: number[]): fc.Arbitrary<Day> {
  const dayOf = (f: Field) => ({ text: f.text, test: (w: Wall) => f.test(w.day) });
  const special = fc.oneof(
    fc.integer({ min: 0, max: 5 }).map((n) => ({
      text: n === 0 ? "L" : `L-${n}`,
      test: (w: Wall) => w.day === w.daysInMonth - n,
    })),
    value(1, 31, hints).map((n) => ({
      text: `${n}W`,
      test: (w: Wall) => {
        if (n > w.daysInMonth) return false;
        // The weekday nearest to day n without leaving the month.
        let target = n;
        if (!isWorkday(w, n)) {
          const candidates = [n - 1, n + 1, n - 2, n + 2].filter(
            (d) => d >= 1 && d <= w.daysInMonth && isWorkday(w, d),
          );
          const sat = weekdayOf(w, n) === 6;
          target = candidates.sort(
            (a, b) =>
              Math.abs(a - n) - Math.abs(b - n) ||
              (sat ? a - b : b - a) /* Saturday prefers Friday, Sunday prefers Monday */,
          )[0]!;
        }
        return w.day === target;
      },
    })),
    fc.constant({
      text: "LW",
      test: (w: Wall) => {
        let d = w.daysInMonth;
        while (!isWorkday(w, d)) d--;
        return w.day === d;
      },
    }),
  );
  const listed = fc
    .array(fc.oneof(item(1, 31, hints).map(dayOf), special), { minLength: 1, maxLength: 3 })
    .map((fs) => ({
      text: fs.map((f) => f.text).join(","),
      restricted: true,
      test: (w: Wall) => fs.some((f) => f.test(w)),
    }));
  return fc.oneof(
    {
      weight: 3,
      arbitrary: fc
        .constantFrom("*", "?")
        .map((text) => ({ text, restricted: false, test: () => true })),
    },
    {
      weight: 1,
      arbitrary: star(1, 31)
        .filter((f) => f.text !== "*")
        .map((f) => ({ text: f.text, restricted: true, test: (w: Wall) => f.test(w.day) })),
    },
    { weight: 4, arbitrary: listed },
  );
}

function dowField(hints: number[]): fc.Arbitrary<Day> {
  // 7 is Sunday too, but "SUN" is 0: a range such as 6-7 must stay numeric.
  const name = (v: number) => DAYS[v];
  const plain = item(0, 7, hints, name).map((f) => ({
    text: f.text,
    test: (w: Wall) => f.test(w.weekday) || (w.weekday === 0 && f.test(7)),
  }));
  const special = fc.oneof(
    fc.tuple(value(0, 7, hints), fc.integer({ min: 1, max: 5 })).map(([d, k]) => ({
      text: `${d}#${k}`,
      test: (w: Wall) => w.weekday === d % 7 && Math.ceil(w.day / 7) === k,
    })),
    fc.tuple(value(0, 7, hints), fc.boolean()).map(([d, named]) => ({
      text: `${(named && name(d)) || d}L`,
      test: (w: Wall) => w.weekday === d % 7 && w.day + 7 > w.daysInMonth,
    })),
  );
  const listed = fc.array(fc.oneof(plain, special), { minLength: 1, maxLength: 3 }).map((fs) => ({
    text: fs.map((f) => f.text).join(","),
    restricted: true,
    test: (w: Wall) => fs.some((f) => f.test(w)),
  }));
  return fc.oneof(
    {
      weight: 3,
      arbitrary: fc
        .constantFrom("*", "?")
        .map((text) => ({ text, restricted: false, test: () => true })),
    },
    { weight: 2, arbitrary: listed },
  );
}

function monthField(hints: number[]): fc.Arbitrary<Field> {
  return fc.oneof(
    { weight: 3, arbitrary: fc.constant({ text: "*", test: () => true }) },
    { weight: 2, arbitrary: list(item(1, 12, hints, (v) => MONTHS[v - 1]!)) },
  );
}

export interface ExprOptions {
  hasSeconds: boolean;
  kind?: Kind;
  hints?: Hints;
}

export function exprArb({
  hasSeconds,
  kind,
  hints = NO_HINTS,
}: ExprOptions): fc.Arbitrary<RefExpr> {
  const n = hasSeconds ? 3 : 2;
  const kindArb = kind ? fc.constant(kind) : fc.constantFrom<Kind>("fixed", "wildcard");
  const starsArb = kindArb.chain((k) =>
    k === "fixed" ? fc.constant(new Array(n).fill(false)) : STARS[n]!,
  );
  return starsArb.chain((stars) => {
    const [secStar, minStar, hourStar] = hasSeconds ? stars : [false, ...stars];
    return fc
      .record({
        second: hasSeconds
          ? timeField(59, [0, 30, 59], secStar!)
          : fc.constant({ text: "0", test: (x: number) => x === 0 }),
        minute: timeField(59, [0, 15, 30, 45, 59], minStar!),
        hour: timeField(23, hints.hours, hourStar!),
        dom: domField(hints.days),
        month: monthField(hints.months),
        dow: dowField(hints.weekdays),
      })
      .map(({ second, minute, hour, dom, month, dow }): RefExpr => {
        const texts = [minute.text, hour.text, dom.text, month.text, dow.text];
        if (hasSeconds) texts.unshift(second.text);
        return {
          text: texts.join(" "),
          hasSeconds,
          fixed: ![second.text, minute.text, hour.text].some((t) => t.startsWith("*")),
          matchesDay: (w) => {
            if (!month.test(w.month)) return false;
            if (dom.restricted && dow.restricted) return dom.test(w) || dow.test(w);
            return dom.test(w) && dow.test(w);
          },
          matches(w) {
            if (!second.test(w.second) || !minute.test(w.minute) || !hour.test(w.hour))
              return false;
            return this.matchesDay(w);
          },
        };
      });
  });
}
