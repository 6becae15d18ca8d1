// Server-side knobs for calls to a public enrichment service, declared as server settings
// (docs/writing-modules.md#server-settings) and read per module from the server configuration (`modules.<module>.<key>` or MISP_MODULES_<MODULE>_<KEY>). They are
// deliberately not MISP settings: the MISP admin of one instance must not be able to turn
// off the protection of a shared upstream.
import { readServerSettings, type ServerSettingValues, serverSetting } from "../../../sdk/server-settings.js";
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

/**
 * The server-side settings that tune the policy, declared with `defaults` as their shown and
 * applied defaults (a module spreads them into its `serverSettings`).
 */
export function upstreamSettings(defaults: Partial<UpstreamPolicy> = {}) {
  const base = { ...DEFAULT_UPSTREAM_POLICY, ...defaults };
  return {
    cache_ttl_seconds: serverSetting.integer({
      min: 0,
      default: base.cacheTtlMs / 1000,
      description: "How long an upstream answer is reused, in seconds; 0 turns the cache off.",
    }),
    cache_max_entries: serverSetting.integer({ min: 1, default: base.cacheMaxEntries, description: "Cached answers kept at most." }),
    rate_limit_per_minute: serverSetting.integer({
      min: 0,
      default: base.ratePerMinute,
      description: "Upstream requests per minute at most; 0 turns the limit off.",
    }),
    rate_limit_burst: serverSetting.integer({
      min: 1,
      description: `Requests that may go out back to back before the per-minute pace applies. Default: the per-minute rate, at most ${base.rateBurst}.`,
    }),
    upstream_timeout_ms: serverSetting.integer({ min: 1, default: base.timeoutMs, description: "Timeout of one upstream request, in ms." }),
  };
}

export type UpstreamSettings = ServerSettingValues<ReturnType<typeof upstreamSettings>>;

/** The server-side setting keys, for documentation and tests. */
export const UPSTREAM_SETTING_KEYS = Object.keys(upstreamSettings()) as (keyof UpstreamSettings)[];

/** The policy from the parsed settings (`ctx.settings` of a module that declares upstreamSettings). */
export function upstreamPolicy(s: UpstreamSettings, defaults: Partial<UpstreamPolicy> = {}): UpstreamPolicy {
  const base = { ...DEFAULT_UPSTREAM_POLICY, ...defaults };
  return {
    cacheTtlMs: s.cache_ttl_seconds * 1000,
    cacheMaxEntries: s.cache_max_entries,
    ratePerMinute: s.rate_limit_per_minute,
    rateBurst: s.rate_limit_burst ?? Math.max(1, Math.min(base.rateBurst, s.rate_limit_per_minute)),
    timeoutMs: s.upstream_timeout_ms,
  };
}

/** Reads the policy through `ctx.setting` (for modules that do not declare the settings). */
export function readUpstreamPolicy(ctx: Pick<ModuleContext, "setting" | "module">, defaults: Partial<UpstreamPolicy> = {}): UpstreamPolicy {
  return upstreamPolicy(readServerSettings(ctx.module, upstreamSettings(defaults), ctx.setting), defaults);
}
