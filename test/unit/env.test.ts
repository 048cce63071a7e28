import { describe, expect, it } from "vitest";
import {
  ConfigError,
  configOf,
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
});
const envOf = (extra: Record<string, unknown> = {}) =>
  ({ ...bindings(), ...extra }) as unknown as Env;

describe("configOf: the environment, parsed once at the boundary", () => {
  it("reads the variables, with the documented defaults", () => {
    expect(configOf(envOf())).toEqual({
      allowPrivateTargets: false,
      jobQuota: DEFAULT_JOB_QUOTA,
      maxRequestsInFlight: DEFAULT_MAX_REQUESTS_IN_FLIGHT,
    });
    expect(
      configOf(
        envOf({ JOB_QUOTA: "5", ALLOW_PRIVATE_TARGETS: "true", MAX_REQUESTS_IN_FLIGHT: "40" }),
      ),
    ).toEqual({
      allowPrivateTargets: true,
      jobQuota: 5,
      maxRequestsInFlight: 40,
    });
  });

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
