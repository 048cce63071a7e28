// A real HTTP receiver on 127.0.0.1 for runtime and end-to-end tests: it records
// every request and answers according to the path, so tests can script targets
// that succeed, fail, are slow, hang or redirect.
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface Received {
  path: string;
  method: string;
  headers: Record<string, string>;
  body: string;
  received_at: number;
  /** Requests in flight under the same first two path segments when this one arrived. */
  concurrent: number;
  /** When the connection of this request closed (answered, or closed by the client). */
  closed_at?: number;
  /** Whether it closed before the receiver answered (the client gave up: aborted). */
  aborted?: boolean;
}

export interface Receiver {
  url: string;
  server: Server;
  requests: Received[];
  close(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
  });
}

const groupOf = (path: string) => path.split("/").slice(0, 3).join("/");

/**
 * Paths: /ok/… 200; /status/<code>/… that status; /slow/<ms>/… 200 after ms;
 * /hang/… never answers; /redirect/<n>/… 302 chains to /ok; /script/<name>/… answers
 * the statuses set by POST /__script/<name> {"statuses":[…],"retry_after"?:n} in turn.
 * GET /__log?prefix=… returns the recorded requests; POST /__reset clears them.
 */
export async function startReceiver(port = 0): Promise<Receiver> {
  const requests: Received[] = [];
  const inflight = new Map<string, number>();
  const scripts = new Map<string, { statuses: number[]; retry_after?: number }>();
  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const path = url.pathname;
    const body = await readBody(req);
    if (path === "/__log") {
      const prefix = url.searchParams.get("prefix") ?? "/";
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify(requests.filter((r) => r.path.startsWith(prefix))));
      return;
    }
    if (path === "/__reset") {
      requests.length = 0;
      res.end("ok");
      return;
    }
    if (path.startsWith("/__script/")) {
      scripts.set(path.slice("/__script/".length), JSON.parse(body));
      res.end("ok");
      return;
    }
    const group = groupOf(path);
    const concurrent = (inflight.get(group) ?? 0) + 1;
    inflight.set(group, concurrent);
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers))
      headers[k] = Array.isArray(v) ? v.join(", ") : (v ?? "");
    const record: Received = {
      path,
      method: req.method ?? "",
      headers,
      body,
      received_at: Date.now(),
      concurrent,
    };
    requests.push(record);
    const done = () => {
      inflight.set(group, (inflight.get(group) ?? 1) - 1);
      record.closed_at = Date.now();
      record.aborted = !res.writableFinished;
    };
    res.on("close", done);
    const parts = path.split("/");
    const kind = parts[1];
    if (kind === "status") {
      res.statusCode = Number(parts[2]) || 500;
      res.end(`status ${res.statusCode}`);
    } else if (kind === "slow") {
      setTimeout(() => res.end("slow ok"), Number(parts[2]) || 1000);
    } else if (kind === "hang") {
      // never answer; the client's timeout ends it
    } else if (kind === "redirect") {
      const n = Number(parts[2]) || 0;
      res.statusCode = n > 0 ? 302 : 200;
      if (n > 0) res.setHeader("location", `/redirect/${n - 1}/${parts.slice(3).join("/")}`);
      res.end(n > 0 ? "" : "redirect chain done");
    } else if (kind === "script") {
      const script = scripts.get(parts[2] ?? "");
      const status = script?.statuses.shift() ?? 200;
      res.statusCode = status;
      if (script?.retry_after !== undefined && (status === 429 || status === 503)) {
        res.setHeader("retry-after", String(script.retry_after));
      }
      res.end(`scripted ${status}`);
    } else {
      res.setHeader("content-type", "text/plain");
      res.end(`ok ${path}`);
    }
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  const { port: actual } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${actual}`,
    server,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
