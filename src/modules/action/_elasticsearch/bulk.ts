// `_bulk` request bodies (docs/actions-siem.md#elasticsearch): NDJSON, one action line and
// one source line per document, every line (the last one too) ended by "\n". Documents
// get the MISP UUID as `_id`, so `create` makes a resend harmless.

import { stringifyDeep } from "../../shared/json-text.js";
import { contentKey, type ExportRequest } from "../../shared/export-records/export-request.js";
import type { ExportRecord } from "../../shared/export-records/index.js";

export type BulkAction = "create" | "index";

/** `_bulk`'s refresh parameter: make the documents searchable now (true), or answer once they are (wait_for). */
export const REFRESH_CHOICES = ["false", "true", "wait_for"] as const;
export type Refresh = (typeof REFRESH_CHOICES)[number];

export interface BulkTarget {
  /** Base URL of the cluster (path prefix kept, e.g. behind a reverse proxy). */
  baseUrl: string;
  /** Index, alias or data stream. */
  index: string;
  action: BulkAction;
  /** Ingest pipeline, "" for none. */
  pipeline: string;
  /** Default false (not sent). */
  refresh?: Refresh;
}

/** What Elasticsearch refuses in an index name (besides upper case). */
const INDEX_FORBIDDEN = /[\\/*?"<>| ,#:]/;

/** Why `name` cannot be an index or data stream name, or undefined when it can. */
export function indexNameProblem(name: string): string | undefined {
  if (name === "") return "is required";
  if (name !== name.toLowerCase()) return "must be lower case";
  if (INDEX_FORBIDDEN.test(name)) return 'must not contain \\ / * ? " < > | , # : or spaces';
  if (/^[-_+]/.test(name)) return "must not start with -, _ or +";
  if (name === "." || name === "..") return "cannot be . or ..";
  if (Buffer.byteLength(name) > 255) return "is longer than 255 bytes";
  return undefined;
}

/** The `_bulk` endpoint of the target index. */
export function bulkUrl(t: Pick<BulkTarget, "baseUrl" | "index" | "pipeline" | "refresh">): string {
  const url = new URL(t.baseUrl);
  url.pathname = `${url.pathname.replace(/\/+$/, "")}/${encodeURIComponent(t.index)}/_bulk`;
  url.search = "";
  if (t.pipeline !== "") url.searchParams.set("pipeline", t.pipeline);
  if (t.refresh !== undefined && t.refresh !== "false") url.searchParams.set("refresh", t.refresh);
  return url.toString();
}

/**
 * The source line of a record: its content, with `@timestamp` (ISO 8601 from the MISP
 * timestamp) in front when the content is an object without one. Data streams need it.
 */
export function sourceLine(record: ExportRecord): string {
  const text = stringifyDeep(record.event) ?? "null";
  const content = record.event;
  const isObject = typeof content === "object" && content !== null && !Array.isArray(content);
  if (!isObject || record.time === undefined || "@timestamp" in content) return text;
  // Spliced into the serialised text: the document is not copied to add one key.
  const stamp = `{"@timestamp":${JSON.stringify(new Date(record.time * 1000).toISOString())}`;
  return text === "{}" ? `${stamp}}` : `${stamp},${text.slice(1)}`;
}

/** The two NDJSON lines of one document, each ended by "\n". */
export function bulkLines(record: ExportRecord, action: BulkAction): string {
  const meta = record.uuid ? `{"${action}":{"_id":${JSON.stringify(record.uuid)}}}` : `{"${action}":{}}`;
  return `${meta}\n${sourceLine(record)}\n`;
}

export interface BulkBatch extends ExportRequest {
  /** `_id` of each document in body order (undefined: Elasticsearch picks one). */
  ids: (string | undefined)[];
  /** Position of the batch's first document in the export (0-based). */
  first: number;
}

/**
 * The export's `_bulk` requests, in order, each body at most `maxBytes` UTF-8 bytes (a
 * document larger than that goes alone). A generator: one body exists at a time, so a
 * 10,000-attribute event never sits in memory as 10,000 serialised documents.
 */
export function* bulkRequests(records: Iterable<ExportRecord>, target: BulkTarget, maxBytes: number): Generator<BulkBatch> {
  const url = bulkUrl(target);
  let parts: string[] = [];
  let ids: (string | undefined)[] = [];
  let size = 0;
  let position = 0;
  let first = 0;
  const make = (): BulkBatch => {
    const body = parts.join("");
    return {
      method: "POST",
      url,
      headers: { "content-type": "application/x-ndjson", accept: "application/json" },
      body,
      idempotencyKey: contentKey("elasticsearch", url, body),
      count: ids.length,
      ids,
      first,
    };
  };
  for (const record of records) {
    const lines = bulkLines(record, target.action);
    const bytes = Buffer.byteLength(lines, "utf8");
    if (parts.length > 0 && size + bytes > maxBytes) {
      yield make();
      parts = [];
      ids = [];
      size = 0;
      first = position;
    }
    parts.push(lines);
    ids.push(record.uuid);
    size += bytes;
    position++;
  }
  if (parts.length > 0) yield make();
}
