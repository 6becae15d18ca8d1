import type { Redis } from "ioredis";

// Per-destination rate limits shared by every server on one Redis (docs/delivery.md, "Limits per
// destination"): one token bucket per destination key, kept in Redis and updated by a Lua script,
// so the check and the take are one atomic step and the clock is Redis's own (servers whose
// clocks differ still agree). Same shape as the in-process bucket: refills at perMinute, holds
// at most `burst` tokens.

const TAKE = `
local perMs = tonumber(ARGV[1]) / 60000
local burst = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local s = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(s[1])
local at = tonumber(s[2])
if tokens == nil or at == nil then
  tokens = burst
  at = now
end
tokens = math.min(burst, tokens + math.max(0, now - at) * perMs)
local ok = 0
if tokens >= 1 then
  tokens = tokens - 1
  ok = 1
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(burst / perMs) + 60000)
return ok
`;

const PREFIX = "misp-modules-ts-outbox:rate:";

export class SharedRateLimits {
  constructor(private readonly redis: Redis) {}

  /** Takes one token for `destination` if one is there. */
  async take(destination: string, perMinute: number, burst: number): Promise<boolean> {
    const ok = await this.redis.eval(TAKE, 1, `${PREFIX}${destination}`, String(perMinute), String(burst));
    return ok === 1;
  }
}
