import { describe, expect, it } from "vitest";
import { DEFAULT_RETRY, nextDelay, parseRetryAfter, retryByDefault, sleep } from "../../../src/services/http/retry.js";

describe("retry policy", () => {
  it("parses Retry-After seconds and HTTP dates", () => {
    const now = Date.parse("2026-01-01T00:00:00Z");
    expect(parseRetryAfter("3", now)).toBe(3000);
    expect(parseRetryAfter(" 0 ", now)).toBe(0);
    expect(parseRetryAfter("Thu, 01 Jan 2026 00:00:02 GMT", now)).toBe(2000);
    expect(parseRetryAfter("Wed, 31 Dec 2025 23:59:00 GMT", now)).toBe(0);
    expect(parseRetryAfter("soon", now)).toBeUndefined();
    expect(parseRetryAfter("-1", now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });

  it("retries only idempotent methods by default", () => {
    expect(["GET", "HEAD", "PUT", "DELETE"].every((m) => retryByDefault(m as "GET"))).toBe(true);
    expect(retryByDefault("POST")).toBe(false);
    expect(retryByDefault("PATCH")).toBe(false);
  });

  it("backs off exponentially and stops after the last attempt", () => {
    const p = { ...DEFAULT_RETRY, baseDelayMs: 100 };
    expect(nextDelay(p, 1, undefined, undefined)).toBe(100);
    expect(nextDelay(p, 2, undefined, undefined)).toBe(200);
    expect(nextDelay(p, 3, undefined, undefined)).toBeUndefined();
  });

  it("honours Retry-After within the ceiling and the deadline", () => {
    const now = 1_000_000;
    expect(nextDelay(DEFAULT_RETRY, 1, 1000, undefined, now)).toBe(1000);
    expect(nextDelay(DEFAULT_RETRY, 1, 60_000, undefined, now)).toBeUndefined();
    expect(nextDelay(DEFAULT_RETRY, 1, 1000, now + 5000, now)).toBe(1000);
    expect(nextDelay(DEFAULT_RETRY, 1, 1000, now + 1100, now)).toBeUndefined();
  });

  it("sleeps, and stops sleeping on abort", async () => {
    const t0 = Date.now();
    await sleep(30);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(25);
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error("stop")), 20);
    await expect(sleep(10_000, controller.signal)).rejects.toThrow("stop");
    await expect(sleep(10, AbortSignal.abort(new Error("already")))).rejects.toThrow("already");
  });
});
