// The servers of a crash test: a receiver, a `wrangler dev` to kill, and the one restarted
// on its state directory. `crashServers()` registers their start and cleanup with vitest.
import { afterAll, beforeAll } from "vitest";
import { type Receiver, startReceiver } from "../helpers/receiver";
import { type CrondoServer, startCrondo } from "../helpers/wrangler-dev";

export interface CrashServers {
  receiver?: Receiver;
  first?: CrondoServer;
  second?: CrondoServer;
}

export function crashServers(): CrashServers {
  const s: CrashServers = {};
  beforeAll(async () => {
    s.receiver = await startReceiver();
    s.first = await startCrondo();
  });
  afterAll(async () => {
    try {
      // The restarted server does not own the state directory; the first one removes it.
      await s.second?.cleanup();
    } finally {
      try {
        await s.first?.cleanup();
      } finally {
        await s.receiver?.close();
      }
    }
  });
  return s;
}

/** Starts `wrangler dev` again on the killed server's state (its port, when still free). */
export async function restartOnSameState(s: CrashServers): Promise<CrondoServer> {
  const { persistTo, port } = s.first!;
  try {
    s.second = await startCrondo({ persistTo, port });
  } catch {
    // The old port may be taken meanwhile; jobs target the receiver, not crondo.
    s.second = await startCrondo({ persistTo });
  }
  return s.second;
}
