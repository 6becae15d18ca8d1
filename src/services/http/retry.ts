// When and how long to wait before sending a request again. Only 429, 503 and
// connection-level failures are retried, only for requests that are safe to repeat, and
// only when the wait still fits in the time budget (the request deadline if known, and
// a per-wait ceiling otherwise).

import type { HttpMethod } from "./types.js";

export interface RetryPolicy {
  /** Total attempts, first one included (default 3). */
  maxAttempts: number;
  /** Longest single wait; a Retry-After beyond it ends the retries (default 3000 ms). */
  maxDelayMs: number;
  /** First back-off for failures without Retry-After; doubles per attempt (default 200 ms). */
  baseDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 3, maxDelayMs: 3000, baseDelayMs: 200 };

// Time left for the retried attempt itself after waiting; below this it is not worth it.
const MIN_ATTEMPT_MS = 250;

/** Requests that may be repeated without asking: the idempotent methods of RFC 9110. */
export function retryByDefault(method: HttpMethod): boolean {
  return method === "GET" || method === "HEAD" || method === "PUT" || method === "DELETE";
}

export function isRetryableStatus(status: number): boolean {
  return status === 429 || status === 503;
}

/** Retry-After as milliseconds (delta-seconds or HTTP-date); undefined when absent or invalid. */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  // An HTTP-date always names a weekday and month; Date.parse alone accepts "-1" etc.
  if (!/^[a-z]{3}/i.test(text)) return undefined;
  const date = Date.parse(text);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

/**
 * The wait before attempt `attempt + 1`, or undefined when no further attempt should be
 * made (attempts used up, or the wait does not fit the ceiling or the deadline).
 */
export function nextDelay(
  policy: RetryPolicy,
  attempt: number,
  retryAfterMs: number | undefined,
  deadline: number | undefined,
  now = Date.now(),
): number | undefined {
  if (attempt >= policy.maxAttempts) return undefined;
  const delay = retryAfterMs ?? policy.baseDelayMs * 2 ** (attempt - 1);
  if (delay > policy.maxDelayMs) return undefined;
  if (deadline !== undefined && now + delay + MIN_ATTEMPT_MS > deadline) return undefined;
  return delay;
}

/** Waits `ms`, or rejects with the signal's reason as soon as it aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
