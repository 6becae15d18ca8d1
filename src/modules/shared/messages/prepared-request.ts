import type { HttpResponse, ModuleContext } from "../../../sdk/index.js";
import { deliver, urlSecretParts } from "./deliver.js";

// A request built ahead of sending: modules split "build" (pure, no I/O) from "send", so a
// durable outbox can store what the builder returned and deliver it later, with the same
// idempotency key on every attempt.

export interface PreparedRequest {
  /** Says what the request does ("triggering a PagerDuty incident"); starts transport errors. */
  what: string;
  method: "POST" | "PUT" | "PATCH" | "GET";
  url: string;
  headers: Record<string, string>;
  body?: string;
  /** Values to scrub from anything shown (tokens, keys). */
  secrets: string[];
  /** The URL itself is a credential (incoming webhooks). */
  urlIsSecret?: boolean;
  /**
   * The vendor-side deduplication key carried by this request (PagerDuty dedup_key, TheHive
   * sourceRef...): sending the request twice has the effect of sending it once. Undefined
   * when the vendor offers none.
   */
  idempotencyKey?: string;
  /** Safe to resend on 429/503 and connection failures (only with an idempotency key). */
  retry?: boolean;
  verifyTls?: boolean;
}

/** Sends a prepared request through ctx.http (egress guard, timeouts, scrubbed errors). */
export function sendPrepared(ctx: Pick<ModuleContext, "http">, req: PreparedRequest): Promise<HttpResponse> {
  return deliver(ctx, req.url, {
    what: req.what,
    method: req.method,
    headers: req.headers,
    body: req.body,
    secrets: req.secrets,
    urlIsSecret: req.urlIsSecret,
    retry: req.retry ?? false,
    verifyTls: req.verifyTls,
  });
}

/** A JSON POST, the common case. */
export function jsonPost(
  what: string,
  url: string,
  body: unknown,
  o: Partial<Omit<PreparedRequest, "what" | "url" | "body" | "method">> = {},
): PreparedRequest {
  return {
    what,
    method: "POST",
    url,
    headers: { "content-type": "application/json", ...(o.headers ?? {}) },
    body: JSON.stringify(body),
    secrets: o.secrets ?? [],
    urlIsSecret: o.urlIsSecret,
    idempotencyKey: o.idempotencyKey,
    retry: o.retry,
    verifyTls: o.verifyTls,
  };
}

/** Everything to scrub from text about this request: its secrets, and the URL's parts when the URL is a credential. */
export function secretsOf(req: PreparedRequest): string[] {
  return req.urlIsSecret ? [...req.secrets, req.url, ...urlSecretParts(req.url)] : req.secrets;
}
