// A request an export module has built but not sent. Builders are pure so that a durable
// outbox can store and deliver the same request later (docs/actions-siem.md): no
// credential is ever part of it; the sender adds authentication at send time.

import { createHash } from "node:crypto";
import type { PreparedRequest } from "../messages/prepared-request.js";

/**
 * The one PreparedRequest (messages/prepared-request.ts) as an export builds it: always a body
 * and a content key, how many records (documents, messages, objects, values) the body carries,
 * and no credential, hence no `secrets` and no `what` (the sender says what it does).
 */
export type ExportRequest = Omit<PreparedRequest, "what" | "secrets"> &
  Required<Pick<PreparedRequest, "body" | "idempotencyKey">> & {
    /** Lower-cased names; never an Authorization header or another credential. */
    headers: Record<string, string>;
    count: number;
  };

/** `<prefix>:<sha256 of the parts>` (hex, 32 characters). */
export function contentKey(prefix: string, ...parts: string[]): string {
  const h = createHash("sha256");
  for (const p of parts) h.update(p).update("\0");
  return `${prefix}:${h.digest("hex").slice(0, 32)}`;
}
