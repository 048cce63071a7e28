// ULIDs (https://github.com/ulid/spec): 48-bit millisecond time + 80 random bits,
// Crockford base32. Monotonic within one isolate so ids minted in the same
// millisecond still sort in creation order (lists are "newest first" by id).
const ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

let lastTime = -1;
let lastRandom: number[] = [];

function randomDigits(): number[] {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b & 31);
}

function increment(digits: number[]): number[] {
  const next = digits.slice();
  for (let i = next.length - 1; i >= 0; i--) {
    if (next[i]! < 31) {
      next[i]!++;
      return next;
    }
    next[i] = 0;
  }
  return randomDigits(); // overflow of 80 bits within one ms: practically unreachable
}

export function ulid(now: number = Date.now()): string {
  let random: number[];
  if (now <= lastTime) {
    random = increment(lastRandom);
    now = lastTime;
  } else {
    random = randomDigits();
    lastTime = now;
  }
  lastRandom = random;
  return ulidTime(now) + random.map((d) => ALPHABET[d]).join("");
}

/**
 * The time part of a ULID minted at `ms` (10 characters). Ids minted at or after `ms`
 * sort at or after it, ids minted before it sort before it: a time range is an id range.
 */
export function ulidTime(ms: number): string {
  let time = "";
  let t = Math.max(0, Math.floor(ms));
  for (let i = 0; i < 10; i++) {
    time = ALPHABET[t % 32] + time;
    t = Math.floor(t / 32);
  }
  return time;
}

// The id patterns, spelled once: whole ids, and ids found inside a longer text (a path).
export const ULID_PATTERN = "[0-9A-HJKMNP-TV-Z]{26}";
export const CRON_ID_RE = new RegExp(`^cron_${ULID_PATTERN}$`);
export const RUN_ID_RE = new RegExp(`^run_${ULID_PATTERN}$`);
export const REQUEST_ID_RE = new RegExp(`^req_${ULID_PATTERN}$`);
export const CRON_ID_IN_TEXT = new RegExp(`cron_${ULID_PATTERN}`);
export const RUN_ID_IN_TEXT = new RegExp(`run_${ULID_PATTERN}`);

export const newCronId = (now?: number) => `cron_${ulid(now)}`;
export const newRunId = (now?: number) => `run_${ulid(now)}`;
export const BACKFILL_ID_RE = new RegExp(`^bf_${ULID_PATTERN}$`);
export const newBackfillId = (now?: number) => `bf_${ulid(now)}`;
export const AUDIT_ID_RE = new RegExp(`^aud_${ULID_PATTERN}$`);
export const newAuditId = (now?: number) => `aud_${ulid(now)}`;
export const EVENT_ID_RE = new RegExp(`^evt_${ULID_PATTERN}$`);
export const newEventId = (now?: number) => `evt_${ulid(now)}`;
