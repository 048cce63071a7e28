#!/usr/bin/env node
// Where crondo's JavaScript CPU goes while N every-second jobs fire: a V8 CPU profile of
// the Worker's isolate (job objects, history consumer, API) taken through wrangler dev's
// inspector (Chrome DevTools protocol, Profiler domain), summed by function and by source
// file. A tool for finding what to cut, not a benchmark with a goal: the total of
// workerd's CPU per delivery is what `npm run bench -- --only cpu` measures.
//
//   node scripts/bench/profile.mjs [--jobs 100] [--warmup 15] [--seconds 15] [--top 40]
//                                  [--out profile.cpuprofile] [--var NAME=value …]
//                                  [--cpu-only] [--api get|list [--clients 16]]
//
// First a window without the profiler: CPU per delivery by process from /proc (what
// `--only cpu` of the benchmark measures), then the profiled window (the profiler
// itself costs CPU: its figures are shares, not absolute costs). --cpu-only stops after
// the first window (an A/B of a --var in a minute). --out writes the raw profile (open
// it in Chrome DevTools → Performance, or speedscope).
// Time outside JavaScript (workerd's own C++: storage, sockets, the HTTP stack) shows as
// "(program)" / "(garbage collector)" or is not sampled at all; /proc accounting
// (cpu.mjs) covers it.
// --api get|list: the API path instead of firing — --jobs yearly jobs (never firing),
// then --clients loops of GET /v1/cron/get/{random job} (or /v1/cron/list?limit=20),
// several keys each; CPU per request, then the profile of the same load.
import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { api, cpuDelta, cpuSnapshot, pool, standalone } from "./crondo-dev.mjs";
import { fixed, int, parseVars } from "./lib.mjs";
import { startReceiver } from "./receiver.mjs";

const { values: args } = parseArgs({
  options: {
    jobs: { type: "string", default: "100" },
    warmup: { type: "string", default: "15" },
    seconds: { type: "string", default: "15" },
    top: { type: "string", default: "40" },
    out: { type: "string" },
    var: { type: "string", multiple: true, default: [] },
    "cpu-only": { type: "boolean", default: false },
    api: { type: "string" },
    clients: { type: "string", default: "16" },
  },
});
const vars = parseVars(args.var);
const N = Number(args.jobs);
const TENANT = "bench-profile";
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** A minimal CDP client over the inspector's WebSocket (Node 22's global WebSocket). */
async function inspector(port) {
  const targets = await (await fetch(`http://127.0.0.1:${port}/json`)).json();
  const target = targets.find((t) => t.webSocketDebuggerUrl);
  if (!target) throw new Error(`no inspector target on port ${port}: ${JSON.stringify(targets)}`);
  // wrangler's inspector proxy wants a local Origin (undici's WebSocket takes headers).
  const ws = new WebSocket(target.webSocketDebuggerUrl, {
    headers: { origin: "http://localhost" },
  });
  await new Promise((resolve, reject) => {
    ws.addEventListener("open", resolve, { once: true });
    ws.addEventListener("error", reject, { once: true });
  });
  let nextId = 1;
  const waiting = new Map();
  ws.addEventListener("message", (ev) => {
    const msg = JSON.parse(String(ev.data));
    const w = waiting.get(msg.id);
    if (!w) return;
    waiting.delete(msg.id);
    if (msg.error) w.reject(new Error(JSON.stringify(msg.error)));
    else w.resolve(msg.result);
  });
  const send = (method, params = {}) =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      waiting.set(id, { resolve, reject });
      ws.send(JSON.stringify({ id, method, params }));
    });
  return { send, close: () => ws.close() };
}

/** Self time (µs) per node id of a V8 CPU profile. */
function selfTimes(profile) {
  const self = new Map();
  const { samples, timeDeltas } = profile;
  for (let i = 0; i < samples.length; i++) {
    const dt = timeDeltas[i + 1] ?? 0; // a sample's time runs until the next one
    self.set(samples[i], (self.get(samples[i]) ?? 0) + dt);
  }
  return self;
}

const shortUrl = (url) => {
  if (!url) return "";
  const i = url.search(/(src|node_modules)\//);
  return i === -1 ? url.slice(-60) : url.slice(i);
};

/** `{ byFunction, byFile, total }` in µs: self time, and inclusive time per function. */
function summarize(profile) {
  const self = selfTimes(profile);
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const fnKey = (n) => {
    const f = n.callFrame;
    return `${f.functionName || "(anonymous)"} ${shortUrl(f.url)}:${f.lineNumber + 1}`;
  };
  const byFunction = new Map(); // key → { self, total }
  const byFile = new Map();
  let total = 0;
  for (const [id, us] of self) {
    total += us;
    const node = byId.get(id);
    const k = fnKey(node);
    const e = byFunction.get(k) ?? { self: 0, total: 0 };
    e.self += us;
    byFunction.set(k, e);
    const file = shortUrl(node.callFrame.url) || node.callFrame.functionName;
    byFile.set(file, (byFile.get(file) ?? 0) + us);
    // Inclusive: once per distinct function on the stack.
    const seen = new Set();
    for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
      const key = fnKey(byId.get(cur));
      if (seen.has(key)) continue;
      seen.add(key);
      const t = byFunction.get(key) ?? { self: 0, total: 0 };
      t.total += us;
      byFunction.set(key, t);
    }
  }
  return { byFunction, byFile, total };
}

