// A local Elasticsearch `_bulk` stand-in that enforces the documented contract: POST
// /{index}/_bulk, an accepted credential, an NDJSON content type, strict line grammar
// (known action, source line present, final "\n"), the body size limit, and per-item
// results from an index → _id map (201 created, 200 updated, 409 on create of an existing
// _id). Data streams accept only `create` with `@timestamp`. Failures can be injected per _id.

import type { Answer, RecordedRequest, StandIn } from "./stand-in.js";
import { startStandIn } from "./stand-in.js";

type Json = Record<string, unknown>;

export interface EsStandIn {
  standIn: StandIn;
  url: string;
  /** index → _id → stored document. */
  indices: Map<string, Map<string, Json>>;
  /** Accepted Authorization header values ("" also accepts requests without one). */
  credentials: Set<string>;
  /** Data stream names. */
  dataStreams: Set<string>;
  /** _id → the item error to return for it. */
  failIds: Map<string, { status: number; type: string; reason: string }>;
  maxBodyBytes: number;
  /** Documents accepted, in order of arrival. */
  docs(index: string): Json[];
  reset(): void;
  close(): Promise<void>;
}

const ACTIONS = new Set(["index", "create", "update", "delete"]);
const META_KEYS = new Set([
  "_index",
  "_id",
  "routing",
  "if_seq_no",
  "if_primary_term",
  "version",
  "version_type",
  "require_alias",
  "pipeline",
  "dynamic_templates",
  "op_type",
]);

const esError = (status: number, type: string, reason: string): Answer => ({
  status,
  body: { error: { root_cause: [{ type, reason }], type, reason }, status },
});

export async function startEsStandIn(o: { tls?: boolean } = {}): Promise<EsStandIn> {
  const indices = new Map<string, Map<string, Json>>();
  const order = new Map<string, Json[]>();
  const es: EsStandIn = {
    standIn: await startStandIn({ tls: o.tls }),
    url: "",
    indices,
    credentials: new Set(),
    dataStreams: new Set(),
    failIds: new Map(),
    maxBodyBytes: 100 * 1024 * 1024,
    docs: (index) => order.get(index) ?? [],
    reset() {
      indices.clear();
      order.clear();
      es.credentials.clear();
      es.dataStreams.clear();
      es.failIds.clear();
      es.maxBodyBytes = 100 * 1024 * 1024;
      es.standIn.reset();
    },
    close: () => es.standIn.close(),
  };
  es.url = es.standIn.url;
  es.standIn.handle((req) => handle(es, req, order));
  return es;
}

function handle(es: EsStandIn, req: RecordedRequest, order: Map<string, Json[]>): Answer {
  const m = /^\/([^/_][^/]*)\/_bulk$/.exec(req.path);
  if (!m) return esError(400, "invalid_index_name_exception", `no handler for [${req.method} ${req.path}]`);
  if (req.method !== "POST" && req.method !== "PUT")
    return esError(
      405,
      "method_not_allowed",
      `Incorrect HTTP method for uri [${req.path}] and method [${req.method}], allowed: [POST, PUT]`,
    );
  // refresh: "" and "true" mean true; false and wait_for are the other accepted values.
  const refresh = req.query.get("refresh");
  if (refresh !== null && !["", "true", "false", "wait_for"].includes(refresh))
    return esError(
      400,
      "illegal_argument_exception",
      `Failed to parse value [${refresh}] only [true] or [false] are allowed for parameter [refresh]`,
    );
  const auth = req.headers.authorization ?? "";
  if (!es.credentials.has(auth)) {
    if (auth === "") return esError(401, "security_exception", `missing authentication credentials for REST request [${req.path}]`);
    return esError(
      401,
      "security_exception",
      "unable to authenticate with provided credentials and anonymous access is not allowed for this request",
    );
  }
  const contentType = String(req.headers["content-type"] ?? "")
    .split(";")[0]
    .trim();
  if (contentType !== "application/json" && contentType !== "application/x-ndjson") {
    return { status: 406, body: { error: `Content-Type header [${contentType}] is not supported`, status: 406 } };
  }
  if (Buffer.byteLength(req.body) > es.maxBodyBytes) return { status: 413, body: "" };
  if (req.body === "") return esError(400, "action_request_validation_exception", "Validation Failed: 1: no requests added;");
  if (!req.body.endsWith("\n")) return esError(400, "illegal_argument_exception", "The bulk request must be terminated by a newline [\\n]");
  const index = decodeURIComponent(m[1]);
  const lines = req.body.slice(0, -1).split(/\r?\n/);
  const items: Json[] = [];
  let errors = false;
  for (let i = 0; i < lines.length; i++) {
    let action: Json;
    try {
      action = JSON.parse(lines[i]) as Json;
    } catch {
      return esError(400, "x_content_parse_exception", `[1:1] Unexpected character at line ${i + 1}`);
    }
    const keys = Object.keys(action);
    if (keys.length !== 1 || !ACTIONS.has(keys[0]))
      return esError(
        400,
        "illegal_argument_exception",
        `Malformed action/metadata line [${i + 1}], expected START_OBJECT or one of [index, create, update, delete]`,
      );
    const name = keys[0];
    const meta = action[name] as Json;
    for (const k of Object.keys(meta))
      if (!META_KEYS.has(k))
        return esError(400, "illegal_argument_exception", `Action/metadata line [${i + 1}] contains an unknown parameter [${k}]`);
    let source: Json | undefined;
    if (name !== "delete") {
      i++;
      if (i >= lines.length || lines[i] === "")
        return esError(400, "illegal_argument_exception", `Validation Failed: 1: source is missing (action line ${i})`);
      try {
        source = JSON.parse(lines[i]) as Json;
      } catch {
        return esError(400, "x_content_parse_exception", `[1:1] failed to parse source at line ${i + 1}`);
      }
    }
    const target = typeof meta._index === "string" ? meta._index : index;
    const id = typeof meta._id === "string" ? meta._id : `auto-${Math.random().toString(36).slice(2)}`;
    const docs = es.indices.get(target) ?? new Map<string, Json>();
    es.indices.set(target, docs);
    const fail = es.failIds.get(id);
    let item: Json;
    if (fail) item = { _index: target, _id: id, status: fail.status, error: { type: fail.type, reason: fail.reason, index: target } };
    else if (es.dataStreams.has(target) && name !== "create") {
      item = {
        _index: target,
        _id: id,
        status: 400,
        error: { type: "illegal_argument_exception", reason: `only write ops with an op_type of create are allowed in data streams` },
      };
    } else if (es.dataStreams.has(target) && typeof source?.["@timestamp"] !== "string") {
      item = {
        _index: target,
        _id: id,
        status: 400,
        error: { type: "document_parsing_exception", reason: "[1:2] failed to parse: data stream timestamp field [@timestamp] is missing" },
      };
    } else if (name === "create" && docs.has(id)) {
      item = {
        _index: target,
        _id: id,
        status: 409,
        error: {
          type: "version_conflict_engine_exception",
          reason: `[${id}]: version conflict, document already exists (current version [1])`,
          index: target,
        },
      };
    } else {
      const existed = docs.has(id);
      docs.set(id, source!);
      const list = order.get(target) ?? [];
      list.push(source!);
      order.set(target, list);
      item = {
        _index: target,
        _id: id,
        _version: 1,
        result: existed ? "updated" : "created",
        status: existed ? 200 : 201,
        _shards: { total: 2, successful: 1, failed: 0 },
      };
    }
    if (typeof item.error === "object") errors = true;
    items.push({ [name]: item });
  }
  return { status: 200, body: { took: 3, errors, items } };
}
