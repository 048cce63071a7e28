// The job's own storage — the source of truth — and its alarm. The configuration
// has a key of its own and is rewritten only when it changes (the core keeps its
// identity otherwise), so that a job firing every second writes only its state.
// Beside the state:
// - the history outbox (finished runs' rows not yet handed to the history queue,
//   written in the same transaction as the state that produced them) and the commit
//   counter that versions them ride inside the state's own row, so a delivery writes no
//   extra row for them; a commit drops what the queue took more than HOLD_MS ago
//   (history-writer.ts). Only while
//   sends fail and the outbox grows past OUTBOX_INLINE_MAX do further rows get keys of
//   their own (deleted once taken). The job's history shard has a key of its own.
// - the notification outbox (SPEC §12) has a key of its own too, written with the state
//   whose events it holds, and its head's due time is one of the job's wake-ups.
import * as core from "../job/core";
import { upgradeConfig, upgradeState } from "../job/defaults";
import type { VersionedRun } from "../job/history-batch";
import { type Notification, outboxWakeAt } from "../job/outbox";
import type { JobConfig, JobState } from "../job/types";

const STATE_KEY = "job";
const CONFIG_KEY = "config";
const SHARD_KEY = "shard";
const NOTIFY_KEY = "outbox";
/** The commit counter rides inside the state's own row (no extra row per commit). */
const SEQ_FIELD = "history_seq";
const OUTBOX_FIELD = "history_outbox";
const OUTBOX_PREFIX = "outbox:";
/** Rows the state's own row carries at most (a run row is ~1–5 KB; a value may hold 2 MB). */
export const OUTBOX_INLINE_MAX = 20;

const earliest = (...ts: (number | null)[]) =>
  ts.reduce<number | null>((a, b) => (a === null ? b : b === null ? a : Math.min(a, b)), null);

/** What a commit adds to the history: its number and the rows it changed. */
export interface StagedHistory {
  seq: number;
  /** Every row the commit changed. */
  runs: VersionedRun[];
  /**
   * The outbox after this commit, carried in the state's row: the rows of finished runs
   * (those that left the state) not yet taken by the queue. A run still in the state is
   * written again when it moves on (or is recovered), so its rows need no copy.
   */
  inline: VersionedRun[];
  /** Outbox rows beyond OUTBOX_INLINE_MAX, stored under keys of their own. */
  spill: VersionedRun[];
  /** Spilled rows whose hold is over: their keys go in the same write. */
  released: string[];
  /** Set on the job's first commit: the shard it was given. */
  shard?: string;
}

/** The history side of the storage, as loaded. */
export interface StoredHistory {
  /** null: a job created before history shards (its history is in the primary database). */
  shard: string | null;
  seq: number;
  /** The outbox carried in the state's row. */
  inline: VersionedRun[];
  /** The outbox rows under keys of their own. */
  spilled: VersionedRun[];
}

export class JobStorage {
  /** The configuration object last written (compared by identity). */
  private storedConfig: JobConfig | null = null;
  /** The alarm as last set: undefined until known. */
  private alarmAt: number | null | undefined;
  /** When the history outbox wants a retry (a failed send), or null. */
  private retryAt: number | null = null;
  /** The notification outbox's next wake-up (null: empty). */
  private notifyAt: number | null = null;
  /** The job's own next wake-up as last saved. */
  private jobAt: number | null = null;
  private loaded: { shard: string | null; seq: number; inline: VersionedRun[] } = {
    shard: null,
    seq: 0,
    inline: [],
  };
  /** The history part of the state's row as last written (kept by a save without one). */
  private history: { seq: number; inline: VersionedRun[] } = { seq: 0, inline: [] };

  constructor(
    private readonly storage: DurableObjectStorage,
    /** How long before a slot its alarm is set (pre-armed firing). */
    private readonly leadMs: number,
  ) {}

