// The job's own storage — the source of truth — and its alarm. The configuration
// has a key of its own and is rewritten only when it changes (the core keeps its
// identity otherwise), so that a job firing every second writes only its state. The
// notification outbox (SPEC §12) has a key of its own too, written with the state whose
// events it holds, and its head's due time is one of the job's wake-ups.
import * as core from "../job/core";
import { upgradeConfig, upgradeState } from "../job/defaults";
import { type Notification, outboxWakeAt } from "../job/outbox";
import type { JobConfig, JobState } from "../job/types";

const STATE_KEY = "job";
const CONFIG_KEY = "config";
const OUTBOX_KEY = "outbox";

const earliest = (a: number | null, b: number | null) =>
  a === null ? b : b === null ? a : Math.min(a, b);

export class JobStorage {
  /** The configuration object last written (compared by identity). */
  private storedConfig: JobConfig | null = null;
  /** The alarm as last set: undefined until known. */
  private alarmAt: number | null | undefined;
  /** The outbox's next wake-up (null: empty). */
  private outboxAt: number | null = null;
  /** The state last saved (the alarm of an outbox write needs its wake-up too). */
  private lastState: JobState | null = null;

  constructor(
    private readonly storage: DurableObjectStorage,
    /** How long before a slot its alarm is set (pre-armed firing). */
    private readonly leadMs: number,
  ) {}

  async load(): Promise<{ state: JobState; outbox: Notification[] } | null> {
    const got = await this.storage.get<unknown>([STATE_KEY, CONFIG_KEY, OUTBOX_KEY]);
    const stored = got.get(STATE_KEY) as Parameters<typeof upgradeState>[0] | undefined;
    const raw = got.get(CONFIG_KEY) as Partial<JobConfig> | undefined;
    if (!stored || !raw) return null;
    const config = upgradeConfig(raw);
    // An upgraded configuration is a new object: the next save writes it back.
    if (config === raw) this.storedConfig = config;
    const outbox = (got.get(OUTBOX_KEY) as Notification[] | undefined) ?? [];
    this.outboxAt = outboxWakeAt(outbox);
    const state = { ...upgradeState(stored), config };
    this.lastState = state;
    return { state, outbox };
  }

  /**
   * Saves the state and sets the alarm to its next wake-up. Writes issued without an
   * await between them are committed as one transaction, and the output gate holds
   * whatever the caller sends after this until the write is durable: a slot fires once.
   */
  async save(state: JobState, outbox?: readonly Notification[]): Promise<void> {
    const { config, ...rest } = state;
    const entries: Record<string, unknown> = { [STATE_KEY]: rest };
    if (config !== this.storedConfig) {
      entries[CONFIG_KEY] = config;
      this.storedConfig = config;
    }
    if (outbox) {
      entries[OUTBOX_KEY] = outbox;
      this.outboxAt = outboxWakeAt(outbox);
    }
    this.lastState = state;
    await Promise.all([this.storage.put(entries), this.armAlarm(this.wakeAt(state))]);
  }

  /** When the job wants its next wake-up: its own (core.wakeAt) or the outbox's head. */
  wakeAt(state: JobState): number | null {
    return earliest(core.wakeAt(state, this.leadMs), this.outboxAt);
  }

  /** Saves the outbox alone (a send finished) and the alarm its head now needs. */
  async saveOutbox(outbox: readonly Notification[]): Promise<void> {
    this.outboxAt = outboxWakeAt(outbox);
    const want = this.lastState ? this.wakeAt(this.lastState) : this.outboxAt;
    await Promise.all([this.storage.put(OUTBOX_KEY, outbox), this.armAlarm(want)]);
  }

  private armAlarm(at: number | null): Promise<void> {
    if (at === this.alarmAt) return Promise.resolve();
    this.alarmAt = at;
    return at === null ? this.storage.deleteAlarm() : this.storage.setAlarm(at);
  }

  /**
   * The daily sweep's safety net: when the stored alarm is missing, or stuck more than
   * `overdueMs` in the past, while the job wants a wake-up at `want`, sets it again.
   */
  async rearmIfLost(want: number | null, now: number, overdueMs: number): Promise<boolean> {
    if (want === null) return false;
    const have = await this.storage.getAlarm();
    if (have !== null && have >= now - overdueMs) return false;
    this.alarmAt = Math.max(want, now);
    await this.storage.setAlarm(this.alarmAt);
    return true;
  }

  async deleteAll(): Promise<void> {
    await this.storage.deleteAlarm();
    await this.storage.deleteAll();
    this.alarmAt = null;
    this.storedConfig = null;
    this.outboxAt = null;
    this.lastState = null;
  }
}
