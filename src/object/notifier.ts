// Sends a job's notifications (SPEC §12) from its durable outbox: one at a time, in the
// order they happened, each retried after its backoff (src/job/outbox.ts decides), and
// never on the delivery path — the job's runs do not wait for a notify URL, and a slow
// one only holds up the events queued behind it. Every send of an event carries the
// event's id as Idempotency-Key; a send cut short by a restart is sent again once its
// lease runs out (so a receiver may see an id twice, never two ids for one event).
import { type SendOptions, sendNotification } from "../delivery/send";
import {
  enqueue,
  NOTIFY_TIMEOUT_MS,
  type Notification,
  sendFinished,
  takeDue,
} from "../job/outbox";
import type { JobState } from "../job/types";
import { log } from "../lib/log";
import type { JobStorage } from "./storage";

export class Notifier {
  private outbox: Notification[] = [];
  private sending: Promise<void> | null = null;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly abort = new AbortController();

  constructor(
    private readonly storage: JobStorage,
    /** The job as it is now (its secrets sign each send), or null once deleted. */
    private readonly job: () => JobState | null,
    /** The URL guard and a place among the isolate's requests in flight (Dispatcher). */
    private readonly options: () => SendOptions,
  ) {}

  /** The outbox as loaded from storage. */
  loaded(outbox: Notification[]): void {
    this.outbox = outbox;
  }

  /** The outbox with `added` at its end: the caller saves it with the state. */
  add(added: Notification[]): Notification[] {
    const { outbox, dropped } = enqueue(this.outbox, added);
    for (const n of dropped)
      log("notify.dropped", { event_id: n.id, type: n.type, reason: "outbox full" });
    this.outbox = outbox;
    return outbox;
  }

  /** The send in flight, if any (the alarm handler keeps the object alive for it). */
  inFlight(): Promise<void> | null {
    return this.sending;
  }

  /** Sends the head of the outbox if it is due, and everything due after it. */
  pump(): void {
    if (this.sending || this.abort.signal.aborted) return;
    const job = this.job();
    if (!job) return;
    const now = Date.now();
    const { outbox, send } = takeDue(this.outbox, now);
    if (!send) {
      this.armTimer(this.outbox[0]?.next_at ?? null);
      return;
    }
    this.outbox = outbox;
    this.sending = this.deliver(job, send).finally(() => {
      this.sending = null;
      this.pump();
    });
  }

  private async deliver(job: JobState, event: Notification): Promise<void> {
    try {
      await this.storage.saveOutbox(this.outbox); // the lease, before the request leaves
      const result = await sendNotification(job, event, {
        ...this.options(),
        signal: this.abort.signal,
        timeoutMs: NOTIFY_TIMEOUT_MS,
      });
      if (this.abort.signal.aborted) return;
      const { outbox, gaveUp } = sendFinished(this.outbox, event.id, result.outcome, Date.now());
      this.outbox = outbox;
      log("notify.sent", {
        cron_id: job.cron_id,
        event_id: event.id,
        type: event.type,
        run_id: event.run_id,
        target: event.target,
        attempt: event.attempts,
        ...result,
        gave_up: gaveUp,
      });
      await this.storage.saveOutbox(this.outbox);
    } catch (e) {
      log("notify.error", { cron_id: job.cron_id, event_id: event.id, error: String(e) });
    }
  }

  private armTimer(at: number | null): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (at === null) return;
    this.timer = setTimeout(() => this.pump(), Math.max(0, at - Date.now()));
  }

  /** The job was deleted: nothing more is sent. */
  stop(): void {
    this.abort.abort();
    clearTimeout(this.timer);
    this.outbox = [];
  }
}