  async load(): Promise<{ state: JobState; outbox: Notification[] } | null> {
    const got = await this.storage.get<unknown>([STATE_KEY, CONFIG_KEY, SHARD_KEY, NOTIFY_KEY]);
    const {
      [SEQ_FIELD]: seq,
      [OUTBOX_FIELD]: inline,
      ...stored
    } = (got.get(STATE_KEY) ?? {}) as Parameters<typeof upgradeState>[0] & {
      [SEQ_FIELD]?: number;
      [OUTBOX_FIELD]?: VersionedRun[];
    };
    this.loaded = {
      shard: (got.get(SHARD_KEY) as string | undefined) ?? null,
      seq: seq ?? 0,
      inline: inline ?? [],
    };
    this.history = { seq: this.loaded.seq, inline: this.loaded.inline };
    if (!got.has(STATE_KEY)) return null;
    const raw = got.get(CONFIG_KEY) as Partial<JobConfig> | undefined;
    if (!raw) return null;
    const config = upgradeConfig(raw);
    // An upgraded configuration is a new object: the next save writes it back.
    if (config === raw) this.storedConfig = config;
    const outbox = (got.get(NOTIFY_KEY) as Notification[] | undefined) ?? [];
    this.notifyAt = outboxWakeAt(outbox);
    const state = { ...upgradeState(stored), config };
    this.jobAt = core.wakeAt(state, this.leadMs);
    return { state, outbox };
  }

  /**
   * Saves the state (with the history and notifications its commit produced) and sets
   * the alarm to its next wake-up. Writes issued without an await between them are
   * committed as one transaction, and the output gate holds whatever the caller sends
   * after this until the write is durable: a slot fires once.
   */
  async save(
    state: JobState,
    produced: { history?: StagedHistory; outbox?: readonly Notification[] } = {},
  ): Promise<void> {
    const { config, ...rest } = state;
    const { history, outbox } = produced;
    if (history) this.history = { seq: history.seq, inline: history.inline };
    const entries: Record<string, unknown> = {
      [STATE_KEY]: { ...rest, [SEQ_FIELD]: this.history.seq, [OUTBOX_FIELD]: this.history.inline },
    };
    if (config !== this.storedConfig) {
      entries[CONFIG_KEY] = config;
      this.storedConfig = config;
    }
    if (history) {
      if (history.shard !== undefined) entries[SHARD_KEY] = history.shard;
      for (const run of history.spill) entries[OUTBOX_PREFIX + run.row.run_id] = run;
    }

    if (outbox) {
      entries[NOTIFY_KEY] = outbox;
      this.notifyAt = outboxWakeAt(outbox);
    }
    this.jobAt = core.wakeAt(state, this.leadMs);
    // Issued without an await in between: one transaction.
    const released = history?.released.map((id) => OUTBOX_PREFIX + id) ?? [];
    await Promise.all([
      this.storage.put(entries),
      ...(released.length > 0 ? [this.storage.delete(released)] : []),
      this.armAlarm(),
    ]);
  }

  /** When the job wants its next wake-up: its own (core.wakeAt) or the notification outbox's head. */
  wakeAt(state: JobState): number | null {
    return earliest(core.wakeAt(state, this.leadMs), this.notifyAt);
  }

  /** Saves the notification outbox alone (a send finished) and the alarm its head now needs. */
  async saveOutbox(outbox: readonly Notification[]): Promise<void> {
    this.notifyAt = outboxWakeAt(outbox);
    await Promise.all([this.storage.put(NOTIFY_KEY, outbox), this.armAlarm()]);
  }

  /** The history side, after load(): shard, commit counter and the rows still in the outbox. */
  async loadHistory(): Promise<StoredHistory> {
    const spilled = await this.storage.list<VersionedRun>({ prefix: OUTBOX_PREFIX });
    return { ...this.loaded, spilled: [...spilled.values()] };
  }

  /**
   * The history outbox wants another try at `at` (null: nothing pending): the alarm is
   * set to the earliest wake-up wanted, so an evicted object comes back for it.
   */
  async retryHistoryAt(at: number | null): Promise<void> {
    this.retryAt = at;
    await this.armAlarm();
  }

  /** The alarm just fired: whatever was set is gone. */
  alarmFired(): void {
    this.alarmAt = undefined;
    if (this.retryAt !== null && this.retryAt <= Date.now()) this.retryAt = null;
  }

  /** Sets the alarm again (after one fired that was only the outbox's retry). */
  rearm(): Promise<void> {
    return this.armAlarm();
  }

  private armAlarm(): Promise<void> {
    const at = earliest(this.jobAt, this.notifyAt, this.retryAt);
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
    this.retryAt = null;
    this.notifyAt = null;
    this.jobAt = null;
    this.history = { seq: 0, inline: [] };
    this.storedConfig = null;
  }
}
