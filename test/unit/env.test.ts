import { describe, expect, it } from "vitest";
import {
  ConfigError,
  configOf,
  DEFAULT_DLQ_MAX_RETRIES,
  DEFAULT_JOB_QUOTA,
  DEFAULT_MAX_REQUESTS_IN_FLIGHT,
  type Env,
} from "../../src/env";

// Stand-ins with the one method configOf checks for each binding: the parse is about
// presence and shape at the boundary, not about the bindings' behaviour.
const fn = () => undefined;
const bindings = () => ({
  JOB: { idFromName: fn },
  DB: { prepare: fn },
  KEYS: { get: fn },
  RATE_LIMITER: { limit: fn },
  HISTORY_QUEUE: { send: fn },
});
const envOf = (extra: Record<string, unknown> = {}) =>
  ({ ...bindings(), ...extra }) as unknown as Env;

describe("configOf: the environment, parsed once at the boundary", () => {
  it("reads the variables, with the documented defaults", () => {
    // Without HISTORY_SHARDS the history stays in the primary database (DB).
    const history = {
      openShards: ["DB"],
      allShards: ["DB"],
      queues: ["HISTORY_QUEUE"],
      dlqMaxRetries: DEFAULT_DLQ_MAX_RETRIES,
    };
    expect(configOf(envOf())).toEqual({
      allowPrivateTargets: false,
      jobQuota: DEFAULT_JOB_QUOTA,
      maxRequestsInFlight: DEFAULT_MAX_REQUESTS_IN_FLIGHT,
      ...history,
      // Only failed attempts get a run.attempt line unless LOG_ATTEMPTS=all.
      logEveryAttempt: false,
      // Quick successful reads get no http.request line unless LOG_REQUESTS=all.
      logEveryRequest: false,
      chainedFiring: true,
    });
    expect(
      configOf(
        envOf({
          JOB_QUOTA: "5",
          ALLOW_PRIVATE_TARGETS: "true",
          MAX_REQUESTS_IN_FLIGHT: "40",
          HISTORY_DLQ_MAX_RETRIES: "7",
          LOG_ATTEMPTS: "all",
          LOG_REQUESTS: "all",
          CHAINED_FIRING: "off",
        }),
      ),
    ).toEqual({
      allowPrivateTargets: true,
      jobQuota: 5,
      maxRequestsInFlight: 40,
      ...history,
      dlqMaxRetries: 7,
      logEveryAttempt: true,
      logEveryRequest: true,
      chainedFiring: false,
    });
    expect(configOf(envOf({ LOG_ATTEMPTS: "failures" })).logEveryAttempt).toBe(false);
    expect(configOf(envOf({ LOG_REQUESTS: "writes" })).logEveryRequest).toBe(false);
    expect(configOf(envOf({ CHAINED_FIRING: "on" })).chainedFiring).toBe(true);
  });

  it.each(["", "ALL", "none", "errors"])(
    "refuses LOG_ATTEMPTS=%j with an error naming it",
    (value) => {
      expect(() => configOf(envOf({ LOG_ATTEMPTS: value }))).toThrow(/LOG_ATTEMPTS/);
    },
  );

  it.each(["", "ALL", "none", "reads", "failures"])(
    "refuses LOG_REQUESTS=%j with an error naming it",
    (value) => {
      expect(() => configOf(envOf({ LOG_REQUESTS: value }))).toThrow(/LOG_REQUESTS/);
    },
  );

  it.each(["", "ON", "true", "1", "no"])(
    "refuses CHAINED_FIRING=%j with an error naming it",
    (value) => {
      expect(() => configOf(envOf({ CHAINED_FIRING: value }))).toThrow(/CHAINED_FIRING/);
    },
  );

  it.each(["", "0", "-1", "often", "1000"])(
    "refuses HISTORY_DLQ_MAX_RETRIES=%j with an error naming it",
    (value) => {
      expect(() => configOf(envOf({ HISTORY_DLQ_MAX_RETRIES: value }))).toThrow(
        /HISTORY_DLQ_MAX_RETRIES/,
      );
    },
  );

  it.each(["", "0", "-3", "ten", "1e3", "10.5", " 5"])(
    "refuses JOB_QUOTA=%j with an error naming it (no silent default)",
    (value) => {
      expect(() => configOf(envOf({ JOB_QUOTA: value }))).toThrow(ConfigError);
      expect(() => configOf(envOf({ JOB_QUOTA: value }))).toThrow(/JOB_QUOTA/);
    },
  );

  it.each(["", "0", "-1", "many", "2.5", "1000000"])(
    "refuses MAX_REQUESTS_IN_FLIGHT=%j with an error naming it",
    (value) => {
      expect(() => configOf(envOf({ MAX_REQUESTS_IN_FLIGHT: value }))).toThrow(
        /MAX_REQUESTS_IN_FLIGHT/,
      );
    },
  );

  it("refuses an ALLOW_PRIVATE_TARGETS that is neither true nor false", () => {
    expect(() => configOf(envOf({ ALLOW_PRIVATE_TARGETS: "yes" }))).toThrow(
      /ALLOW_PRIVATE_TARGETS/,
    );
  });

  it.each(["JOB", "DB", "KEYS", "RATE_LIMITER"])("names a missing %s binding", (name) => {
    const env = envOf();
    delete (env as unknown as Record<string, unknown>)[name];
    expect(() => configOf(env)).toThrow(new RegExp(`binding ${name} `));
  });
});

describe("configOf: history shards (SPEC §14)", () => {
  const shards = { HISTORY_1: { prepare: fn }, HISTORY_2: { prepare: fn }, OLD: { prepare: fn } };

  it("reads the open and closed shards; the primary is always one of them", () => {
    const c = configOf(
      envOf({ ...shards, HISTORY_SHARDS: "HISTORY_1, HISTORY_2", HISTORY_SHARDS_CLOSED: "OLD" }),
    );
    expect(c.openShards).toEqual(["HISTORY_1", "HISTORY_2"]);
    expect(c.allShards).toEqual(["DB", "HISTORY_1", "HISTORY_2", "OLD"]);
  });

  it("names a listed shard that is not a D1 binding", () => {
    expect(() => configOf(envOf({ HISTORY_SHARDS: "HISTORY_1,HISTORY_9", ...shards }))).toThrow(
      /history shard HISTORY_9 is not a D1 binding/,
    );
  });

  it.each(["", "history_1", "HISTORY_1,,HISTORY_2", "HISTORY_1;HISTORY_2"])(
    "refuses HISTORY_SHARDS=%j with an error naming it",
    (value) => {
      expect(() => configOf(envOf({ ...shards, HISTORY_SHARDS: value }))).toThrow(/HISTORY_SHARDS/);
    },
  );

  it("names a missing history queue", () => {
    const env = envOf({ ...shards, HISTORY_SHARDS: "HISTORY_1" });
    delete (env as unknown as Record<string, unknown>).HISTORY_QUEUE;
    expect(() => configOf(env)).toThrow(/history queue HISTORY_QUEUE/);
  });
});
