/**
 * "At most once per interval per key", in memory (one isolate). Used for the API key
 * last-use stamp: the store's own condition bounds the writes across isolates, this
 * spares an isolate the write it knows is not due. Bounded: when full, the oldest
 * entries go first (a forgotten key is merely written again, which the store refuses).
 */
export class Throttle {
  private readonly last: RecentValues<true>;

  constructor(intervalMs: number, maxEntries = 10_000) {
    this.last = new RecentValues(intervalMs, maxEntries);
  }

  /** True (and remembered) when `key` was not let through within the last interval. */
  due(key: string, now: number): boolean {
    if (this.last.get(key, now) !== undefined) return false;
    this.last.set(key, true, now);
    return true;
  }
}

/**
 * Values remembered for `ttlMs` in memory (one isolate), bounded like Throttle: when
 * full, the oldest entries go first. For what may be served that stale anyway — the
 * API key's KV record, which a KV read may already serve from a cache for 60 s.
 */
export class RecentValues<V> {
  private readonly values = new Map<string, { value: V; at: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 10_000,
  ) {}

  get(key: string, now: number): V | undefined {
    const hit = this.values.get(key);
    if (hit === undefined) return undefined;
    if (now - hit.at < this.ttlMs) return hit.value;
    this.values.delete(key);
    return undefined;
  }

  set(key: string, value: V, now: number): void {
    this.values.delete(key);
    if (this.values.size >= this.maxEntries) this.values.delete(this.values.keys().next().value!);
    this.values.set(key, { value, at: now });
  }
}
