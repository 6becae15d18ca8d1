// Every call from an expansion to its upstream service goes through here: answers are cached
// (hover popups and batch enrichment ask the same thing again and again), identical calls in
// flight are shared, and the rest is paced by a token bucket. State lives per scope (module +
// upstream base URL) for the life of the process; it holds upstream answers, never request state.
import { setTimeout as sleep } from "node:timers/promises";
import { ModuleError } from "../../../sdk/errors.js";
import type { ModuleContext } from "../../../sdk/types.js";
import { TokenBucket } from "../../../services/limits/token-bucket.js";
import { TtlCache } from "./ttl-cache.js";
import type { UpstreamPolicy } from "./upstream-policy.js";

/** What a fetch produced and whether it is a stable answer worth caching (found / not found). */
export interface UpstreamAnswer<T> {
  value: T;
  cacheable: boolean;
  /** Caps the cache lifetime of this answer below the policy's TTL (e.g. a DNS record's TTL). */
  ttlMs?: number;
}

export interface UpstreamCall<T> {
  /** Module name + upstream base URL: cache and rate limit are kept per scope. */
  scope: string;
  /** The question (e.g. "sha1/<hash>"), unique within the scope. */
  key: string;
  policy: UpstreamPolicy;
  /** Epoch ms by which the reply must be out (see request-budget.ts). */
  budgetEnd: number;
  /** Performs the call with the timeout it may use. */
  fetch(timeoutMs: number): Promise<UpstreamAnswer<T>>;
}

/** Time an upstream call is given at least, so waiting for a rate-limit token is worthwhile. */
export const MIN_CALL_MS = 1000;

interface Scope {
  fingerprint: string;
  cache?: TtlCache<unknown>;
  bucket?: TokenBucket;
  inflight: Map<string, Promise<UpstreamAnswer<unknown>>>;
}

const scopes = new Map<string, Scope>();
/** Distinct upstreams remembered (base URLs come from settings, so few; this only bounds a misconfiguration). */
const MAX_SCOPES = 256;

function scopeFor(name: string, policy: UpstreamPolicy): Scope {
  const fingerprint = `${policy.cacheMaxEntries}/${policy.ratePerMinute}/${policy.rateBurst}`;
  let scope = scopes.get(name);
  if (!scope || scope.fingerprint !== fingerprint) {
    // A changed configuration starts afresh rather than keeping a bucket of the wrong size.
    scope = {
      fingerprint,
      cache: new TtlCache<unknown>(policy.cacheMaxEntries),
      bucket: policy.ratePerMinute > 0 ? new TokenBucket(policy.ratePerMinute, policy.rateBurst) : undefined,
      inflight: new Map(),
    };
    scopes.delete(name);
    scopes.set(name, scope);
    if (scopes.size > MAX_SCOPES) scopes.delete(scopes.keys().next().value as string);
  }
  return scope;
}

/** Forgets every cached answer and rate-limit state (tests, admin reload). */
export function resetUpstreamState(): void {
  scopes.clear();
}

async function waitForToken(scope: Scope, call: UpstreamCall<unknown>, ctx: Pick<ModuleContext, "signal">): Promise<void> {
  if (!scope.bucket) return;
  const maxWait = call.budgetEnd - Date.now() - MIN_CALL_MS;
  const wait = scope.bucket.reserve(Math.max(0, maxWait));
  if (wait === undefined) {
    const retryIn = Math.max(1, Math.ceil(scope.bucket.msUntilNextToken() / 1000));
    throw new ModuleError(
      `rate limited: at most ${call.policy.ratePerMinute} requests per minute to the upstream service; try again in ${retryIn} s`,
    );
  }
  if (wait > 0) await sleep(wait, undefined, { signal: ctx.signal });
}

/** Runs (or reuses) an upstream call under the module's cache and rate-limit policy. */
export async function callUpstream<T>(ctx: Pick<ModuleContext, "signal" | "log">, call: UpstreamCall<T>): Promise<T> {
  const scope = scopeFor(call.scope, call.policy);
  if (call.policy.cacheTtlMs > 0) {
    const hit = scope.cache?.get(call.key);
    if (hit !== undefined) {
      if (ctx.log.isLevelEnabled("debug")) ctx.log.debug({ key: call.key }, "upstream answer from cache");
      return hit as T;
    }
  }
  const pending = scope.inflight.get(call.key);
  if (pending) return ((await pending) as UpstreamAnswer<T>).value;

  const run = (async (): Promise<UpstreamAnswer<T>> => {
    await waitForToken(scope, call as UpstreamCall<unknown>, ctx);
    const timeoutMs = Math.min(call.policy.timeoutMs, call.budgetEnd - Date.now());
    if (timeoutMs <= 0) throw new ModuleError("Timeout: no time left for the upstream request");
    const answer = await call.fetch(timeoutMs);
    const ttl = Math.min(call.policy.cacheTtlMs, answer.ttlMs ?? Infinity);
    if (answer.cacheable && ttl > 0) scope.cache?.set(call.key, answer.value, ttl);
    return answer;
  })();
  scope.inflight.set(call.key, run as Promise<UpstreamAnswer<unknown>>);
  try {
    return (await run).value;
  } finally {
    if (scope.inflight.get(call.key) === run) scope.inflight.delete(call.key);
  }
}
