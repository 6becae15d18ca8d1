// Reading a `_bulk` reply (docs/actions-siem.md#elasticsearch). HTTP 200 does not mean the
// documents were stored: each item carries its own status. A batch succeeded only when every
// item did; a `create` refused with 409 (the `_id` exists) counts as stored, because ids are
// the MISP UUIDs and the document is then the one sent before.

import type { HttpResponse } from "../../../services/http/types.js";
import { bodyExcerpt, describeFailure, jsonBody } from "../../shared/messages/http-failure.js";

export interface ItemFailure {
  /** Position in the export (0-based). */
  position: number;
  id?: string;
  status: number;
  type: string;
  reason: string;
}

export interface BulkOutcome {
  stored: number;
  /** `create` items refused because the document already exists. */
  alreadyPresent: number;
  /** Failed items whose status says "later" (429, 5xx): worth another attempt. */
  retryableItems: number;
  /** Failed items by error type. */
  failuresByType: Map<string, number>;
  firstFailure?: ItemFailure;
  /** Items refused with 429 (the cluster was busy): sent again on their own (docs/actions-siem.md). */
  rejected: ItemFailure[];
  /** The first failure that is not such a 429. */
  firstOther?: ItemFailure;
}

/** An empty outcome. */
export function emptyOutcome(): BulkOutcome {
  return { stored: 0, alreadyPresent: 0, retryableItems: 0, failuresByType: new Map(), rejected: [] };
}

export type BulkVerdict = { ok: true; outcome: BulkOutcome } | { ok: false; outcome?: BulkOutcome; reason: string };

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

/** `type: reason` from an Elasticsearch error object (`{"error": {"type", "reason"}}`). */
export function esErrorText(error: unknown): string | undefined {
  if (typeof error === "string") return error;
  if (!isObject(error)) return undefined;
  const type = typeof error.type === "string" ? error.type : undefined;
  const reason = typeof error.reason === "string" ? error.reason : undefined;
  if (!type && !reason) return undefined;
  return [type, reason].filter(Boolean).join(": ");
}

/**
 * The verdict on one batch. `ids` and `first` describe what was sent (BulkBatch), so item
 * failures can name the document and its position in the whole export.
 */
export function readBulkReply(
  res: HttpResponse,
  sent: { ids: readonly (string | undefined)[]; first: number },
  secrets: readonly string[] = [],
): BulkVerdict {
  const reply = jsonBody(res);
  if (res.status !== 200) {
    const detail = isObject(reply) ? esErrorText(reply.error) : undefined;
    return { ok: false, reason: describeFailure(res, { detail, secrets }) };
  }
  if (!isObject(reply) || !Array.isArray(reply.items)) {
    const excerpt = bodyExcerpt(res.body, secrets);
    return {
      ok: false,
      reason: `HTTP 200 without a _bulk reply${excerpt ? `: ${excerpt}` : ""} (is the URL an Elasticsearch or OpenSearch cluster?)`,
    };
  }
  if (reply.items.length !== sent.ids.length) {
    return { ok: false, reason: `the _bulk reply has ${reply.items.length} items for ${sent.ids.length} documents sent` };
  }
  const outcome = emptyOutcome();
  for (const [i, raw] of reply.items.entries()) {
    const action = isObject(raw) ? Object.keys(raw)[0] : undefined;
    const item = action !== undefined && isObject(raw) ? raw[action] : undefined;
    const position = sent.first + i;
    if (!isObject(item) || typeof item.status !== "number") {
      count(outcome, { position, id: sent.ids[i], status: 0, type: "unreadable_item", reason: "the reply item has no status" });
      continue;
    }
    if (item.status >= 200 && item.status < 300 && item.error === undefined) {
      outcome.stored++;
      continue;
    }
    const error = isObject(item.error) ? item.error : {};
    const type = typeof error.type === "string" ? error.type : `http_${item.status}`;
    if (action === "create" && item.status === 409 && type === "version_conflict_engine_exception") {
      outcome.alreadyPresent++;
      continue;
    }
    const reason = typeof error.reason === "string" ? bodyExcerpt(error.reason, secrets, 200) : `status ${item.status}`;
    count(outcome, { position, id: typeof item._id === "string" ? item._id : sent.ids[i], status: item.status, type, reason });
  }
  if (outcome.failuresByType.size === 0) return { ok: true, outcome };
  return { ok: false, outcome, reason: describeItemFailures(outcome) };
}

function count(outcome: BulkOutcome, failure: ItemFailure): void {
  if (failure.status === 429 || failure.status >= 500) outcome.retryableItems++;
  if (failure.status === 429) outcome.rejected.push(failure);
  else outcome.firstOther ??= failure;
  outcome.failuresByType.set(failure.type, (outcome.failuresByType.get(failure.type) ?? 0) + 1);
  outcome.firstFailure ??= failure;
}

/** "3 documents failed (2 mapper_parsing_exception, 1 es_rejected_execution_exception); first: document 5 (_id …): HTTP 400 mapper_parsing_exception: …" */
export function describeItemFailures(o: BulkOutcome): string {
  const total = [...o.failuresByType.values()].reduce((a, b) => a + b, 0);
  const byType = [...o.failuresByType.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([t, n]) => `${n} ${t}`)
    .join(", ");
  const f = o.firstFailure!;
  const which = `document ${f.position + 1}${f.id ? ` (_id ${f.id})` : ""}`;
  return `${total} document${total === 1 ? "" : "s"} failed (${byType}); first: ${which}: HTTP ${f.status} ${f.type}: ${f.reason}`;
}

/**
 * `into` after its 429 items were sent again on their own: their failures give way to the
 * resend's outcome (`again`, whose positions index `into.rejected` as it was).
 */
export function settleResend(into: BulkOutcome, again: BulkOutcome): void {
  const resent = into.rejected;
  const at = (f: ItemFailure): ItemFailure => ({ ...f, position: resent[f.position]?.position ?? f.position });
  for (const f of resent) {
    const n = (into.failuresByType.get(f.type) ?? 1) - 1;
    if (n <= 0) into.failuresByType.delete(f.type);
    else into.failuresByType.set(f.type, n);
    into.retryableItems--;
  }
  into.stored += again.stored;
  into.alreadyPresent += again.alreadyPresent;
  into.retryableItems += again.retryableItems;
  for (const [t, n] of again.failuresByType) into.failuresByType.set(t, (into.failuresByType.get(t) ?? 0) + n);
  into.rejected = again.rejected.map(at);
  into.firstOther ??= again.firstOther ? at(again.firstOther) : undefined;
  into.firstFailure = into.firstOther ?? into.rejected[0];
}

/** Adds one batch's outcome to the export's. */
export function mergeOutcome(into: BulkOutcome, from: BulkOutcome): void {
  into.stored += from.stored;
  into.alreadyPresent += from.alreadyPresent;
  into.retryableItems += from.retryableItems;
  for (const [t, n] of from.failuresByType) into.failuresByType.set(t, (into.failuresByType.get(t) ?? 0) + n);
  into.firstFailure ??= from.firstFailure;
  into.firstOther ??= from.firstOther;
  into.rejected.push(...from.rejected);
}
