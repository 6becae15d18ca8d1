import { afterAll, afterEach, describe, expect, it } from "vitest";
import { haveRedis, redisNotice, startRedis, type RedisServer } from "../../helpers/redis-server.js";
import { DestinationLimits } from "../../../src/core/outbox/destination-limits.js";
import { classify, nextAttemptAt } from "../../../src/core/outbox/policy.js";
import { HttpError } from "../../../src/services/http/types.js";
import { ModuleError, ParamError } from "../../../src/sdk/errors.js";
import { startStandIn, type StandIn } from "../../helpers/stand-in.js";
import { until } from "../../reliability/until.js";
import { startOutboxApp, webhookQuery, type OutboxApp } from "./helpers.js";

// Per-destination limits and the retry policy (docs/delivery.md, "Limits", "Retries").

describe("destination limits", () => {
  it("caps deliveries in flight per destination, independently", () => {
    const limits = new DestinationLimits((d) => ({ concurrency: d.startsWith("a/") ? 2 : 1 }));
    expect([limits.tryAcquire("a/x"), limits.tryAcquire("a/x"), limits.tryAcquire("a/x")]).toEqual([true, true, false]);
    expect([limits.tryAcquire("b/y"), limits.tryAcquire("b/y")]).toEqual([true, false]);
    limits.release("a/x");
    expect(limits.tryAcquire("a/x")).toBe(true);
  });

  it("spends a per-minute budget and refuses beyond its burst", () => {
    const limits = new DestinationLimits(() => ({ concurrency: 100, perMinute: 60 }));
    // Burst of a tenth of the minute (6), then one per second.
    const taken = Array.from({ length: 10 }, () => limits.tryAcquire("d/x")).filter(Boolean).length;
    expect(taken).toBe(6);
  });
});

describe("retry classification", () => {
  const res = (status: number, headers: Record<string, string> = {}) => ({ status, headers, body: "" });
  it("retries timeouts, refused connections, 408, 425, 429 and 5xx; not other 4xx or bad parameters", () => {
    for (const s of [408, 425, 429, 500, 502, 503, 504])
      expect(classify({ ok: false, outcome: "error", response: res(s) }).retryable, String(s)).toBe(true);
    for (const s of [400, 401, 403, 404, 410, 413, 422])
      expect(classify({ ok: false, outcome: "error", response: res(s) }).retryable, String(s)).toBe(false);
    expect(classify({ ok: false, outcome: "error", httpError: new HttpError("network", "connection refused") }).retryable).toBe(true);
    expect(classify({ ok: false, outcome: "error", httpError: new HttpError("egress", "refused") }).retryable).toBe(false);
    expect(classify({ ok: false, outcome: "timeout" }).retryable).toBe(true);
    expect(classify({ ok: false, outcome: "error", thrown: new ParamError("url", "bad") }).retryable).toBe(false);
    expect(classify({ ok: false, outcome: "error", thrown: new ModuleError("smtp 451", { retryable: true }) }).retryable).toBe(true);
    expect(classify({ ok: false, outcome: "error", response: res(503, { "webhook-delivery": "abort-message" }) }).retryable).toBe(false);
  });

  it("takes the vendor's wait from the body when Retry-After is absent", () => {
    const v = classify(
      { ok: false, outcome: "error", response: { status: 429, headers: {}, body: '{"parameters":{"retry_after":7}}' } },
      (r) => (JSON.parse(r.body) as { parameters: { retry_after: number } }).parameters.retry_after * 1000,
    );
    expect(v).toMatchObject({ retryable: true, waitMs: 7000 });
  });

  it("follows the schedule with jitter, and stops at the attempt and age limits", () => {
    const policy = { scheduleMs: [5000, 300_000], maxAttempts: 4, maxAgeMs: 3_600_000 };
    const retry = { retryable: true, reason: "HTTP 500" };
    expect(nextAttemptAt(policy, 1, 0, retry, 0, () => 0.5)).toBe(5000);
    expect(nextAttemptAt(policy, 2, 0, retry, 0, () => 0)).toBe(240_000);
    expect(nextAttemptAt(policy, 3, 0, retry, 0, () => 1)).toBe(360_000);
    expect(nextAttemptAt(policy, 4, 0, retry, 0)).toBeUndefined();
    expect(nextAttemptAt(policy, 2, 0, retry, 3_500_000, () => 0.5)).toBeUndefined();
    expect(nextAttemptAt(policy, 1, 0, { ...retry, waitMs: 42_000 }, 0)).toBe(42_000);
    expect(nextAttemptAt(policy, 1, 0, { retryable: false, reason: "HTTP 404" }, 0)).toBeUndefined();
  });
});

let app: OutboxApp | undefined;
let hook: StandIn | undefined;
let redis: RedisServer | undefined;
afterEach(async () => {
  await app?.close();
  await hook?.close();
  app = hook = undefined;
});
afterAll(async () => {
  await redis?.stop();
});
redisNotice("the Redis run of the burst test");

describe.each([{ backend: "sqlite" as const }, ...(haveRedis ? [{ backend: "redis" as const }] : [])])(
  "a burst through the limits on $backend",
  { timeout: 60_000 },
  ({ backend }) => {
    it("never has more than the destination's concurrency in flight at the receiver", async () => {
      let inFlight = 0;
      let peak = 0;
      hook = await startStandIn({
        handler: async () => {
          inFlight++;
          peak = Math.max(peak, inFlight);
          await new Promise((r) => setTimeout(r, 100));
          inFlight--;
          return { status: 204 };
        },
      });
      if (backend === "redis") redis ??= await startRedis();
      const onRedis = redis && backend === "redis" ? { backend: "redis" as const, redisUrl: redis.url } : {};
      app = await startOutboxApp({
        modules: { http_webhook: { delivery: "queued" } },
        outbox: { destinations: { http_webhook: { concurrency: 2 } }, ...onRedis },
      });
      const replies = await Promise.all(
        Array.from({ length: 12 }, (_, i) => app!.query(webhookQuery(`${hook!.url}/in`, {}, { Event: { info: String(i) } }))),
      );
      expect(replies.every((r) => r.body.data === true)).toBe(true);
      await until("all delivered", async () => hook!.requests.length >= 12);
      expect(peak).toBeLessThanOrEqual(2);
      expect(peak).toBeGreaterThanOrEqual(1);
    });
  },
);
