import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { type GuardState, GuardStateUnavailable, hashKey, type OnceResult, type RateResult } from "./types.js";

// Guard state on Redis, shared by every server on it (docs/guards.md). `once` is one SET NX PX;
// `hit` is a Lua script over a sorted set of run times (a sliding window), so each check is atomic
// across servers. Times come from Redis (TIME) so that servers with skewed clocks agree.

const PREFIX = "misp-modules-ts:guard:";
/** A command not answered within this time fails the guard (closed) well before MISP gives up. */
const COMMAND_TIMEOUT_MS = 2000;

// KEYS[1] sorted set; ARGV: window ms, limit, member. Returns {allowed, count, oldest ms, now ms}.
const HIT_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local win = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - win)
local n = redis.call('ZCARD', KEYS[1])
local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
local oldest = now
if first[2] then oldest = tonumber(first[2]) end
if n >= limit then return {0, n, oldest, now} end
redis.call('ZADD', KEYS[1], now, ARGV[3])
redis.call('PEXPIRE', KEYS[1], win)
return {1, n + 1, oldest, now}
`;

// KEYS[1] once key; ARGV: window ms. Returns {first (1/0), first seen ms, expires ms}.
const ONCE_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local win = tonumber(ARGV[1])
if redis.call('SET', KEYS[1], now, 'NX', 'PX', win) then return {1, now, now + win} end
local seen = tonumber(redis.call('GET', KEYS[1]) or now)
local ttl = redis.call('PTTL', KEYS[1])
return {0, seen, now + math.max(ttl, 0)}
`;

export class RedisGuardState implements GuardState {
  readonly backend = "redis" as const;
  private readonly client: Redis;
  private connecting: Promise<void> | undefined;

  constructor(
    url: string,
    private readonly log?: { warn(o: object, m: string): void },
  ) {
    this.client = new Redis(url, {
      lazyConnect: true,
      // Fail fast instead of queueing while Redis is away: the guard answers an error in time.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: COMMAND_TIMEOUT_MS,
      connectTimeout: COMMAND_TIMEOUT_MS,
    });
    this.client.on("error", (e: Error) => this.log?.warn({ err: e.message }, "guard state redis connection error"));
  }

  private async ready(): Promise<Redis> {
    const c = this.client;
    // Connected on first use; calls made meanwhile wait for that one connection.
    if (c.status === "wait" || c.status === "end") this.connecting = c.connect();
    if (this.connecting && c.status !== "ready") {
      try {
        await this.connecting;
      } catch (e) {
        throw new GuardStateUnavailable(`cannot reach Redis (${(e as Error).message})`);
      }
    }
    return c;
  }

  private async run<T>(f: (c: Redis) => Promise<T>): Promise<T> {
    const c = await this.ready();
    try {
      return await f(c);
    } catch (e) {
      throw new GuardStateUnavailable(`Redis failed (${(e as Error).message})`);
    }
  }

  once(namespace: string, key: string, windowMs: number): Promise<OnceResult> {
    return this.run(async (c) => {
      const [first, seen, expires] = (await c.eval(ONCE_SCRIPT, 1, `${PREFIX}once:${hashKey(namespace, key)}`, windowMs)) as number[];
      return first === 1 ? { first: true, expiresAt: expires! } : { first: false, firstSeen: seen!, expiresAt: expires! };
    });
  }

  hit(namespace: string, key: string, limit: number, windowMs: number): Promise<RateResult> {
    return this.run(async (c) => {
      const [allowed, count, oldest] = (await c.eval(
        HIT_SCRIPT,
        1,
        `${PREFIX}rate:${hashKey(namespace, key)}`,
        windowMs,
        limit,
        randomUUID(),
      )) as number[];
      return { allowed: allowed === 1, count: count!, resetAt: oldest! + windowMs };
    });
  }

  async forget(namespace: string, key: string): Promise<void> {
    const h = hashKey(namespace, key);
    await this.run((c) => c.del(`${PREFIX}once:${h}`, `${PREFIX}rate:${h}`));
  }

  async close(): Promise<void> {
    this.client.disconnect();
  }
}
