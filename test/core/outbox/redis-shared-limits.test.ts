import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { Outbox } from "../../../src/core/outbox/outbox.js";
import { openRedisOutbox } from "../../../src/core/outbox/redis-backend.js";
import { Sealer } from "../../../src/core/outbox/sealing.js";
import { SharedRateLimits } from "../../../src/core/outbox/shared-rate.js";
import { haveRedis, redisNotice, startRedis, type RedisServer } from "../../helpers/redis-server.js";
import { startStandIn, type StandIn } from "../../helpers/stand-in.js";
import { until } from "../../reliability/until.js";
import { startOutboxApp, webhookQuery, type OutboxApp } from "./helpers.js";

// Per-destination rate limits with several servers on one Redis (docs/delivery.md, "Limits per
// destination"): one bucket per destination in Redis, so two workers together keep the limit
// instead of each spending it.

redisNotice("the shared rate-limit tests");

let redis: RedisServer | undefined;
const clients: Redis[] = [];
const apps: OutboxApp[] = [];
const workers: Outbox[] = [];
let hook: StandIn | undefined;
afterAll(async () => {
  for (const w of workers) await w.stop(1000);
  for (const a of apps) await a.close();
  for (const c of clients) c.disconnect();
  await hook?.close();
  await redis?.stop();
});

describe.skipIf(!haveRedis)("rate limits shared on Redis", { timeout: 60_000 }, () => {
  it("two connections take from one bucket: the burst once, not once each", async () => {
    redis = await startRedis();
    const [a, b] = [new Redis(redis.url), new Redis(redis.url)];
    clients.push(a, b);
    const la = new SharedRateLimits(a);
    const lb = new SharedRateLimits(b);
    const takes: boolean[] = [];
    for (let i = 0; i < 6; i++) takes.push(await la.take("http_webhook/x", 60, 6), await lb.take("http_webhook/x", 60, 6));
    // 60/min with a burst of 6: six tokens between both, then (well within a second) none.
    expect(takes.filter(Boolean)).toHaveLength(6);
    expect(await la.take("http_webhook/other", 60, 6)).toBe(true);
  });

  it("two outbox workers on one Redis deliver to one destination at the shared pace", async () => {
    redis ??= await startRedis();
    await redis.flush();
    const arrivals: number[] = [];
    hook = await startStandIn({
      handler: () => {
        arrivals.push(Date.now());
        return { status: 200, body: "ok" };
      },
    });
    // 120/min: a burst of 12, then 2 a second. Each server alone would allow the same again.
    const config = {
      modules: { http_webhook: { delivery: "queued" } },
      outbox: {
        backend: "redis" as const,
        redisUrl: redis.url,
        destinationConcurrency: 16,
        destinations: { http_webhook: { perMinute: 120 } },
      },
    };
    // One server, and a second outbox worker on the same Redis (what a second server runs):
    // starting two whole servers costs far more than this test needs.
    const app = await startOutboxApp(config);
    apps.push(app);
    const { config: cfg, registry, services } = app.app;
    const second = new Outbox({
      config: cfg,
      registry,
      services,
      openBackend: () => openRedisOutbox(cfg, services.log),
      sealer: () => Sealer.fromDataDir(app.dataDir),
    });
    workers.push(second);
    await second.open();
    const N = 30;
    for (let i = 0; i < N; i++) {
      const r = await app.query(
        webhookQuery(`${hook.url}/in`, {}, { Event: { uuid: `5e1b7c3a-0000-4000-8000-${String(i).padStart(12, "0")}`, info: `m${i}` } }),
      );
      expect(r.body).toEqual({ data: true });
    }
    await until("the burst", async () => arrivals.length >= 12);
    const start = arrivals[0]!;
    await new Promise((r) => setTimeout(r, 2000));
    const inWindow = arrivals.filter((t) => t - start <= 2000).length;
    // Shared: 12 + about 2 per second (with slack for timing); two buckets would allow 24 at once.
    expect(inWindow).toBeGreaterThanOrEqual(12);
    expect(inWindow).toBeLessThanOrEqual(20);
    // Both servers took part.
    const delivered = [app.app.services.outbox as Outbox, second].map((o) => o.counters.delivered);
    expect(delivered.every((n) => n > 0)).toBe(true);
  });
});
