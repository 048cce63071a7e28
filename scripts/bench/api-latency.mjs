// API latency under concurrent clients against `wrangler dev`: create, get, list,
// trigger and runs.list, each a fixed number of requests (default 2,000) issued by
// 16 concurrent clients (async loops in this process, each waiting for its answer
// before sending the next), after a short warm-up of the same operation.
//
// The per-key rate limit (600 requests a minute, wrangler.toml) would otherwise be
// what is measured: every client has 4 keys of its own (64 keys of one tenant) and
// uses them in turn, so no key comes near the limit; 429s are counted and reported.
//
//   node scripts/bench/api-latency.mjs [--clients 16] [--requests 2000] [--warmup 100] [--no-write]
//                                      [--var NAME=value …]  (crondo's wrangler dev vars)
// Standalone it starts its own receiver and wrangler dev and writes the
// `api-latency` section of BENCHMARKS.md; scripts/bench/run.mjs calls `run()`.
import { loadavg } from "node:os";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import {
  api,
  cpuDelta,
  cpuSnapshot,
  directWorkerUrl,
  pool,
  standalone,
  startBareWorker,
  startFloorApiWorker,
} from "./crondo-dev.mjs";
import {
  BENCHMARKS_FILE,
  fixed,
  int,
  machineInfo,
  machineLine,
  mdTable,
  parseVars,
  percentile,
  writeSection,
} from "./lib.mjs";
import { startReceiver } from "./receiver.mjs";

export const API_TENANT = "bench-api";
export const KEYS_PER_CLIENT = 4;
/** Yearly: the created jobs never fire during the benchmark. */
const SCHEDULE = "0 0 1 1 *";
/** Jobs that triggers (and so runs.list) are spread over. */
const TRIGGER_POOL = 200;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * `total` requests of `makeRequest(i, key)` by `clients` concurrent loops; client c
 * uses keys[c * KEYS_PER_CLIENT + (j % KEYS_PER_CLIENT)] for its j-th request.
 */
async function drive({ clients, keys, total, makeRequest, expect, pids }) {
  let next = 0;
  const lat = [];
  const statuses = {};
  const cpu0 = cpuSnapshot(pids());
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async (_, c) => {
      for (let j = 0; ; j++) {
        const i = next++;
        if (i >= total) return;
        const key = keys[(c * KEYS_PER_CLIENT + (j % KEYS_PER_CLIENT)) % keys.length];
        const t = performance.now();
        const res = await makeRequest(i, key);
        if (res.ms === undefined) res.ms = performance.now() - t;
        statuses[res.status] = (statuses[res.status] ?? 0) + 1;
        if (res.status === expect) lat.push(res.ms);
      }
    }),
  );
  const wall = performance.now() - t0;
  const cpuD = cpuDelta(cpu0, cpuSnapshot(pids()));
  const cpu = cpuD.total;
  const bad = Object.entries(statuses)
    .filter(([s]) => Number(s) !== expect)
    .reduce((a, [, v]) => a + v, 0);
  return {
    n: total,
    ok: lat.length,
    bad,
    statuses,
    p50: percentile(lat, 50),
    p95: percentile(lat, 95),
    p99: percentile(lat, 99),
    max: lat.length ? Math.max(...lat) : Number.NaN,
    rps: total / (wall / 1000),
    wall,
    cpuPerReq: cpu / total,
    cpuByName: cpuD.byName,
    cores: cpu / wall,
  };
}

/**
 * Runs the five operations; needs a running crondo (keys of API_TENANT) and receiver.
 * With `bare` (a bare Worker under the same harness, crondo-dev.mjs `startBareWorker`)
 * the same get and list requests are also sent to it, right after crondo's; with
 * `floor` (`startFloorApiWorker`: the binding calls a get or a list needs, nothing
 * else) too, its index seeded with crondo's first page of jobs.
 */
