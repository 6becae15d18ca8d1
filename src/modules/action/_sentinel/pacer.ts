// Client-side pacing for a per-user request rate (Sentinel: 100 requests per minute):
// requests of one key are spaced at least 60 000 / rate ms apart, across queries.

export class PacingError extends Error {
  constructor(readonly waitMs: number) {
    super(`the rate limit allows the next request in ${Math.ceil(waitMs / 1000)} s, after the deadline`);
    this.name = "PacingError";
  }
}

export class Pacer {
  private readonly next = new Map<string, number>();

  /**
   * Waits for the key's next slot and reserves it. Throws PacingError, reserving nothing,
   * when the slot comes after `latest` (epoch ms); rejects when `signal` aborts.
   */
  async wait(
    key: string,
    perMinute: number,
    signal: AbortSignal,
    latest = Number.POSITIVE_INFINITY,
    now: () => number = Date.now,
  ): Promise<void> {
    const interval = 60_000 / perMinute;
    const at = Math.max(now(), this.next.get(key) ?? 0);
    if (at > latest) throw new PacingError(at - now());
    this.next.set(key, at + interval);
    const delay = at - now();
    if (delay > 0) await sleep(delay, signal);
  }

  /** Nothing may be sent for the key before `until` (a 429's delay). */
  holdUntil(key: string, until: number): void {
    this.next.set(key, Math.max(this.next.get(key) ?? 0, until));
  }
}

export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new Error("aborted"));
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(new Error("aborted"));
    };
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
