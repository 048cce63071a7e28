// The one polling helper of the test suite: wait for the event a test needs (a request
// arriving, a run finishing, a record field changing) instead of sleeping a fixed time.
// Plain TypeScript with no Node or workerd imports, so the runtime tests (inside workerd)
// and the end-to-end tests (in Node) share it.

export interface WaitOptions {
  /** What is awaited, for the failure message ("run run_… to finish"). */
  what?: string;
  /** Give up after this long (default 10 s). */
  timeoutMs?: number;
  /** Pause between two probes (default 100 ms). */
  stepMs?: number;
}

type Falsy = false | 0 | "" | null | undefined;

/** Shows the last value a probe returned in a failure message, cut short. */
function show(value: unknown): string {
  let text: string;
  try {
    text =
      typeof value === "string" ? JSON.stringify(value) : (JSON.stringify(value) ?? String(value));
  } catch {
    text = String(value);
  }
  return text.length > 300 ? `${text.slice(0, 300)}… (${text.length} chars)` : text;
}

/**
 * Calls `probe` until it returns a truthy value, and returns that value. A probe that
 * throws fails the wait at once (an `expect` inside a probe is a real failure, not a
 * "not yet"). After `timeoutMs` it throws an error naming `what` and the last value seen.
 */
export async function waitFor<T>(
  probe: () => T | Promise<T>,
  { what = "a condition", timeoutMs = 10_000, stepMs = 100 }: WaitOptions = {},
): Promise<Exclude<T, Falsy>> {
  const started = Date.now();
  const deadline = started + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value as Exclude<T, Falsy>;
    if (Date.now() >= deadline) {
      throw new Error(
        `timed out after ${Date.now() - started} ms waiting for ${what} (last: ${show(value)})`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, Math.min(stepMs, deadline - Date.now())));
  }
}