export async function run({
  crondo,
  bare,
  floor,
  receiver,
  clients = 16,
  requests = 2000,
  warmup = 100,
  info = machineInfo(),
  command = "npm run bench",
  log = (m) => console.error(`[api-latency] ${m}`),
}) {
  const keys = crondo.keys[API_TENANT];
  if (!keys || keys.length < clients * KEYS_PER_CLIENT) {
    throw new Error(`need ${clients * KEYS_PER_CLIENT} keys of tenant ${API_TENANT}`);
  }
  const base = crondo.url;
  const ids = [];
  let created = 0;
  const createReq = (_i, key) => {
    const k = created++;
    return api(base, key, "POST", "/v1/cron/create", {
      name: `api-${k}`,
      schedule: SCHEDULE,
      url: `${receiver.url}/api/${k}`,
    }).then((res) => {
      if (res.status === 201) ids.push(res.body.data.cron_id);
      return res;
    });
  };
  const pick = (n) => ids[Math.floor(Math.random() * Math.min(n, ids.length))];
  const ops = [
    { name: "create", method: "POST /v1/cron/create", expect: 201, make: createReq },
    {
      name: "get",
      method: "GET /v1/cron/get/{id}",
      expect: 200,
      make: (_i, key) => api(base, key, "GET", `/v1/cron/get/${pick(ids.length)}`),
    },
    {
      name: "list",
      method: "GET /v1/cron/list?limit=20",
      expect: 200,
      make: (_i, key) => api(base, key, "GET", "/v1/cron/list?limit=20"),
    },
    {
      name: "trigger",
      method: "POST /v1/cron/trigger/{id}",
      expect: 200,
      make: (_i, key) => api(base, key, "POST", `/v1/cron/trigger/${pick(TRIGGER_POOL)}`),
    },
    {
      name: "runs.list",
      method: "GET /v1/cron/runs/list/{id}?limit=20",
      expect: 200,
      make: (_i, key) => api(base, key, "GET", `/v1/cron/runs/list/${pick(TRIGGER_POOL)}?limit=20`),
    },
  ];
  // Diagnostics, not goals: the same server's floor (a request that crondo refuses
  // in its first middleware: no Authorization header → 401, no KV/D1/DO) under the
  // same concurrency, and get with one client (service time without queueing).
  ops.unshift({
    name: "baseline: 401",
    method: "GET /v1/cron/list (no key)",
    expect: 401,
    make: () =>
      fetch(`${base}/v1/cron/list`).then(
        async (res) => {
          await res.arrayBuffer();
          return { status: res.status };
        },
        () => ({ status: 0 }),
      ),
    timed: true,
  });
  ops.splice(3, 0, {
    name: "get, 1 client",
    method: "GET /v1/cron/get/{id}",
    expect: 200,
    clients: 1,
    total: Math.min(requests, 300),
    make: (_i, key) => api(base, key, "GET", `/v1/cron/get/${pick(ids.length)}`),
  });
  // Diagnostic: get and list sent straight to the user worker's workerd, bypassing
  // wrangler dev's ProxyWorker (a Durable Object every request of `wrangler dev` goes
  // through): what crondo costs without the local dev proxy.
  const direct = await directWorkerUrl(crondo);
  if (direct) {
    const at = ops.findIndex((o) => o.name === "list") + 1;
    ops.splice(
      at,
      0,
      {
        name: "get, direct",
        method: "GET /v1/cron/get/{id} (user workerd, no proxy)",
        expect: 200,
        make: (_i, key) => api(direct, key, "GET", `/v1/cron/get/${pick(ids.length)}`),
      },
      {
        name: "list, direct",
        method: "GET /v1/cron/list?limit=20 (user workerd, no proxy)",
        expect: 200,
        make: (_i, key) => api(direct, key, "GET", "/v1/cron/list?limit=20"),
      },
    );
  } else log("user worker's own port not found: no direct rows");
  // The bare Worker under the same wrangler dev harness: the same requests (path,
  // Authorization header, clients), answered with a fixed JSON body and no bindings.
  const others = [];
  if (bare) others.push({ label: "bare Worker", server: bare });
  if (floor) others.push({ label: "bindings floor", server: floor });
  for (const { label, server } of others.reverse()) {
    const at = ops.findIndex((o) => o.name === "list") + 1;
    ops.splice(
      at,
      0,
      {
        name: `${label}: get`,
        method: `GET /v1/cron/get/{id} (${label})`,
        expect: 200,
        pids: server.pids,
        // The floor's index gets crondo's first page once crondo has jobs.
        before: server === floor ? () => seedFloor(floor, base, keys[0]) : undefined,
        make: (_i, key) => api(server.url, key, "GET", `/v1/cron/get/${pick(ids.length)}`),
      },
      {
        name: `${label}: list`,
        method: `GET /v1/cron/list?limit=20 (${label})`,
        expect: 200,
        pids: server.pids,
        make: (_i, key) => api(server.url, key, "GET", "/v1/cron/list?limit=20"),
      },
    );
  }
  // Diagnostic: the floor's get split into its calls, each alone (floor-api-worker.js
  // `?part=`), beside the bare Worker: which binding the local runtime charges most for.
  // `among`: how many of the jobs it picks from (null: all of them, counted when sent).
  const floorPart = (part, what, among = null) => ({
    name: `floor, one call: ${part}`,
    method: `GET /v1/cron/get/{id}?part=${part} (${what})`,
    expect: 200,
    pids: floor.pids,
    make: (_i, key) =>
      api(floor.url, key, "GET", `/v1/cron/get/${pick(among ?? ids.length)}?part=${part}`),
  });
  if (floor) {
    const at = ops.findIndex((o) => o.name === "bindings floor: list") + 1;
    const parts = [
      ["d1", "the key's D1 row"],
      ["rl", "the rate limiter"],
      ["do", "the object RPC"],
      ["log", "one log line"],
    ];
    ops.splice(at, 0, ...parts.map(([part, what]) => floorPart(part, `${what} alone`)));
  }
  // Diagnostic: get of jobs whose objects are in memory. workerd evicts an object idle
  // for 10 s (Cloudflare: 70–140 s), so the get above (a random one of every job, each
  // asked about every few seconds) mostly wakes an evicted object; these ask only the
  // trigger pool's objects, each touched once just before and then about every second.
  const warmPool = (server, query) => () =>
    pool(TRIGGER_POOL, clients, (i) =>
      api(server.url, keys[i % keys.length], "GET", `/v1/cron/get/${ids[i]}${query}`),
    );
  ops.push({
    name: "get, warm objects",
    method: `GET /v1/cron/get/{id} (one of ${TRIGGER_POOL} objects in memory)`,
    expect: 200,
    before: warmPool(crondo, ""),
    make: (_i, key) => api(base, key, "GET", `/v1/cron/get/${pick(TRIGGER_POOL)}`),
  });
  if (floor) {
    const at = ops.findIndex((o) => o.name === "floor, one call: do") + 1;
    ops.splice(at, 0, {
      ...floorPart(
        "do",
        `the object RPC alone, one of ${TRIGGER_POOL} objects in memory`,
        TRIGGER_POOL,
      ),
      name: "floor, one call: do, warm",
      before: warmPool(floor, "?part=do"),
    });
  }
  const results = [];
  const delivered0 = receiver.records.filter((r) => r.src === "api").length;
  for (const op of ops) {
    const load = Math.round(loadavg()[0] * 100) / 100;
    const opClients = op.clients ?? clients;
    const opTotal = op.total ?? requests;
    log(`${op.name}: warm-up ${warmup}, then ${opTotal} requests by ${opClients} clients`);
    await op.before?.();
    await drive({
      clients: opClients,
      keys,
      total: warmup,
      makeRequest: op.make,
      expect: op.expect,
      pids: op.pids ?? crondo.pids,
    });
    if (op.name === "trigger") await sleep(1000); // let the warm-up's deliveries finish
    const r = await drive({
      clients: opClients,
      keys,
      total: opTotal,
      makeRequest: op.make,
      expect: op.expect,
      pids: op.pids ?? crondo.pids,
    });
    results.push({ ...op, ...r, clients: opClients, load });
    log(
      `${op.name}: p50 ${fixed(r.p50, 1)} p99 ${fixed(r.p99, 1)} ms, ${fixed(r.rps, 0)} req/s, statuses ${JSON.stringify(r.statuses)}`,
    );
    if (op.name === "trigger") await sleep(2000);
  }
  const triggered = results.find((r) => r.name === "trigger");
  const delivered = receiver.records.filter((r) => r.src === "api").length - delivered0;
  const markdown = render({
    results,
    bare: Boolean(bare),
    floor: Boolean(floor),
    info,
    command,
    clients,
    requests,
    warmup,
    jobs: ids.length,
    triggered: triggered ? triggered.ok + warmup : 0,
    delivered,
  });
  return { results, markdown };
}

