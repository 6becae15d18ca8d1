// QRadar reference-set requests (docs/actions-siem.md#qradar), built without credentials:
// the `SEC` token is added by the sender.

import { contentKey, type ExportRequest } from "../../shared/export-records/export-request.js";
import type { SetSpec } from "./sets.js";

export interface QradarTarget {
  baseUrl: string;
  /** `Version` header (API version), e.g. "16.0". */
  apiVersion: string;
}

/** Values per bulk_load request at most; QRadar documents no limit, this keeps bodies moderate. */
export const MAX_VALUES_PER_REQUEST = 10_000;

function apiUrl(t: QradarTarget, path: string): URL {
  const url = new URL(t.baseUrl);
  url.pathname = `${url.pathname.replace(/\/+$/, "")}${path}`;
  url.search = "";
  return url;
}

function headers(t: QradarTarget, json: boolean): Record<string, string> {
  const h: Record<string, string> = { accept: "application/json", version: t.apiVersion };
  if (json) h["content-type"] = "application/json";
  return h;
}

/** `POST /api/reference_data/sets/bulk_load/{name}` with a JSON array of strings, in chunks. */
export function bulkLoadRequests(t: QradarTarget, set: SetSpec, values: readonly string[]): ExportRequest[] {
  const url = apiUrl(t, `/api/reference_data/sets/bulk_load/${encodeURIComponent(set.name)}`).toString();
  const out: ExportRequest[] = [];
  for (let i = 0; i < values.length; i += MAX_VALUES_PER_REQUEST) {
    const chunk = values.slice(i, i + MAX_VALUES_PER_REQUEST);
    const body = JSON.stringify(chunk);
    // Adding values to a set is idempotent; the key only lets an outbox recognise a resend.
    out.push({
      method: "POST",
      url,
      headers: headers(t, true),
      body,
      idempotencyKey: contentKey("qradar", url, body),
      count: chunk.length,
    });
  }
  return out;
}

export interface CreateSetOptions {
  /** e.g. "90 days"; "" for no expiry. */
  timeToLive: string;
}

/** `POST /api/reference_data/sets?name=…&element_type=…[&time_to_live=…&timeout_type=LAST_SEEN]`. */
export function createSetRequest(t: QradarTarget, set: SetSpec, o: CreateSetOptions): ExportRequest {
  const url = apiUrl(t, "/api/reference_data/sets");
  url.searchParams.set("name", set.name);
  url.searchParams.set("element_type", set.elementType);
  if (o.timeToLive !== "") {
    url.searchParams.set("time_to_live", o.timeToLive);
    url.searchParams.set("timeout_type", "LAST_SEEN");
  }
  const href = url.toString();
  return { method: "POST", url: href, headers: headers(t, false), body: "", idempotencyKey: contentKey("qradar", href), count: 0 };
}
