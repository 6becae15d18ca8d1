// Upload requests of the STIX objects API (docs/actions-siem.md#sentinel): at most 100
// objects per request, built without the bearer token (added when sending).

import { contentKey, type ExportRequest } from "../../shared/export-records/export-request.js";

export const MAX_OBJECTS_PER_REQUEST = 100;
export const DEFAULT_API_VERSION = "2024-02-01-preview";

export interface UploadTarget {
  /** e.g. https://api.ti.sentinel.azure.com */
  apiUrl: string;
  workspaceId: string;
  apiVersion: string;
  sourceSystem: string;
}

export interface UploadBatch extends ExportRequest {
  /** Position of the batch's first object in the export (0-based). */
  first: number;
  /** STIX ids of the objects, in order. */
  ids: string[];
}

export function uploadUrl(t: UploadTarget): string {
  const url = new URL(t.apiUrl);
  url.pathname = `${url.pathname.replace(/\/+$/, "")}/workspaces/${encodeURIComponent(t.workspaceId)}/threat-intelligence-stix-objects:upload`;
  url.search = "";
  url.searchParams.set("api-version", t.apiVersion);
  return url.toString();
}

export function uploadBatches(objects: readonly Record<string, unknown>[], t: UploadTarget, size = MAX_OBJECTS_PER_REQUEST): UploadBatch[] {
  const url = uploadUrl(t);
  const out: UploadBatch[] = [];
  for (let first = 0; first < objects.length; first += size) {
    const chunk = objects.slice(first, first + size);
    const body = JSON.stringify({ sourcesystem: t.sourceSystem, stixobjects: chunk });
    out.push({
      method: "POST",
      url,
      headers: { "content-type": "application/json", accept: "application/json" },
      body,
      idempotencyKey: contentKey("sentinel", url, body),
      count: chunk.length,
      first,
      ids: chunk.map((o) => String(o.id)),
    });
  }
  return out;
}