/** crondo's p99 over the bare Worker's (or `other`'s) for `op` (get, list) of one run, or null. */
export function bareRatio(results, op, other = "bare Worker") {
  const c = results.find((r) => r.name === op);
  const b = results.find((r) => r.name === `${other}: ${op}`);
  return c?.ok && b?.ok ? { crondo: c, bare: b, ratio: c.p99 / b.p99 } : null;
}

/** The floor's jobs index gets crondo's first page (same records, same sizes). */
async function seedFloor(floor, base, key) {
  const page = await api(base, key, "GET", "/v1/cron/list?limit=20");
  if (page.status !== 200) throw new Error(`list for the floor's seed: ${page.status}`);
  const rows = page.body.data.items.map(({ summary: _s, ...record }) => ({
    cron_id: record.cron_id,
    tenant_id: API_TENANT,
    record: JSON.stringify(record),
  }));
  const res = await api(floor.url, key, "POST", "/seed", rows);
  if (res.status !== 200) throw new Error(`floor seed: ${res.status} ${JSON.stringify(res.body)}`);
}

function render({
  results,
  bare,
  floor,
  info,
  command,
  clients,
  requests,
  warmup,
  jobs,
  triggered,
  delivered,
}) {
  const f = (v) => fixed(v, 1);
  return [
    `## API latency: ${clients} concurrent clients against wrangler dev`,
    "",
    `Command: \`${command}\`. Machine: ${machineLine(info)}.`,
    "",
    `${clients} clients (async loops in one Node process; each sends its next request when the previous answer has been read) against crondo under \`wrangler dev\` (local workerd, local D1/KV/DO state) on 127.0.0.1; per operation ${int(warmup)} warm-up requests (not counted), then ${int(requests)} requests. Latency: from sending until the whole response body has been read; req/s: requests ÷ the operation's wall time; CPU: wrangler dev's process group (workerd + wrangler's node process) over the operation, per request and in cores used (the client shares the same ${info.cores} cores). **Rate limit**: the per-key limit is 600/min (wrangler.toml, simulated by wrangler dev); each client uses ${KEYS_PER_CLIENT} keys of its own in turn (${clients * KEYS_PER_CLIENT} keys of one tenant), so no key comes near it — the \`other statuses\` column shows any 429.`,
    "",
    `Diagnostic rows, not goals: **baseline: 401** is a request crondo refuses in its first middleware (no \`Authorization\` header: no KV, D1 or Durable Object), i.e. what wrangler dev + workerd + Hono cost at the same concurrency; **get, 1 client** is get without concurrency (service time without queueing); **get, direct** and **list, direct** send the same requests straight to the port of the workerd process that runs crondo, bypassing wrangler dev's ProxyWorker (every request to \`wrangler dev\`'s port goes through that proxy, a Durable Object in a second workerd process, before it reaches crondo; a deployed Worker has no such hop).${bare ? " **bare Worker: get / list** send the same requests (same paths, same `Authorization` header, same clients) to a trivial Worker (`scripts/bench/bare-worker.js`: one fixed JSON body, no bindings) started by the same harness with the same flags (`scripts/bench/crondo-dev.mjs` `startBareWorker`: only `--config scripts/bench/bare-worker.toml` differs), measured right after crondo's get and list: the goal compares crondo with it." : ""}${floor ? " **bindings floor: get / list** (`scripts/bench/floor-api-worker.js`, same harness, `--config scripts/bench/floor-api-worker.toml`) makes only the binding calls crondo cannot do without, with crondo's own SQL: the key's D1 row (read on every request, SPEC §8) and the rate limiter, then for get one RPC to a Durable Object holding the record in memory, for list one page of the jobs index (seeded with crondo's first page) and one summary statement per history shard — what the local runtime charges for the storage a get or list must touch; crondo above it is crondo's own code. **floor, one call: d1 / rl / do / log** send the floor's get with `?part=`: after the key's SHA-256 only that one call — the key's D1 row, the rate limiter, the object RPC, or one `console.log` line the size of crondo's `http.request` line (which wrangler dev's node process prints) — so that each call's share can be read against the bare Worker." : ""}`,
    "",
    `Operations in order: **create** ${int(jobs)} jobs (\`${SCHEDULE}\`, yearly: none fires during the run; target the receiver); **get** a random one of them; **list** the first page (\`limit=20\`) of the tenant's ${int(jobs)} jobs; **trigger** one of ${TRIGGER_POOL} of them at random (each trigger also sends a request to the receiver; ${int(delivered)} of ${int(triggered)} triggered runs had arrived when the run ended); **runs.list** the first page of one of those ${TRIGGER_POOL} jobs (about ${int(triggered / TRIGGER_POOL)} runs each).`,
    "",
    mdTable(
      [
        "operation",
        "request",
        "clients",
        "p50 ms",
        "p95 ms",
        "p99 ms",
        "max ms",
        "req/s",
        "other statuses",
        "CPU ms/req",
        "cores",
        "load at start",
      ],
      results.map((r) => [
        r.name,
        `\`${r.method}\``,
        r.clients,
        f(r.p50),
        f(r.p95),
        f(r.p99),
        f(r.max),
        fixed(r.rps, 0),
        r.bad
          ? Object.entries(r.statuses)
              .filter(([s]) => Number(s) !== r.expect)
              .map(([s, v]) => `${v} × ${s}`)
              .join(", ")
          : "none",
        `${fixed(r.cpuPerReq, 2)} (${Object.entries(r.cpuByName)
          .filter(([, v]) => v > 0)
          .sort((a, b) => b[1] - a[1])
          .map(([k, v]) => `${k} ${fixed(v / r.n, 2)}`)
          .join(", ")})`,
        fixed(r.cores, 2),
        r.load,
      ]),
      ["l", "l", "r", "r", "r", "r", "r", "r", "l", "r", "r", "r"],
    ),
    "",
    ...["get", "list"].flatMap((op) => {
      const r = bareRatio(results, op);
      return r
        ? [
            `- ${op}: crondo p99 ${f(r.crondo.p99)} ms / bare Worker p99 ${f(r.bare.p99)} ms = **${fixed(r.ratio, 2)}×** (goal ≤ 1.5×; p50 ${f(r.crondo.p50)} / ${f(r.bare.p50)} ms).${floorLine(results, op)}`,
          ]
        : [];
    }),
    ...warmLines(results),
    "",
  ].join("\n");
}

