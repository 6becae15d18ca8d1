import { TokenBucket } from "../../services/limits/token-bucket.js";

// Per-destination concurrency and rate limits (docs/delivery.md, "Limits"): a burst of 500
// publishes drains at the pace the receiver accepts instead of a storm of 429 replies. A job the
// limits hold back stays due and is taken on a later turn.

export interface DestinationLimit {
  concurrency: number;
  perMinute?: number;
}

/** A burst of at most a tenth of the minute's budget (at least one). */
export function burstOf(perMinute: number): number {
  return Math.max(1, Math.floor(perMinute / 10));
}

export class DestinationLimits {
  private readonly inFlight = new Map<string, number>();
  private readonly buckets = new Map<string, TokenBucket>();

  constructor(private readonly limitFor: (destination: string) => DestinationLimit) {}

  /**
   * Takes a slot (and a token) for one delivery, or says no. `localRate: false` leaves the rate
   * to a shared limiter (several servers on one Redis).
   */
  tryAcquire(destination: string, localRate = true): boolean {
    const limit = this.limitFor(destination);
    const running = this.inFlight.get(destination) ?? 0;
    if (running >= limit.concurrency) return false;
    if (localRate && limit.perMinute !== undefined) {
      let bucket = this.buckets.get(destination);
      if (!bucket || bucket.perMinute !== limit.perMinute) {
        bucket = new TokenBucket(limit.perMinute, burstOf(limit.perMinute));
        this.buckets.set(destination, bucket);
      }
      if (bucket.reserve(0) === undefined) return false;
    }
    this.inFlight.set(destination, running + 1);
    return true;
  }

  /** The destination's per-minute limit, if it has one. */
  perMinute(destination: string): number | undefined {
    return this.limitFor(destination).perMinute;
  }

  release(destination: string): void {
    const n = (this.inFlight.get(destination) ?? 1) - 1;
    if (n <= 0) this.inFlight.delete(destination);
    else this.inFlight.set(destination, n);
  }

  running(destination: string): number {
    return this.inFlight.get(destination) ?? 0;
  }
}
