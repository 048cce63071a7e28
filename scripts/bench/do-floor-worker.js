// The workerd floor of fire precision (scripts/bench/do-floor.mjs): one SQLite-backed
// Durable Object per virtual job whose alarm does the least a durable scheduler on
// Durable Objects must do before a request leaves — persist the slot it is firing and
// arm the next alarm — and then calls the receiver once. No validation, no run
// history, no D1, no logging: what is left is workerd's alarm dispatch, its storage
// commit and its HTTP client, on this machine.
//
// With a lead (`/begin?lead=300`) it is the floor of *early wake*, crondo's pre-armed
// firing (issue 14): the alarm is set `lead` ms before the slot; the wake-up persists
// the slot and arms the next alarm, then waits with a timer until the slot's instant
// and sends. The alarm's dispatch lag and the commit then happen before the slot.
import { DurableObject } from "cloudflare:workers";

export class FloorJob extends DurableObject {
  /**
   * Remembers its id, target and lead and arms the first alarm `lead` ms before the
   * next second boundary that is at least `lead` ms away.
   */
  async begin(id, target, lead = 0) {
    const first = Math.ceil((Date.now() + lead + 1) / 1000) * 1000;
    this.cfg = { id, target, lead };
    this.slot = first;
    await this.ctx.storage.put({ cfg: this.cfg, slot: first });
    await this.ctx.storage.setAlarm(first - lead);
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
    const lead = this.cfg.lead ?? 0;
    this.ctx.storage.put("slot", next);
    this.ctx.storage.setAlarm(next - lead);
    // Early wake: the commit above is awaited by the output gate before the request
    // leaves; the timer then holds the request until the slot's instant.
    const wait = slot - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
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
  /**
   * POST /begin?n=&target=&prefix=&lead= and POST /end?n=&prefix=: start or stop jobs
   * <prefix>-0 … <prefix>-(n-1) (prefix default "dofloor"), which POST to
   * <target>/<prefix>/<id> `lead` ms after their alarm (default 0).
   */
  async fetch(request, env) {
    const url = new URL(request.url);
    const n = Number(url.searchParams.get("n"));
    const target = url.searchParams.get("target");
    const prefix = url.searchParams.get("prefix") ?? "dofloor";
    const lead = Number(url.searchParams.get("lead") ?? 0);
    const op = url.pathname;
    const bad = !Number.isInteger(n) || n < 1 || n > 10_000 || !(lead >= 0 && lead < 1000);
    if (request.method !== "POST" || bad || !/^[a-z]+$/.test(prefix)) {
      return new Response("bad request", { status: 400 });
    }
    if (op !== "/begin" && op !== "/end") return new Response("not found", { status: 404 });
    const ids = Array.from({ length: n }, (_, i) => `${prefix}-${i}`);
    for (let i = 0; i < ids.length; i += 50) {
      await Promise.all(
        ids.slice(i, i + 50).map((id) => {
          const stub = env.JOB.get(env.JOB.idFromName(id));
          return op === "/begin" ? stub.begin(id, `${target}/${prefix}/${id}`, lead) : stub.end();
        }),
      );
    }
    return Response.json({ ids });
  },
};
