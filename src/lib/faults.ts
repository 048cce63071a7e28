// Fault injection for test builds only: a wrapper around a D1 database or a queue that
// fails its writes while a flag is set in the TEST_FAULTS KV namespace. Only the vitest
// configuration binds TEST_FAULTS; wrangler.toml never does, so production code paths
// never consult it (src/env.ts wraps a binding only when TEST_FAULTS is present).

/** The KV key that makes the binding `name` fail while it is set. */
export const faultKey = (name: string) => `fail:${name}`;
/** The KV key counting the calls that failed so (a test waits for the first). */
export const failedKey = (name: string) => `failed:${name}`;

async function failing(faults: KVNamespace, name: string): Promise<void> {
  if ((await faults.get(faultKey(name))) === null) return;
  const n = Number((await faults.get(failedKey(name))) ?? 0);
  await faults.put(failedKey(name), String(n + 1));
  throw new Error(`D1_ERROR: injected failure of ${name} (TEST_FAULTS)`);
}

/** `db` whose batch() and exec() fail while `fail:<name>` is set. */
export function faultyD1(db: D1Database, name: string, faults: KVNamespace): D1Database {
  return new Proxy(db, {
    get(target, prop) {
      if (prop === "batch")
        return async (statements: D1PreparedStatement[]) => {
          await failing(faults, name);
          return target.batch(statements);
        };
      const v = Reflect.get(target, prop);
      return typeof v === "function" ? v.bind(target) : v;
    },
  });
}

/** `queue` whose send() and sendBatch() fail while `fail:<name>` is set. */
export function faultyQueue<T>(queue: Queue<T>, name: string, faults: KVNamespace): Queue<T> {
  return new Proxy(queue, {
    get(target, prop) {
      if (prop === "send" || prop === "sendBatch")
        return async (...args: unknown[]) => {
          await failing(faults, name);
          return (
            Reflect.get(target, prop) as unknown as (...a: unknown[]) => Promise<unknown>
          ).apply(target, args);
        };
      const v = Reflect.get(target, prop);
      return typeof v === "function" ? v.bind(target) : v;
    },
  });
}
