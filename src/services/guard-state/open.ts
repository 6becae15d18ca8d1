import type { Store } from "../store/store.js";
import { SqliteGuardState } from "./sqlite-guard-state.js";
import type { GuardState } from "./types.js";

/**
 * The guard state of a server: on Redis when it has one (shared by every server on it), else in
 * the embedded store. The Redis client (ioredis) is loaded on the first guard check only.
 */
export function openGuardState(o: { redisUrl?: string; store: () => Store; log?: { warn(o: object, m: string): void } }): GuardState {
  if (!o.redisUrl) return new SqliteGuardState(o.store);
  const url = o.redisUrl;
  let opened: Promise<GuardState> | undefined;
  const state = () => (opened ??= import("./redis-guard-state.js").then((m) => new m.RedisGuardState(url, o.log)));
  return {
    backend: "redis",
    once: async (ns, key, windowMs) => (await state()).once(ns, key, windowMs),
    hit: async (ns, key, limit, windowMs) => (await state()).hit(ns, key, limit, windowMs),
    forget: async (ns, key) => (await state()).forget(ns, key),
    close: async () => {
      if (opened) await (await opened).close();
    },
  };
}
