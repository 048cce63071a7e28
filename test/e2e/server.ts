// One crondo server (`wrangler dev`) and one receiver for a test file: started before
// its tests with a key of `tenant`, both stopped after them.
//
//   const env = serverWithReceiver("e2e-x", { vars: { MAX_REQUESTS_IN_FLIGHT: "4" } });
//   it("…", async () => { await env.api.get("/v1/cron/list"); env.receiver.url; });
import { afterAll, beforeAll } from "vitest";
import { type Receiver, startReceiver } from "../helpers/receiver";
import { type CrondoServer, type StartOptions, startCrondo } from "../helpers/wrangler-dev";
import { type Client, client } from "./client";

export interface ServerWithReceiver {
  crondo: CrondoServer;
  receiver: Receiver;
  api: Client;
}

export function serverWithReceiver(tenant: string, options?: StartOptions): ServerWithReceiver {
  const env = {} as Partial<ServerWithReceiver>;
  beforeAll(async () => {
    env.receiver = await startReceiver();
    env.crondo = await startCrondo(options);
    env.api = client(env.crondo.url, await env.crondo.keyFor(tenant));
  });
  afterAll(async () => {
    try {
      await env.crondo?.cleanup();
    } finally {
      await env.receiver?.close();
    }
  });
  return env as ServerWithReceiver;
}
