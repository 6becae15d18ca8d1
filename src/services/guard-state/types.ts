import { createHash } from "node:crypto";

// State of the once/rate guards (docs/guards.md): remembered keys with an expiry, shared by every
// server on the same data directory (SQLite) or the same Redis. Keys are hashed before they are
// stored: a rendered key may hold event data (an attribute value), which must not sit in the store.

/** The outcome of `once`: first time in the window, or seen before. */
export type OnceResult = { first: true; expiresAt: number } | { first: false; firstSeen: number; expiresAt: number };

/** The outcome of `hit`: counted (allowed) or over the limit. */
export interface RateResult {
  allowed: boolean;
  /** Runs counted in the current window, this one included when allowed. */
  count: number;
  /** When the oldest counted run leaves the window (epoch ms). */
  resetAt: number;
}

/** Raised when the state cannot be read or written; the guards then fail closed. */
export class GuardStateUnavailable extends Error {
  constructor(reason: string) {
    super(`guard state unavailable: ${reason}`);
    this.name = "GuardStateUnavailable";
  }
}

export interface GuardState {
  /** `sqlite` (the embedded store), `redis`, or `off` (every call fails). */
  readonly backend: "sqlite" | "redis" | "off";
  /** Atomically: records `key` for `windowMs` unless it is already recorded and not expired. */
  once(namespace: string, key: string, windowMs: number): Promise<OnceResult>;
  /** Atomically: counts one run of `key` unless `limit` runs already happened within `windowMs`. */
  hit(namespace: string, key: string, limit: number, windowMs: number): Promise<RateResult>;
  /** Forgets a key (tests, operators). */
  forget(namespace: string, key: string): Promise<void>;
  close(): Promise<void>;
}

/** The stored form of a key: SHA-256 of namespace and key, hex. */
export function hashKey(namespace: string, key: string): string {
  return createHash("sha256").update(namespace).update("\0").update(key).digest("hex");
}

/** A state that is not there (worker-thread isolates, or a failed open): every call fails closed. */
export function unavailableGuardState(reason: string): GuardState {
  const fail = async (): Promise<never> => {
    throw new GuardStateUnavailable(reason);
  };
  return { backend: "off", once: fail, hit: fail, forget: fail, close: async () => undefined };
}
