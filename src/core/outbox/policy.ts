import { isHttpError, type HttpResponse } from "../../services/http/types.js";
import { parseRetryAfter } from "../../services/http/retry.js";
import { isModuleError, ParamError } from "../../sdk/errors.js";

// When a failed attempt is tried again, and after how long (docs/delivery.md, "Retries").
// Retryable: no answer (connection refused or reset, timeout), 408, 425, 429 and 5xx.
// Permanent: other statuses, bad parameters, refused destinations, a module's own verdict.

export interface RetryPolicy {
  /** Waits before attempts 2, 3, ... (ms); the last one repeats. */
  scheduleMs: readonly number[];
  maxAttempts: number;
  maxAgeMs: number;
}

/** What one attempt left behind, as seen by the worker. */
export interface AttemptOutcome {
  ok: boolean;
  /** The reply MISP would have had (already scrubbed). */
  error?: string;
  /** Outcome of runQuery: timeout means the attempt ran out of time. */
  outcome: string;
  /** Last HTTP response the handler received, if any. */
  response?: Pick<HttpResponse, "status" | "headers" | "body">;
  /** Last failure without a response, if it came after the last response. */
  httpError?: unknown;
  /** What the handler threw. */
  thrown?: unknown;
}

export interface Verdict {
  retryable: boolean;
  /** The server asked for this wait (Retry-After or the vendor's own field). */
  waitMs?: number;
  /** Short reason for the attempt log. */
  reason: string;
}

const RETRYABLE_STATUSES = new Set([408, 425, 429]);
/** HttpError kinds where trying later may help. */
const RETRYABLE_KINDS = new Set(["timeout", "network", "aborted"]);

export function isRetryableStatus(status: number): boolean {
  return RETRYABLE_STATUSES.has(status) || status >= 500;
}

export function classify(
  a: AttemptOutcome,
  vendorWait?: (res: { status: number; headers: Readonly<Record<string, string>>; body: string }) => number | undefined,
): Verdict {
  const thrown = a.thrown;
  if (thrown instanceof ParamError) return { retryable: false, reason: "invalid parameter" };
  if (isModuleError(thrown) && thrown.retryable !== undefined)
    return {
      retryable: thrown.retryable,
      waitMs: thrown.retryAfterMs,
      reason: thrown.retryable ? "temporary failure (module)" : "permanent failure (module)",
    };
  if (a.outcome === "timeout") return { retryable: true, reason: "attempt timed out" };
  const httpErr = a.httpError ?? (isHttpError(thrown) ? thrown : undefined);
  if (httpErr !== undefined) {
    const kind = isHttpError(httpErr) ? httpErr.kind : "network";
    return RETRYABLE_KINDS.has(kind)
      ? { retryable: true, reason: `no response (${kind})` }
      : { retryable: false, reason: `refused before sending (${kind})` };
  }
  const res = a.response;
  if (res) {
    // Svix's convention: the receiver may ask the sender to stop for good.
    if (res.headers["webhook-delivery"]?.toLowerCase() === "abort-message")
      return { retryable: false, reason: `HTTP ${res.status}, receiver aborted the message` };
    if (isRetryableStatus(res.status)) {
      let waitMs = parseRetryAfter(res.headers["retry-after"]);
      if (waitMs === undefined && vendorWait) {
        try {
          waitMs = vendorWait(res);
        } catch {
          waitMs = undefined;
        }
      }
      return { retryable: true, waitMs, reason: `HTTP ${res.status}` };
    }
    return { retryable: false, reason: `HTTP ${res.status}` };
  }
  if (a.outcome === "crash") return { retryable: false, reason: "module crashed" };
  return { retryable: false, reason: "module error" };
}

/**
 * When attempt `attempts + 1` may start, or undefined when the job is done trying. A wait the
 * server asked for is honoured as is (never shortened); ours gets ±20 % jitter so that jobs
 * failed together do not come back together.
 */
export function nextAttemptAt(
  policy: RetryPolicy,
  attempts: number,
  createdAt: number,
  verdict: Verdict,
  now: number,
  random: () => number = Math.random,
): number | undefined {
  if (!verdict.retryable || attempts >= policy.maxAttempts) return undefined;
  const base = policy.scheduleMs[Math.min(attempts - 1, policy.scheduleMs.length - 1)] ?? 0;
  const jittered = Math.round(base * (0.8 + 0.4 * random()));
  const wait = verdict.waitMs !== undefined ? Math.max(verdict.waitMs, 0) : jittered;
  const at = now + wait;
  if (at > createdAt + policy.maxAgeMs) return undefined;
  return at;
}
