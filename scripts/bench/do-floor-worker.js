// The workerd floor of fire precision (scripts/bench/do-floor.mjs): one SQLite-backed
// Durable Object per virtual job whose alarm does the least a durable scheduler on
// Durable Objects must do before a request leaves — persist the slot it is firing and
// arm the next alarm — and then calls the receiver once. No validation, no run
// history, no D1, no logging: what is left is workerd's alarm dispatch, its storage
// commit and its HTTP client, on this machine.
import { DurableObject } from "cloudflare:workers";

export class FloorJob extends DurableObject {
  /** Remembers its id and target and arms the first alarm on the next second boundary. */
  async begin(id, target) {
    const first = Math.ceil((Date.now() + 1) / 1000) * 1000;
    this.cfg = { id, target };
    this.slot = first;
    await this.ctx.storage.put({ cfg: this.cfg, slot: first });
    await this.ctx.storage.setAlarm(first);
  }

  async end() {
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
    this.cfg = undefined;
  }

  async alarm() {
    if (!this.cfg) {
      const got = await this.ctx.storage.get(["cfg", "slot"]);
      this.cfg = got.get("cfg");
      this.slot = got.get("slot");
      if (!this.cfg) return;
    }
    const slot = this.slot;
    // The next boundary after now: a late wake-up skips the slots it missed.
    const next = Math.max(slot + 1000, Math.floor(Date.now() / 1000) * 1000 + 1000);
    this.slot = next;
    this.ctx.storage.put("slot", next);
    this.ctx.storage.setAlarm(next);
    const res = await fetch(this.cfg.target, {
      method: "POST",
      headers: {
        "Content-Type": "application/json",
        "X-Cron-Id": this.cfg.id,
        "X-Cron-Run-Id": `${this.cfg.id}-${slot}`,
        "X-Cron-Scheduled-At": new Date(slot).toISOString(),
      },
      body: "{}",
    });
    await res.arrayBuffer();
  }
}

export default {
  /** POST /begin?n=&target= and POST /end?n=: start or stop jobs dofloor-0 … dofloor-(n-1). */
  async fetch(request, env) {
    const url = new URL(request.url);
    const n = Number(url.searchParams.get("n"));
    const target = url.searchParams.get("target");
    const op = url.pathname;
    if (request.method !== "POST" || !Number.isInteger(n) || n < 1 || n > 10_000) {
      return new Response("bad request", { status: 400 });
    }
    if (op !== "/begin" && op !== "/end") return new Response("not found", { status: 404 });
    const ids = Array.from({ length: n }, (_, i) => `dofloor-${i}`);
    for (let i = 0; i < ids.length; i += 50) {
      await Promise.all(
        ids.slice(i, i + 50).map((id) => {
          const stub = env.JOB.get(env.JOB.idFromName(id));
          return op === "/begin" ? stub.begin(id, `${target}/dofloor/${id}`) : stub.end();
        }),
      );
    }
    return Response.json({ ids });
  },
};
