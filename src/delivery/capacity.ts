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

/**
 * Attempts built and signed that wait for their instant (pre-armed firing), across every
 * job of the isolate. Work after a response (the run's commit, its history message) waits
 * until no attempt due by then is still waiting, so that it does not delay another job's
 * send at the same instant (issue 14: "keep other jobs' sends off the slow path").
 */
export class SendInstants {
  private readonly waiting = new Map<number, number>();
  private nextToken = 0;

  /** An attempt waits for `at`; its token goes to `sent` once its request has left. */
  wait(at: number): number {
    const token = this.nextToken++;
    this.waiting.set(token, at);
    return token;
  }

  sent(token: number): void {
    this.waiting.delete(token);
  }

  /** The earliest instant of an attempt due by `by` that has not been sent, or null. */
  dueBy(by: number): number | null {
    let earliest: number | null = null;
    for (const at of this.waiting.values()) {
      if (at <= by && (earliest === null || at < earliest)) earliest = at;
    }
    return earliest;
  }

  /**
   * Resolves once no attempt due by now waits to be sent: each round yields to the
   * timers of the sends due (a timer set now fires after those already due). Bounded, so
   * a send that never leaves cannot hold anything up for long.
   */
  async afterDueSends(maxRounds = 20): Promise<void> {
    for (let round = 0; round < maxRounds; round++) {
      if (this.dueBy(Date.now()) === null) return;
      await new Promise((r) => setTimeout(r, 0));
    }
  }
}

/** The attempts of this isolate waiting for their instant (module state, like `outbound`). */
export const instants = new SendInstants();
