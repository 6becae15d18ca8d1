import { beforeEach, describe, expect, it } from "vitest";
import {
  ATTRIBUTE_REQUIRED,
  DEFAULT_UPSTREAM_POLICY,
  HOVER_BUDGET_MS,
  TokenBucket,
  TtlCache,
  budgetEnd,
  callUpstream,
  echoAttribute,
  isHoverTimed,
  parseNameservers,
  readUpstreamPolicy,
  requireAttribute,
  resetUpstreamState,
  simplifiedInput,
  upstreamBase,
  upstreamFailure,
  upstreamLookup,
  UPSTREAM_SETTING_KEYS,
  type UpstreamPolicy,
  type UpstreamSettings,
} from "../../../src/modules/shared/enrichment/index.js";
import { HttpError } from "../../../src/services/http/types.js";
import { ModuleError } from "../../../src/sdk/errors.js";

function clock(start = 1_000_000) {
  const c = { t: start, now: () => c.t };
  return c;
}

describe("TtlCache", () => {
  it("expires entries after their TTL and evicts the least recently used", () => {
    const c = clock();
    const cache = new TtlCache<number>(2, c.now);
    cache.set("a", 1, 1000);
    cache.set("b", 2, 1000);
    expect(cache.get("a")).toBe(1); // a is now the most recent
    cache.set("c", 3, 1000);
    expect(cache.get("b")).toBeUndefined();
    expect(cache.get("a")).toBe(1);
    c.t += 1000;
    expect(cache.get("a")).toBeUndefined();
    expect(cache.size).toBe(1);
    cache.set("z", 1, 0);
    expect(cache.get("z")).toBeUndefined();
  });
});

describe("TokenBucket", () => {
  it("allows a burst, then paces at the per-minute rate, booking waits in order", () => {
    const c = clock();
    const b = new TokenBucket(60, 2, c.now); // one token per second
    expect(b.reserve(0)).toBe(0);
    expect(b.reserve(0)).toBe(0);
    expect(b.reserve(500)).toBeUndefined(); // would need 1000 ms
    expect(b.reserve(5000)).toBe(1000);
    expect(b.reserve(5000)).toBe(2000); // the next caller waits behind the first
    c.t += 3000;
    expect(b.reserve(0)).toBe(0);
    expect(b.msUntilNextToken()).toBe(1000);
  });
});

describe("readUpstreamPolicy", () => {
  const ctx = (s: Record<string, string>) => ({ module: "m", setting: (k: string) => s[k] });
  it("defaults, overrides, and named errors", () => {
    expect(readUpstreamPolicy(ctx({}))).toEqual(DEFAULT_UPSTREAM_POLICY);
    expect(readUpstreamPolicy(ctx({ cache_ttl_seconds: "0", rate_limit_per_minute: "3", upstream_timeout_ms: "1500" }))).toEqual({
      cacheTtlMs: 0,
      cacheMaxEntries: 1000,
      ratePerMinute: 3,
      rateBurst: 3,
      timeoutMs: 1500,
    });
    expect(readUpstreamPolicy(ctx({}), { ratePerMinute: 600, rateBurst: 50 }).rateBurst).toBe(50);
    expect(() => readUpstreamPolicy(ctx({ cache_max_entries: "0" }))).toThrow(/modules\.m\.cache_max_entries/);
    expect(() => readUpstreamPolicy(ctx({ rate_limit_per_minute: "1.5" }))).toThrow(ModuleError);
  });
});

