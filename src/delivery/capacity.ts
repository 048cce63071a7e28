// The requests in flight from this isolate, across every job it serves. Each job is
// bounded by its own max_concurrency (SPEC §6), but one isolate may serve many job
// objects: under local `wrangler dev` every object shares one workerd process, so 1,000
// jobs with 10 hanging requests each would hold 10,000 sockets and exhaust the process's
// file descriptors (measured: "Too many open files", and the API's own KV/D1 calls
// failing with 500). The gate bounds the total; an attempt that finds it full is not sent
// and fails at once (a failed attempt, retried by the job's policy), so it holds no socket.

export class OutboundGate {
  private held = 0;

  /** Requests in flight now. */
  get inFlight(): number {
    return this.held;
  }

  /**
   * Takes a place if fewer than `limit` are held: its `release` (idempotent), or
   * `refused` naming why when the gate is full.
   */
  take(limit: number): Place {
    if (this.held >= limit) return { refused: gateFullError(limit) };
    this.held++;
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        this.held--;
      },
    };
  }
}

/** A place among the requests in flight, or why there was none. */
export type Place = { release: () => void } | { refused: string };

/** The gate of this isolate (module state: shared by every object the isolate serves). */
export const outbound = new OutboundGate();

/** The error of an attempt the gate refused. */
export const gateFullError = (limit: number) =>
  `not sent: crondo already has ${limit} requests in flight (MAX_REQUESTS_IN_FLIGHT); a failed attempt, retried by the job's policy`;

/** How long work after a response waits at most for the rest of its burst (afterSends). */
export const BURST_WAIT_MS = 150;
/** afterSends looks again for unanswered requests after 4, 8, 16, 16 … ms. */
const FIRST_POLL_MS = 4;
const MAX_POLL_MS = 16;

/**
 * Attempts built and signed that wait for their instant (pre-armed firing), and requests
 * that have left and wait for their result, across every job of the isolate. Work after a
 * response (the run's commit, its history message) waits until no attempt due by then is
 * still waiting and the requests out have their results, so that it does not delay
 * another job's send at the same instant (issue 14: "keep other jobs' sends off the slow
 * path").
 */
export class SendInstants {
  private readonly waiting = new Map<number, number>();
  /** Requests out, by token: when each left. */
  private readonly flying = new Map<number, number>();
  private nextToken = 0;

  /** An attempt waits for `at`; its token goes to `sent` once its request has left. */
  wait(at: number): number {
    const token = this.nextToken++;
    this.waiting.set(token, at);
    return token;
  }

  /** Requests that have left and wait for their result. */
  get unanswered(): number {
    return this.flying.size;
  }

  /** Its request has left: it flies until `answered` (its result is in). */
  sent(token: number): void {
    if (this.waiting.delete(token)) this.flying.set(token, Date.now());
  }

  /** Its result is in (or it never left). */
  answered(token: number): void {
    this.waiting.delete(token);
    this.flying.delete(token);
  }

  /** The earliest instant of an attempt due by `by` that has not been sent, or null. */
  dueBy(by: number): number | null {
    let earliest: number | null = null;
    for (const at of this.waiting.values()) {
      if (at <= by && (earliest === null || at < earliest)) earliest = at;
    }
    return earliest;
  }

  /** Whether a request that left less than BURST_WAIT_MS before `now` has no result yet. */
  private burstOut(now: number): boolean {
    for (const at of this.flying.values()) if (at > now - BURST_WAIT_MS) return true;
    return false;
  }

  /**
   * Resolves once no attempt due by now waits to be sent and, with `answers`, every
   * request that left in the last BURST_WAIT_MS has its result; `maxMs` from now at the
   * latest. Work after a response waits so: the responses of a burst's
   * first requests then do not hold the isolate's one thread while its last requests are
   * still being written (their I/O runs on that thread too). Requests older than that (a
   * target that hangs) are not waited for, so under overload nothing waits for them.
   */
  async afterSends({ maxMs = BURST_WAIT_MS, answers = true } = {}): Promise<void> {
    const deadline = Date.now() + maxMs;
    let poll = FIRST_POLL_MS;
    for (;;) {
      const now = Date.now();
      if (now >= deadline) return;
      if (this.dueBy(now) !== null) {
        // A timer set now fires after the send timers already due (they were set first).
        await new Promise((r) => setTimeout(r, 0));
        continue;
      }
      if (!answers || !this.burstOut(now)) return;
      // Polled on this caller's own timer: a promise resolved by another job object's
      // answer would go on in that object's I/O context (workerd refuses such I/O).
      await new Promise((r) => setTimeout(r, Math.min(poll, deadline - now)));
      poll = Math.min(poll * 2, MAX_POLL_MS);
    }
  }
}

/** The attempts of this isolate waiting for their instant (module state, like `outbound`). */
export const instants = new SendInstants();