/** API load while `until()` is true: `clients` loops of one request each; returns a count. */
function apiLoad(crondo, keys, ids, clients) {
  let stop = false;
  let done = 0;
  const path = () =>
    args.api === "list"
      ? "/v1/cron/list?limit=20"
      : `/v1/cron/get/${ids[Math.floor(Math.random() * ids.length)]}`;
  const loops = Array.from({ length: clients }, async (_, c) => {
    for (let j = 0; !stop; j++) {
      const res = await api(crondo.url, keys[(c * 4 + (j % 4)) % keys.length], "GET", path());
      if (res.status !== 200)
        throw new Error(`${path()}: ${res.status} ${JSON.stringify(res.body)}`);
      done++;
    }
  });
  return {
    count: () => done,
    stop: async () => {
      stop = true;
      await Promise.all(loops);
    },
  };
}

const CLIENTS = Number(args.clients);
await standalone(
  { startReceiver, keys: { [TENANT]: Math.max(8, CLIENTS * 4) }, vars },
  async ({ startServer, receiver }) => {
    const crondo = await startServer();
    const keys = crondo.keys[TENANT];
    const ids = [];
    await pool(N, 8, async (i) => {
      const res = await api(crondo.url, keys[i % keys.length], "POST", "/v1/cron/create", {
        name: `profile-${i}`,
        schedule: args.api ? "0 0 1 1 *" : "* * * * * *",
        url: `${receiver.url}/crondo/${i}`,
      });
      if (res.status !== 201)
        throw new Error(`create ${i}: ${res.status} ${JSON.stringify(res.body)}`);
      ids.push(res.body.data.cron_id);
    });
    // What is counted: deliveries at the receiver, or API requests answered.
    const load = args.api ? apiLoad(crondo, keys, ids, CLIENTS) : null;
    const count = load ? load.count : () => receiver.records.length;
    const unit = load ? `${args.api} request` : "delivery";
    console.error(
      load
        ? `${ids.length} jobs; ${CLIENTS} clients of ${args.api}; warm-up ${args.warmup} s`
        : `${ids.length} jobs firing every second; warm-up ${args.warmup} s`,
    );
    await sleep(Number(args.warmup) * 1000);

    const c0 = cpuSnapshot(crondo.pids());
    const r0 = count();
    await sleep(Number(args.seconds) * 1000);
    const cpu = cpuDelta(c0, cpuSnapshot(crondo.pids()));
    const n0 = count() - r0;
    const split = Object.entries(cpu.byName)
      .sort((a, b) => b[1] - a[1])
      .map(([name, ms]) => `${name} ${fixed(ms / Math.max(1, n0), 2)}`)
      .join(" + ");
    console.log(
      `no profiler: ${int(n0)} × ${unit} in ${args.seconds} s; CPU per ${unit} ${fixed(cpu.total / Math.max(1, n0), 2)} ms = ${split}${Object.keys(vars).length ? ` (vars ${JSON.stringify(vars)})` : ""}`,
    );
    if (args["cpu-only"]) return load?.stop();

    const cdp = await inspector(crondo.inspectorPort);
    await cdp.send("Profiler.enable");
    await cdp.send("Profiler.setSamplingInterval", { interval: 200 });
    const from = count();
    await cdp.send("Profiler.start");
    await sleep(Number(args.seconds) * 1000);
    const { profile } = await cdp.send("Profiler.stop");
    const deliveries = count() - from;
    await load?.stop();
    cdp.close();
    if (args.out) writeFileSync(args.out, JSON.stringify(profile));

    const { byFunction, byFile, total } = summarize(profile);
    const per = (us) => fixed(us / 1000 / Math.max(1, deliveries), 3);
    const idle = [...byFunction]
      .filter(([k]) => k.startsWith("(idle)"))
      .reduce((s, [, v]) => s + v.self, 0);
    console.log(
      `\n${int(deliveries)} × ${unit} in ${args.seconds} s; sampled ${fixed(total / 1000, 0)} ms, of which idle ${fixed(idle / 1000, 0)} ms; busy ${per(total - idle)} ms per ${unit}\n`,
    );
    const top = Number(args.top);
    console.log(`by file (self, ms per ${unit}):`);
    for (const [file, us] of [...byFile].sort((a, b) => b[1] - a[1]).slice(0, top)) {
      if (file === "(idle)") continue;
      console.log(`  ${per(us).padStart(7)}  ${file}`);
    }
    console.log(`\nby function (self / inclusive, ms per ${unit}):`);
    for (const [k, v] of [...byFunction].sort((a, b) => b[1].self - a[1].self).slice(0, top)) {
      console.log(`  ${per(v.self).padStart(7)} / ${per(v.total).padStart(7)}  ${k}`);
    }
    console.log("\nby function, inclusive:");
    for (const [k, v] of [...byFunction].sort((a, b) => b[1].total - a[1].total).slice(0, top)) {
      console.log(`  ${per(v.total).padStart(7)}  ${k}`);
    }
  },
);