describe("callUpstream", () => {
  const log = { debug() {}, info() {}, warn() {}, error() {}, isLevelEnabled: () => false };
  const ctx = { signal: new AbortController().signal, log };
  const policy = (p: Partial<UpstreamPolicy> = {}): UpstreamPolicy => ({ ...DEFAULT_UPSTREAM_POLICY, ...p });
  beforeEach(() => resetUpstreamState());

  it("caches cacheable answers only, and shares identical calls in flight", async () => {
    let calls = 0;
    const call = (key: string, cacheable: boolean) =>
      callUpstream(ctx, {
        scope: "s",
        key,
        policy: policy(),
        budgetEnd: Date.now() + 5000,
        fetch: async () => {
          calls++;
          await new Promise((r) => setTimeout(r, 20));
          return { value: key, cacheable };
        },
      });
    expect(await Promise.all([call("a", true), call("a", true), call("a", true)])).toEqual(["a", "a", "a"]);
    expect(calls).toBe(1);
    await call("a", true);
    expect(calls).toBe(1);
    await call("b", false);
    await call("b", false);
    expect(calls).toBe(3);
  });

  it("passes the smaller of the policy timeout and the remaining budget to fetch", async () => {
    const seen: number[] = [];
    const fetch = async (ms: number) => {
      seen.push(ms);
      return { value: 1, cacheable: false };
    };
    await callUpstream(ctx, { scope: "t", key: "k", policy: policy({ timeoutMs: 4000 }), budgetEnd: Date.now() + 10_000, fetch });
    await callUpstream(ctx, { scope: "t", key: "k", policy: policy({ timeoutMs: 4000 }), budgetEnd: Date.now() + 1500, fetch });
    expect(seen[0]).toBe(4000);
    expect(seen[1]).toBeLessThanOrEqual(1500);
    await expect(callUpstream(ctx, { scope: "t", key: "k", policy: policy(), budgetEnd: Date.now() - 1, fetch })).rejects.toThrow(
      /Timeout/,
    );
  });

  it("waits for a token within the budget, refuses beyond it; answer TTL caps the cache", async () => {
    const p = policy({ ratePerMinute: 300, rateBurst: 1, cacheTtlMs: 0 }); // one token per 200 ms
    const fetch = async () => ({ value: "ok", cacheable: true });
    await callUpstream(ctx, { scope: "r", key: "1", policy: p, budgetEnd: Date.now() + 5000, fetch });
    const started = Date.now();
    await callUpstream(ctx, { scope: "r", key: "2", policy: p, budgetEnd: Date.now() + 5000, fetch });
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
    await expect(callUpstream(ctx, { scope: "r", key: "3", policy: p, budgetEnd: Date.now() + 1100, fetch })).rejects.toThrow(
      /^rate limited: at most 300 requests per minute/,
    );

    let calls = 0;
    const counted = async () => ({ value: ++calls, cacheable: true, ttlMs: 50 });
    await callUpstream(ctx, { scope: "ttl", key: "k", policy: policy(), budgetEnd: Date.now() + 5000, fetch: counted });
    await callUpstream(ctx, { scope: "ttl", key: "k", policy: policy(), budgetEnd: Date.now() + 5000, fetch: counted });
    await new Promise((r) => setTimeout(r, 60));
    await callUpstream(ctx, { scope: "ttl", key: "k", policy: policy(), budgetEnd: Date.now() + 5000, fetch: counted });
    expect(calls).toBe(2);
  });
});

describe("upstreamLookup", () => {
  const log = { debug() {}, info() {}, warn() {}, error() {}, isLevelEnabled: () => false };
  beforeEach(() => resetUpstreamState());

  it("declares the policy's settings with the module's defaults and gives fetch the hover budget or the deadline", async () => {
    const lookup = upstreamLookup({ ratePerMinute: 600, rateBurst: 50 });
    expect(Object.keys(lookup.serverSettings)).toEqual(UPSTREAM_SETTING_KEYS);
    expect(lookup.serverSettings.rate_limit_per_minute.default).toBe("600");
    const settings = { ...upstreamDefaults(lookup), upstream_timeout_ms: 3000 };
    const ctx = { module: "m", deadline: Date.now() + 60_000, signal: new AbortController().signal, log, settings };
    const seen: { timeoutMs: number; deadline: number }[] = [];
    const fetch = async (timeoutMs: number, deadline: number) => {
      seen.push({ timeoutMs, deadline });
      return { value: seen.length, cacheable: false };
    };
    const before = Date.now();
    await lookup.call(ctx, { module: "m", attribute: {} }, { upstream: "u", key: "k", fetch });
    await lookup.call(ctx, { module: "m", event_id: "1", attribute_uuid: "a" }, { upstream: "u", key: "k", fetch });
    expect(seen[0]!.deadline).toBeGreaterThanOrEqual(before + HOVER_BUDGET_MS);
    expect(seen[0]!.deadline).toBeLessThanOrEqual(Date.now() + HOVER_BUDGET_MS);
    expect(seen[1]!.deadline).toBe(ctx.deadline);
    expect(seen.map((s) => s.timeoutMs)).toEqual([3000, 3000]);
  });

  it("keeps cache and rate limit per module and upstream", async () => {
    const lookup = upstreamLookup();
    const settings = upstreamDefaults(lookup);
    let calls = 0;
    const fetch = async () => ({ value: ++calls, cacheable: true });
    const ask = (module: string, upstream: string) =>
      lookup.call(
        { module, deadline: Date.now() + 60_000, signal: new AbortController().signal, log, settings },
        {},
        { upstream, key: "k", fetch },
      );
    expect(await ask("a", "u1")).toBe(1);
    expect(await ask("a", "u1")).toBe(1);
    expect(await ask("a", "u2")).toBe(2);
    expect(await ask("b", "u1")).toBe(3);
  });
});

