// The module against the brute-force reference, around every 2026–2027 DST
// transition of 15 zones, for fixed-time and wildcard expressions of both lengths.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type CompiledSchedule, compileSchedule, nextFireAfter } from "../../../src/schedule/index";
import { exprArb, type Kind } from "./arbitraries";
import { everMatchesDay, type RefExpr, referenceFires, type WallTrack, wallKey } from "./reference";
import { dstWindows, historicWindows, minuteTrack, secondTrack, type Window } from "./windows";

function moduleFires(text: string, zone: string, from: number, to: number): number[] {
  const s = compileSchedule(text, zone);
  const out: number[] = [];
  for (
    let t: number | null = nextFireAfter(s, from);
    t !== null && t <= to;
    t = nextFireAfter(s, t)
  ) {
    out.push(t);
    if (out.length > 20_000) throw new Error("runaway");
  }
  return out;
}

function show(zone: string, ts: number[]): string[] {
  return ts.map(
    (t) =>
      `${new Date(t).toISOString()} (wall ${new Date(wallKey(zone, t)).toISOString().slice(0, 19)})`,
  );
}

function agree(e: RefExpr, zone: string, track: WallTrack, from: number, probes: number[]): void {
  let s: CompiledSchedule;
  try {
    s = compileSchedule(e.text, zone);
  } catch (err) {
    // Refused as never firing: the reference must agree over a whole 400-year cycle.
    expect((err as Error).message).toMatch(/^never fires/);
    expect(everMatchesDay(e)).toBe(false);
    return;
  }
  expect(s.fixedTime).toBe(e.fixed);
  expect(s.hasSeconds).toBe(e.hasSeconds);
  const got = moduleFires(e.text, zone, from, track.end);
  const want = referenceFires(e, track, from);
  if (got.length !== want.length || got.some((t, i) => t !== want[i])) {
    expect({ expr: e.text, zone, fires: show(zone, got) }).toEqual({
      expr: e.text,
      zone,
      fires: show(zone, want),
    });
  }
  // Starting anywhere (e.g. inside a repeated hour) gives the first fire after it.
  for (const x of probes) {
    const next = nextFireAfter(s, x);
    const expected = want.find((t) => t > x);
    if (expected !== undefined) expect(show(zone, [next ?? 0])).toEqual(show(zone, [expected]));
    else expect(next === null || next > track.end).toBe(true);
  }
}

const RUNS: Array<[Kind, boolean, number]> = [
  ["fixed", false, 12],
  ["wildcard", false, 12],
  ["fixed", true, 3],
  ["wildcard", true, 3],
];

function checkWindow(w: Window, warm?: number): void {
  for (const [kind, hasSeconds, numRuns] of RUNS) {
    const { track, from } = hasSeconds ? secondTrack(w) : minuteTrack(w, warm);
    // Probes: anywhere in the window, and close to the transition (ms precision).
    const near = fc.integer({
      min: Math.max(from, w.at - 2 * 3600_000),
      max: Math.min(track.end, w.at + 2 * 3600_000),
    });
    const anywhere = fc.integer({ min: from, max: track.end });
    const probes = fc.array(fc.oneof(near, anywhere), { minLength: 1, maxLength: 6 });
    fc.assert(
      fc.property(exprArb({ hasSeconds, kind, hints: w.hints }), probes, (e, xs) =>
        agree(e, w.zone, track, from, xs),
      ),
      { numRuns },
    );
  }
}

describe("agrees with the brute-force reference", () => {
  const windows = dstWindows();

  it("covers at least 12 zones and every transition found", () => {
    expect(new Set(windows.map((w) => w.zone)).size).toBeGreaterThanOrEqual(12);
    expect(windows.filter((w) => !w.label.endsWith("(no DST)")).length).toBeGreaterThanOrEqual(40);
  });

  for (const w of windows) {
    it(w.label, () => checkWindow(w));
  }

  for (const w of historicWindows()) {
    // Shifts of up to a day: warm up longer so "latest wall time shown" is right.
    it(w.label, () => checkWindow(w, 26 * 3600_000));
  }
});
