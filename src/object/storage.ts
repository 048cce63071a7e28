// The job's own storage — the source of truth — and its alarm. The configuration
// has a key of its own and is rewritten only when it changes (the core keeps its
// identity otherwise), so that a job firing every second writes only its state.
import * as core from "../job/core";
import { upgradeConfig, upgradeState } from "../job/defaults";
import type { JobConfig, JobState } from "../job/types";

const STATE_KEY = "job";
const CONFIG_KEY = "config";

export class JobStorage {
  /** The configuration object last written (compared by identity). */
  private storedConfig: JobConfig | null = null;
  /** The alarm as last set: undefined until known. */
  private alarmAt: number | null | undefined;

  constructor(
    private readonly storage: DurableObjectStorage,
    /** How long before a slot its alarm is set (pre-armed firing). */
    private readonly leadMs: number,
  ) {}

  async load(): Promise<JobState | null> {
    const got = await this.storage.get<unknown>([STATE_KEY, CONFIG_KEY]);
    const stored = got.get(STATE_KEY) as Parameters<typeof upgradeState>[0] | undefined;
    const raw = got.get(CONFIG_KEY) as Partial<JobConfig> | undefined;
    if (!stored || !raw) return null;
    const config = upgradeConfig(raw);
    // An upgraded configuration is a new object: the next save writes it back.
    if (config === raw) this.storedConfig = config;
    return { ...upgradeState(stored), config };
  }

  /**
   * Saves the state and sets the alarm to its next wake-up. Writes issued without an
   * await between them are committed as one transaction, and the output gate holds
   * whatever the caller sends after this until the write is durable: a slot fires once.
   */
  async save(state: JobState): Promise<void> {
    const { config, ...rest } = state;
    const writes: Promise<unknown>[] = [];
    if (config === this.storedConfig) {
      writes.push(this.storage.put(STATE_KEY, rest));
    } else {
      writes.push(this.storage.put({ [STATE_KEY]: rest, [CONFIG_KEY]: config }));
      this.storedConfig = config;
    }
    writes.push(this.armAlarm(core.wakeAt(state, this.leadMs)));
    await Promise.all(writes);
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
  }
}
