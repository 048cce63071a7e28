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