/** The parsed defaults of a lookup's settings, as ctx.settings would hold them when nothing is configured. */
function upstreamDefaults(lookup: ReturnType<typeof upstreamLookup>) {
  const out = Object.fromEntries(Object.entries(lookup.serverSettings).map(([k, s]) => [k, s.parse(undefined)]));
  return out as UpstreamSettings;
}

describe("request budget", () => {
  it("hover (no event_id) and Attach enrichment (user record) get MISP's hover timeout", () => {
    expect(isHoverTimed({ module: "x", attribute: {} })).toBe(true);
    expect(isHoverTimed({ module: "x", event_id: "42", user: { id: "1" } })).toBe(true);
    expect(isHoverTimed({ module: "x", event_id: "42", attribute_uuid: "u" })).toBe(false);
    expect(budgetEnd({}, 100_000, 0)).toBe(HOVER_BUDGET_MS);
    expect(budgetEnd({ event_id: "1" }, 9000, 0)).toBe(9000);
  });
});

describe("queried attribute", () => {
  const row = {
    id: "7",
    uuid: "6b3c1f7e-1111-4c4c-9a9a-0123456789ab",
    type: "sha1",
    value: "v",
    comment: "",
    to_ids: true,
    Tag: [{ id: "1", name: "x" }],
    _allTags: [],
    enrichment: [],
    Galaxy: [],
  };
  it("requires type, value and uuid; checks the type", () => {
    expect(() => requireAttribute(undefined, ["sha1"], "bad type")).toThrow(ATTRIBUTE_REQUIRED);
    expect(() => requireAttribute({ ...row, uuid: "nope" }, ["sha1"], "bad type")).toThrow(ATTRIBUTE_REQUIRED);
    expect(() => requireAttribute({ ...row, value: " " }, ["sha1"], "bad type")).toThrow(ATTRIBUTE_REQUIRED);
    expect(() => requireAttribute(row, ["md5"], "bad type")).toThrow("bad type");
    expect(requireAttribute(row, ["sha1"], "bad type")).toMatchObject({ type: "sha1", value: "v", uuid: row.uuid });
  });
  it("echoes scalar columns unchanged, replaces Tag by the tags to add, drops workflow extras", () => {
    const q = requireAttribute(row, ["sha1"], "");
    expect(echoAttribute(q)).toEqual({ id: "7", uuid: row.uuid, type: "sha1", value: "v", comment: "", to_ids: true });
    expect(echoAttribute(q, ["t1", "t1"]).Tag).toEqual([{ name: "t1" }]);
  });
  it("simplifiedInput takes the first non-empty declared key", () => {
    expect(simplifiedInput({ hostname: " ", domain: "a.test" }, ["hostname", "domain"])).toEqual({ type: "domain", value: "a.test" });
    expect(simplifiedInput({ text: "x" }, ["hostname"])).toBeUndefined();
  });
});

describe("upstreamBase, parseNameservers, upstreamFailure", () => {
  it("normalises base URLs", () => {
    expect(upstreamBase(undefined, "https://a.test")).toBe("https://a.test");
    expect(upstreamBase(" https://b.test/api/// ", "https://a.test")).toBe("https://b.test/api");
    expect(() => upstreamBase("file:///etc/passwd", "https://a.test")).toThrow(/http\(s\) URL/);
    expect(() => upstreamBase("https://u:p@b.test", "https://a.test")).toThrow(/credentials/);
  });
  it("parses nameserver lists", () => {
    expect(parseNameservers("192.0.2.53, 192.0.2.54:5353,2001:db8::53,[2001:db8::54]:53")).toEqual([
      "192.0.2.53",
      "192.0.2.54:5353",
      "2001:db8::53",
      "[2001:db8::54]:53",
    ]);
    expect(() => parseNameservers("ns.example")).toThrow(/comma-separated list of IP addresses/);
    expect(() => parseNameservers("192.0.2.1:70000")).toThrow(/port/);
    expect(() => parseNameservers(" , ")).toThrow(/at least one/);
  });
  it("maps HTTP failures to messages naming the service", () => {
    expect(upstreamFailure("svc", new HttpError("timeout", "no response within 10 ms")).message).toBe(
      "svc: Timeout, the service did not answer in time (no response within 10 ms)",
    );
    expect(upstreamFailure("svc", new HttpError("network", "ECONNREFUSED")).message).toBe("svc: service not reachable (ECONNREFUSED)");
    expect(upstreamFailure("svc", new HttpError("egress", "destination refused")).message).toBe("svc: destination refused");
    const aborted = new HttpError("aborted", "deadline");
    expect(upstreamFailure("svc", aborted)).toBe(aborted);
  });
});
