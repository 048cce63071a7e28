// The overload benchmark's slot accounting (scripts/bench/overload.mjs): a slot without
// a run of its own is "counted" only when some run's missed_slots stands for it.
import { describe, expect, it } from "vitest";
// @ts-expect-error: a plain .mjs script without declarations
import { foldedSlots } from "../../scripts/bench/overload.mjs";

const S = 1000;
const T = 1_800_000_000_000;
const run = (slot: number, missed: number) => ({
  scheduled_for: new Date(slot).toISOString(),
  missed_slots: missed,
});
const bySlot = (...runs: ReturnType<typeof run>[]) =>
  new Map(runs.map((r) => [Date.parse(r.scheduled_for), [r]]));

describe("overload bench: slots counted in missed_slots", () => {
  it("matches a run's count to the latest slots before it without a run", () => {
    // Runs at T, T+4 (missed 3: T+1..T+3), T+6 (missed 1: T+5).
    const folded = foldedSlots(bySlot(run(T, 0), run(T + 4 * S, 3), run(T + 6 * S, 1)));
    expect([...folded].sort()).toEqual([T + S, T + 2 * S, T + 3 * S, T + 5 * S]);
  });

  it("skips slots that have a run of their own, and counts no slot twice", () => {
    // T+2 has its own run (skipped, say); T+3 missed 2 stands for T+1 and T.
    const folded = foldedSlots(bySlot(run(T + 2 * S, 0), run(T + 3 * S, 2), run(T + 4 * S, 1)));
    // T+4's one missed slot is the latest free one before it: T-1 (T..T+3 are taken).
    expect([...folded].sort()).toEqual([T - S, T, T + S]);
  });

  it("a slot no run counts stays uncounted", () => {
    const folded = foldedSlots(bySlot(run(T, 0), run(T + 5 * S, 1)));
    expect(folded.has(T + 4 * S)).toBe(true);
    expect(folded.has(T + 3 * S)).toBe(false);
  });
});
