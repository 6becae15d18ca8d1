// Server-side knobs for calls to a public enrichment service, read per module from the
// server configuration (`modules.<module>.<key>` or MISP_MODULES_<MODULE>_<KEY>). They are
// deliberately not MISP settings: the MISP admin of one instance must not be able to turn
// off the protection of a shared upstream.
import { ModuleError } from "../../../sdk/errors.js";
import type { ModuleContext } from "../../../sdk/types.js";

export interface UpstreamPolicy {
  /** 0 disables the result cache. */
  cacheTtlMs: number;
  cacheMaxEntries: number;
  /** 0 disables the rate limit. */
  ratePerMinute: number;
  /** Requests that may go out back to back before the per-minute pace applies. */
  rateBurst: number;
  /** Timeout of one upstream request (MISP gives hover queries 5 s in total). */
  timeoutMs: number;
}

export const DEFAULT_UPSTREAM_POLICY: UpstreamPolicy = {
  cacheTtlMs: 300_000,
  cacheMaxEntries: 1000,
  ratePerMinute: 60,
  rateBurst: 10,
  timeoutMs: 4000,
};

/** The server-side setting keys, for documentation and tests. */
export const UPSTREAM_SETTING_KEYS = [
  "cache_ttl_seconds",
  "cache_max_entries",
  "rate_limit_per_minute",
  "rate_limit_burst",
  "upstream_timeout_ms",
] as const;

function wholeNumber(ctx: Pick<ModuleContext, "setting" | "module">, key: string, min: number): number | undefined {
  const raw = ctx.setting(key)?.trim();
  if (raw === undefined || raw === "") return undefined;
  if (!/^\d+$/.test(raw) || Number(raw) < min) {
    throw new ModuleError(`server setting modules.${ctx.module}.${key} must be a whole number ≥ ${min}, got "${raw}"`);
  }
  return Number(raw);
}

/** Reads the policy; unset keys fall back to `defaults` (per module) and then to DEFAULT_UPSTREAM_POLICY. */
export function readUpstreamPolicy(ctx: Pick<ModuleContext, "setting" | "module">, defaults: Partial<UpstreamPolicy> = {}): UpstreamPolicy {
  const base = { ...DEFAULT_UPSTREAM_POLICY, ...defaults };
  const ttl = wholeNumber(ctx, "cache_ttl_seconds", 0);
  const ratePerMinute = wholeNumber(ctx, "rate_limit_per_minute", 0) ?? base.ratePerMinute;
  return {
    cacheTtlMs: ttl === undefined ? base.cacheTtlMs : ttl * 1000,
    cacheMaxEntries: wholeNumber(ctx, "cache_max_entries", 1) ?? base.cacheMaxEntries,
    ratePerMinute,
    rateBurst: wholeNumber(ctx, "rate_limit_burst", 1) ?? Math.max(1, Math.min(base.rateBurst, ratePerMinute)),
    timeoutMs: wholeNumber(ctx, "upstream_timeout_ms", 1) ?? base.timeoutMs,
  };
}
