// In-memory helpers of one isolate (src/lib/throttle.ts): the last-use stamp's throttle
// and the API key records remembered for a minute.
import { describe, expect, it } from "vitest";
import { RecentValues, Throttle } from "../../src/lib/throttle";

describe("Throttle", () => {
  it("lets a key through at most once per interval", () => {
    const t = new Throttle(60_000);
    expect(t.due("k", 0)).toBe(true);
    expect(t.due("k", 59_999)).toBe(false);
    expect(t.due("other", 1)).toBe(true);
    expect(t.due("k", 60_000)).toBe(true);
  });

  it("forgets the oldest key when full", () => {
    const t = new Throttle(60_000, 2);
    t.due("a", 0);
    t.due("b", 0);
    t.due("c", 0); // a goes
    expect(t.due("a", 1)).toBe(true);
    expect(t.due("c", 1)).toBe(false);
  });
});

describe("RecentValues", () => {
  it("serves a value for ttl ms, then forgets it", () => {
    const v = new RecentValues<string>(60_000);
    expect(v.get("k", 0)).toBeUndefined();
    v.set("k", "record", 0);
    expect(v.get("k", 59_999)).toBe("record");
    expect(v.get("k", 60_000)).toBeUndefined();
    expect(v.get("k", 1)).toBeUndefined(); // gone, not merely stale
  });

  it("holds at most maxEntries, dropping the oldest", () => {
    const v = new RecentValues<number>(60_000, 2);
    v.set("a", 1, 0);
    v.set("b", 2, 0);
    v.set("a", 3, 1); // refreshed: b is now the oldest
    v.set("c", 4, 2);
    expect(v.get("b", 3)).toBeUndefined();
    expect(v.get("a", 3)).toBe(3);
    expect(v.get("c", 3)).toBe(4);
  });
});