/**
 * Objects in memory against objects woken for the request, as a sentence each (empty
 * when the rows are missing): what of a get's cost is the runtime bringing an evicted
 * object back.
 */
function warmLines(results) {
  const row = (name) => results.find((r) => r.name === name && r.ok);
  const [cold, warm, bare] = ["get", "get, warm objects", "bare Worker: get"].map(row);
  const [doCold, doWarm] = ["floor, one call: do", "floor, one call: do, warm"].map(row);
  const lines = [];
  if (cold && warm && bare) {
    lines.push(
      `- get of ${TRIGGER_POOL} jobs whose objects are in memory: crondo p99 ${fixed(warm.p99, 1)} ms / bare Worker p99 ${fixed(bare.p99, 1)} ms = **${fixed(warm.p99 / bare.p99, 2)}×** (p50 ${fixed(warm.p50, 1)} / ${fixed(bare.p50, 1)} ms); CPU per request ${fixed(warm.cpuPerReq, 2)} ms warm vs ${fixed(cold.cpuPerReq, 2)} ms for the get of a random one of every job. workerd evicts an object idle for 10 s (Cloudflare: after 70–140 s), so that get mostly wakes an evicted object.`,
    );
  }
  if (doCold && doWarm && bare) {
    lines.push(
      `- The object RPC alone: +${fixed(doWarm.cpuPerReq - bare.cpuPerReq, 2)} ms CPU over the bare Worker to an object in memory, +${fixed(doCold.cpuPerReq - bare.cpuPerReq, 2)} ms to a random one (mostly woken for it).`,
    );
  }
  return lines;
}

