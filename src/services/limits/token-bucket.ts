// Rate limit as a token bucket that hands out reservations: a caller takes a token now or
// books the next free one and learns how long to wait for it. Tokens may go negative while
// callers wait, which keeps the order of waiting callers fair (first booked, first served).

export class TokenBucket {
  private tokens: number;
  private updatedAt: number;
  private readonly perMs: number;

  constructor(
    readonly perMinute: number,
    readonly burst: number,
    private readonly now: () => number = Date.now,
  ) {
    if (!(perMinute > 0)) throw new Error("perMinute must be positive");
    if (!Number.isInteger(burst) || burst < 1) throw new Error("burst must be a positive integer");
    this.perMs = perMinute / 60_000;
    this.tokens = burst;
    this.updatedAt = now();
  }

  private refill(): void {
    const t = this.now();
    this.tokens = Math.min(this.burst, this.tokens + (t - this.updatedAt) * this.perMs);
    this.updatedAt = t;
  }

  /**
   * Books one token. Returns the wait in ms (0 = go now) or undefined when the wait would
   * exceed `maxWaitMs`; nothing is booked in that case.
   */
  reserve(maxWaitMs: number): number | undefined {
    this.refill();
    const after = this.tokens - 1;
    const wait = after >= 0 ? 0 : Math.ceil(-after / this.perMs);
    if (wait > maxWaitMs) return undefined;
    this.tokens = after;
    return wait;
  }

  /** Milliseconds until one more token would be free (for error messages). */
  msUntilNextToken(): number {
    this.refill();
    return this.tokens >= 1 ? 0 : Math.ceil((1 - this.tokens) / this.perMs);
  }
}
