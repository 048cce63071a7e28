// Which requests get an http.request line (src/api/access-log.ts, README "Logs").
import { describe, expect, it } from "vitest";
import { requestLogged, SLOW_REQUEST_MS } from "../../src/api/access-log";

const METHODS = ["GET", "HEAD", "OPTIONS", "POST", "PATCH", "PUT", "DELETE"];
const STATUSES = [200, 201, 204, 304, 400, 401, 403, 404, 409, 429, 500, 503];
const DURATIONS = [0, 5, SLOW_REQUEST_MS - 1, SLOW_REQUEST_MS, 30_000];

describe("requestLogged", () => {
  it("logs every request with LOG_REQUESTS=all", () => {
    for (const m of METHODS)
      for (const s of STATUSES)
        for (const d of DURATIONS) expect(requestLogged(true, m, s, d)).toBe(true);
  });

  it("by default leaves out exactly the quick successful reads", () => {
    for (const m of METHODS)
      for (const s of STATUSES)
        for (const d of DURATIONS) {
          const quietRead =
            ["GET", "HEAD", "OPTIONS"].includes(m) && s < 400 && d < SLOW_REQUEST_MS;
          expect(requestLogged(false, m, s, d), `${m} ${s} ${d} ms`).toBe(!quietRead);
        }
  });

  it("logs a write, a failed read and a slow read by default", () => {
    expect(requestLogged(false, "POST", 201, 3)).toBe(true);
    expect(requestLogged(false, "DELETE", 200, 3)).toBe(true);
    expect(requestLogged(false, "GET", 404, 3)).toBe(true);
    expect(requestLogged(false, "GET", 500, 3)).toBe(true);
    expect(requestLogged(false, "GET", 200, SLOW_REQUEST_MS)).toBe(true);
    expect(requestLogged(false, "GET", 200, 3)).toBe(false);
  });
});