/** crondo beside the bindings floor for `op`, as a sentence (empty without the floor). */
function floorLine(results, op) {
  const r = bareRatio(results, op, "bindings floor");
  if (!r) return "";
  const b = bareRatio(results, op);
  return ` Bindings floor p99 ${fixed(r.bare.p99, 1)} ms (${fixed(b ? r.bare.p99 / b.bare.p99 : Number.NaN, 2)}× the bare Worker by itself): crondo is **${fixed(r.ratio, 2)}×** the floor; CPU per request crondo ${fixed(r.crondo.cpuPerReq, 2)} / floor ${fixed(r.bare.cpuPerReq, 2)} / bare ${fixed(b?.bare.cpuPerReq ?? Number.NaN, 2)} ms.`;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const { values } = parseArgs({
    options: {
      clients: { type: "string", default: "16" },
      requests: { type: "string", default: "2000" },
      warmup: { type: "string", default: "100" },
      "no-write": { type: "boolean", default: false },
      var: { type: "string", multiple: true, default: [] },
    },
  });
  const vars = parseVars(values.var);
  const clients = Number(values.clients);
  const info = machineInfo();
  const keys = { [API_TENANT]: clients * KEYS_PER_CLIENT };
  await standalone({ startReceiver, keys, vars }, async ({ startServer, receiver, track }) => {
    const crondo = await startServer();
    const bare = track(await startBareWorker({ log: console.error }));
    const floor = track(await startFloorApiWorker({ log: console.error }));
    const { markdown } = await run({
      crondo,
      bare,
      floor,
      receiver,
      clients,
      requests: Number(values.requests),
      warmup: Number(values.warmup),
      info,
      command: `node scripts/bench/api-latency.mjs ${process.argv.slice(2).join(" ")}`.trim(),
    });
    console.log(markdown);
    if (!values["no-write"]) await writeSection(BENCHMARKS_FILE, "api-latency", markdown);
  });
}
