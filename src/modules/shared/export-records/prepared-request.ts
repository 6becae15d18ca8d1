// A request an export module has built but not sent. Builders are pure so that a durable
// outbox can store and deliver the same request later (docs/actions-siem.md): no
// credential is ever part of it; the sender adds authentication at send time.

import { createHash } from "node:crypto";

export interface PreparedRequest {
  method: "POST" | "PUT";
  url: string;
  /** Lower-cased names; never an Authorization header or another credential. */
  headers: Record<string, string>;
  body: string;
  /** Same request content → same key: a resend can be recognised as one. */
  idempotencyKey: string;
  /** How many records (documents, messages, objects, values) the body carries. */
  count: number;
}

/** `<prefix>:<sha256 of the parts>` (hex, 32 characters). */
export function contentKey(prefix: string, ...parts: string[]): string {
  const h = createHash("sha256");
  for (const p of parts) h.update(p).update("\0");
  return `${prefix}:${h.digest("hex").slice(0, 32)}`;
}
