// The bare Worker of the API latency benchmark (scripts/bench/api-latency.mjs): no
// bindings, no routing, no authentication — every request gets the same small JSON
// body. Served by the same `wrangler dev` harness and flags as crondo, it is what a
// request costs on this machine before any of crondo's code runs.
export default {
  fetch() {
    return Response.json({ data: { ok: true } });
  },
};
