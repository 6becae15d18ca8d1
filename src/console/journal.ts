import { underscore } from "../engines/cakephp-hash/inflector.js";
import type { LoadedModule } from "../core/registry/registry.js";
import type { ModuleRegistry } from "../core/registry/registry.js";
import type { OutboundCall, QueryEnd, QueryObservation, QueryObserver, QueryStart } from "../core/runtime/observer.js";
import type BetterSqlite3 from "better-sqlite3";
import type { Store } from "../services/store/store.js";
import { Digester } from "./digest.js";
import { maskDeep, maskHeaders, scrub, SecretVault, secretStrings } from "./masking.js";

// The journal: one record per /query (request as received with secrets masked, reply, outcome,
// duration, outbound calls), written through the store's batched queue so that recording never
// sits on the request path. Ids are handed out in memory, so the debug receiver can link a
// MISP node post to a query whose row is still queued.

export type CaptureMode = "off" | "metadata" | "full";

/** Header a console replay carries, so the new record points at the one it replays. */
export const REPLAY_HEADER = "x-console-replay-of";

const MIGRATIONS = [
  `CREATE TABLE journal_queries (id INTEGER PRIMARY KEY, ts INTEGER NOT NULL, module TEXT NOT NULL, kind TEXT, outcome TEXT NOT NULL,
     duration_ms REAL NOT NULL, error TEXT, req_id TEXT, params TEXT, headers TEXT, outbound TEXT, request_hash TEXT, request_size INTEGER,
     reply_hash TEXT, reply_size INTEGER, run_id INTEGER, post_id INTEGER, replay_of INTEGER, search TEXT NOT NULL);
   CREATE INDEX jq_ts ON journal_queries(ts);
   CREATE INDEX jq_module ON journal_queries(module, id);
   CREATE INDEX jq_outcome ON journal_queries(outcome, id);
   CREATE INDEX jq_run ON journal_queries(run_id) WHERE run_id IS NOT NULL;
   CREATE TABLE journal_runs (id INTEGER PRIMARY KEY, trigger TEXT NOT NULL, kind TEXT NOT NULL, blocking INTEGER, started INTEGER NOT NULL,
     ended INTEGER, outcome TEXT, nodes INTEGER NOT NULL DEFAULT 0, errors INTEGER NOT NULL DEFAULT 0, last INTEGER NOT NULL,
     init_hash TEXT, end_hash TEXT);
   CREATE INDEX jr_started ON journal_runs(started);
   CREATE TABLE journal_posts (id INTEGER PRIMARY KEY, run_id INTEGER, ts INTEGER NOT NULL, phase TEXT NOT NULL, trigger TEXT, module_id TEXT,
     node_id TEXT, result TEXT, message TEXT, outcome TEXT, errors TEXT, params TEXT, filters TEXT, data_hash TEXT, data_size INTEGER,
     duration_ms REAL, query_id INTEGER, malformed TEXT, path TEXT, misp_ts TEXT);
   CREATE INDEX jp_run ON journal_posts(run_id, id);
   CREATE INDEX jp_ts ON journal_posts(ts);`,
];

export interface QueryRow {
  id: number;
  ts: number;
  module: string;
  kind: string | null;
  outcome: string;
  duration_ms: number;
  error: string | null;
  req_id: string | null;
  params: string | null;
  headers: string | null;
  outbound: string | null;
  request_hash: string | null;
  request_size: number | null;
  reply_hash: string | null;
  reply_size: number | null;
  run_id: number | null;
  post_id: number | null;
  replay_of: number | null;
}

interface RecentQuery {
  id: number;
  module: string;
  nodeId: string;
  endedAt: number;
  linked: boolean;
  /** Set when a MISP node post links to it. */
  runId?: number;
  postId?: number;
}

/** Parameter keys a module declares secret (ids and names; expansion settings too). */
export function declaredSecrets(mod: LoadedModule | undefined): Set<string> {
  const out = new Set<string>();
  if (!mod) return out;
  for (const p of mod.params) if (p.spec.secret) out.add(p.id).add(p.name).add(p.label);
  const settings = (mod.def as { settings?: Record<string, { secret?: boolean }> }).settings;
  if (settings) for (const [k, s] of Object.entries(settings)) if (s?.secret) out.add(k);
  return out;
}

const MAX_SEARCH = 2000;
/** Recent queries kept for linking MISP's node posts to them (at least this many). */
const RECENT_QUERIES = 1000;
const MAX_CACHED_BODY = 8 * 1024 * 1024;
/**
 * Requests and replies over this size are digested off the event loop (digest.ts): masking and
 * serialising 256 KiB of JSON takes ~3 ms here, which is what one recorded query may cost.
 */
export const LARGE_PAYLOAD = 256 * 1024;
const MAX_PARAMS_TEXT = 64 * 1024;
/** Positions in the insert's values that insertRow fills (the column list in the constructor). */
const REPLY_HASH = 13;
const REPLY_SIZE = 14;
const RUN_ID = 17;
const POST_ID = 18;

/** What a row needs of its query besides the masked request and the reply. */
interface QueryFacts {
  id: number;
  calls: OutboundCall[];
  module: LoadedModule | undefined;
  moduleName: string;
  headers?: Record<string, string | string[] | undefined>;
  reqId?: string;
  startedAt: number;
}

interface PreparedRequest {
  /** The body as received: bytes are compared as bytes, never decoded to tell a repeat. */
  raw: string | Buffer;
  capture: CaptureMode;
  module: LoadedModule | undefined;
  at: number;
  originals: Record<string, unknown>;
  secrets: string[];
  paramsText: string | null;
  request: { hash: string; size: number } | undefined;
}

/** The same body, bytes against bytes (a memcmp) or text against text; the cache keys them by length. */
function sameBody(a: string | Buffer, b: string | Buffer): boolean {
  if (typeof a === "string" || typeof b === "string")
    return (typeof a === "string" ? a : a.toString("utf8")) === (typeof b === "string" ? b : b.toString("utf8"));
  return a.equals(b);
}

class Observation implements QueryObservation {
  readonly calls: OutboundCall[] = [];
  constructor(
    private readonly journal: Journal,
    readonly id: number,
    readonly start: QueryStart,
  ) {}
  outbound(call: OutboundCall): void {
    if (this.calls.length < 200) this.calls.push(call);
  }
  end(result: QueryEnd): void {
    this.journal.record(this, result);
  }
}

/** What record() needs of an observation (the writer thread rebuilds one from a message). */
export interface RecordedQuery {
  readonly id: number;
  readonly calls: OutboundCall[];
  readonly start: QueryStart;
}

/** Where records go when the journal has a writer thread (writer.ts): nothing is written here then. */
export interface RecordSink {
  readonly up: boolean;
  query(obs: RecordedQuery, end: QueryEnd, capture: CaptureMode): void;
}

export class Journal implements QueryObserver {
  /** Set on the server's side: records are handed to the writer thread (docs/console.md, "Writer thread"). */
  sink: RecordSink | undefined;
  private nextId: number;
  private readonly recent: RecentQuery[] = [];
  readonly vault = new SecretVault();
  readonly digester: Digester;
  private readonly prepared = new Map<number, PreparedRequest>();
  private readonly nodeIds = new Map<string, string>();
  private insert?: BetterSqlite3.Statement<unknown[]>;
  recorded = 0;

  constructor(
    readonly store: Store,
    readonly registry: ModuleRegistry,
    public capture: CaptureMode,
  ) {
    this.digester = new Digester({ dbPath: store.state.ok ? store.state.path : undefined });
    store.migrate("journal", MIGRATIONS);
    store.addRetention({ table: "journal_queries", tsColumn: "ts" });
    store.addRetention({ table: "journal_posts", tsColumn: "ts" });
    store.addRetention({ table: "journal_runs", tsColumn: "last" });
    for (const ref of [
      "SELECT request_hash FROM journal_queries",
      "SELECT reply_hash FROM journal_queries",
      "SELECT data_hash FROM journal_posts",
      "SELECT init_hash FROM journal_runs",
      "SELECT end_hash FROM journal_runs",
    ]) {
      store.addPayloadRefs(ref);
    }
    const db = store.db;
    this.nextId = db ? ((db.prepare("SELECT MAX(id) AS m FROM journal_queries").get() as { m: number | null }).m ?? 0) + 1 : 1;
    // Positional parameters: binding 19 named ones looks each name up on an object, a quarter
    // of the insert's cost on the writer thread (docs/console.md, "Recording cost").
    this.insert = db?.prepare(
      `INSERT INTO journal_queries (id, ts, module, kind, outcome, duration_ms, error, req_id, params, headers, outbound, request_hash, request_size, reply_hash, reply_size, replay_of, search, run_id, post_id)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
  }

  get enabled(): boolean {
    return this.capture !== "off" && this.store.ok && (this.sink?.up ?? true);
  }

  begin(start: QueryStart): QueryObservation | undefined {
    if (!this.enabled) return undefined;
    return new Observation(this, this.nextId++, start);
  }

  /** Called at the end of a query: remembers it for linking and queues the row. Cheap. */
  record(obs: RecordedQuery, end: QueryEnd): void {
    if (this.sink) {
      this.recorded++;
      this.sink.query(obs, end, this.capture);
      return;
    }
    const module = typeof obs.start.body.module === "string" ? obs.start.body.module : String(obs.start.body.module);
    let nodeId = this.nodeIds.get(module);
    if (nodeId === undefined) {
      nodeId = underscore(module);
      if (this.nodeIds.size < 1000) this.nodeIds.set(module, nodeId);
    }
    const link: RecentQuery = { id: obs.id, module, nodeId, endedAt: Date.now(), linked: false };
    this.recent.push(link);
    // Trimmed by halves, not one entry per query (a 1,000-entry splice costs ~1 µs); link() looks
    // back in time and stops at its window, so the extra entries cost nothing there.
    if (this.recent.length > 2 * RECENT_QUERIES) this.recent.splice(0, this.recent.length - RECENT_QUERIES);
    const capture = this.capture;
    this.recorded++;
    const { body, module: mod, headers, reqId, startedAt, rawBody } = obs.start;
    const query: QueryFacts = { id: obs.id, calls: obs.calls, module: mod, moduleName: module, headers, reqId, startedAt };
    const rawSize = rawBody === undefined ? 0 : typeof rawBody === "string" ? rawBody.length : rawBody.byteLength;
    if (rawSize > LARGE_PAYLOAD || end.json.length > LARGE_PAYLOAD) {
      this.recordLarge(query, body, rawBody, end, capture, link);
      return;
    }
    // Keep the body as received, not the parsed body, until the write: a parsed 33 KiB event is a
    // large object graph that would survive young-generation collections while it waits (the
    // write decodes and parses it only when its cached masked form is missing). MISP sends the
    // same event to every node of a run: a repeat is told by comparing bytes, without decoding.
    const cached = rawBody === undefined ? undefined : this.cachedFor(rawBody, capture, mod);
    if (cached) {
      // A repeat: its row is built now and only its values wait for the batched write. What
      // waits is what young-generation collections copy, ~100 ms of queries on the writer
      // thread (docs/console.md, "Recording cost").
      const row = this.rowOf(query, cached, end, capture);
      this.store.enqueue(() => this.insertRow(row.values, link, row.replyText));
      return;
    }
    const parsed = rawBody === undefined ? body : undefined;
    this.store.enqueue(() => this.write(query, rawBody, parsed, end, capture, link));
  }

  /**
   * A request or reply over LARGE_PAYLOAD: its parameters are masked here (they are small), the
   * payloads themselves are masked, hashed and cut on the digest thread, and the row is queued
   * when that is done. Nothing proportional to the payload's size runs on the event loop but
   * one copy of its bytes. Past the digest thread's bound the payload is not captured; the row
   * keeps its size.
   */
  private recordLarge(
    query: QueryFacts,
    body: Record<string, unknown>,
    rawBody: string | Buffer | undefined,
    end: QueryEnd,
    capture: CaptureMode,
    link: RecentQuery,
  ): void {
    const mod = query.module;
    const declared = declaredSecrets(mod);
    const originals: Record<string, unknown> = {};
    const rawParams = body.params ?? body.config;
    const params =
      rawParams === undefined ? undefined : maskDeep(rawParams, declared, body.params !== undefined ? "params" : "config", originals);
    const secrets = [...secretStrings(originals), ...end.secretValues];
    const paramsText = params === undefined ? null : scrub(JSON.stringify(params), secrets).slice(0, MAX_PARAMS_TEXT);
    const rawSize = rawBody === undefined ? 0 : typeof rawBody === "string" ? Buffer.byteLength(rawBody) : rawBody.byteLength;
    // An error reply is short (bounded echoes): a large reply is never one, and is not parsed here.
    const error = end.json.length <= LARGE_PAYLOAD && typeof end.reply.error === "string" ? scrub(end.reply.error, secrets) : null;
    const full = capture === "full";
    const cap = this.store.payloadCap;
    const request = full && rawBody !== undefined ? this.digester.submit("request", rawBody, { declared, cap, take: true }) : undefined;
    const replyLarge = end.json.length > LARGE_PAYLOAD;
    const reply = full && replyLarge ? this.digester.submit("reply", end.json, { secrets, cap }) : undefined;
    const replyText = full && !replyLarge ? scrub(end.json, secrets) : undefined;
    // The closure below keeps only small things: never the parsed body or `end` (the reply text).
    const outcome = end.outcome;
    const durationMs = end.durationMs;
    const replySize = Buffer.byteLength(end.json);
    const settled = <T>(p: Promise<T> | undefined) =>
      p
        ? p.then(
            (v) => v,
            () => undefined,
          )
        : Promise.resolve(undefined);
    void Promise.all([settled(request), settled(reply)]).then(([req, rep]) => {
      if (req) Object.assign(originals, req.originals);
      this.vault.set(query.id, originals);
      this.store.enqueue(() => {
        const requestRef = req ? this.store.putDigest(req) : undefined;
        const replyRef = rep ? this.store.putDigest(rep) : replyText !== undefined ? this.store.putPayload(replyText) : undefined;
        const values = this.rowValues(query, {
          outcome,
          durationMs,
          error,
          paramsText,
          request: requestRef ?? { hash: null, size: rawSize },
        });
        this.insertRow(values, link, undefined, replyRef ?? { hash: null, size: replySize });
      });
    });
  }

  /** A first sight, inside the store's batched transaction: masking, serialising, hashing, insert. */
  private write(
    q: QueryFacts,
    rawBody: string | Buffer | undefined,
    body: Record<string, unknown> | undefined,
    end: QueryEnd,
    capture: CaptureMode,
    link: RecentQuery,
  ): void {
    const mod = q.module;
    // The same body text (a retry, a replay, one event sent to several nodes with the same
    // parameters) is masked, serialised and hashed once.
    // Keyed by length and confirmed by comparing the texts: hashing a large string for a Map
    // key costs more than the comparison.
    let prepared = rawBody === undefined ? undefined : this.cachedFor(rawBody, capture, mod);
    if (!prepared) {
      const declared = declaredSecrets(mod);
      const originals: Record<string, unknown> = {};
      const text = rawBody === undefined || typeof rawBody === "string" ? rawBody : rawBody.toString("utf8");
      const masked = maskDeep(body ?? JSON.parse(text!), declared, "", originals) as Record<string, unknown>;
      const secrets = secretStrings(originals);
      const params = masked.params ?? masked.config;
      prepared = {
        raw: rawBody ?? "",
        capture,
        module: mod,
        at: Date.now(),
        originals,
        secrets,
        paramsText: params === undefined ? null : scrub(JSON.stringify(params), secrets),
        request: capture === "full" ? this.store.putPayload(scrub(JSON.stringify(masked), secrets)) : undefined,
      };
      if (rawBody !== undefined && rawBody.length <= MAX_CACHED_BODY) {
        this.prepared.set(rawBody.length, prepared);
        if (this.prepared.size > 16) this.prepared.delete(this.prepared.keys().next().value!);
      }
    }
    const row = this.rowOf(q, prepared, end, capture);
    this.insertRow(row.values, link, row.replyText);
  }

  /** A row's values from its masked request, all but what insertRow sets (the reply's payload, the run link). */
  private rowOf(q: QueryFacts, prepared: PreparedRequest, end: QueryEnd, capture: CaptureMode): { values: unknown[]; replyText?: string } {
    this.vault.set(q.id, prepared.originals);
    const secrets = end.secretValues.length ? [...prepared.secrets, ...end.secretValues] : prepared.secrets;
    const error = typeof end.reply.error === "string" ? scrub(end.reply.error, secrets) : null;
    return {
      values: this.rowValues(q, {
        outcome: end.outcome,
        durationMs: end.durationMs,
        error,
        paramsText: prepared.paramsText,
        request: prepared.request,
      }),
      replyText: capture === "full" ? scrub(end.json, secrets) : undefined,
    };
  }

  /** A row's values in the insert's column order; reply and run columns are filled by insertRow. */
  private rowValues(
    q: QueryFacts,
    r: {
      outcome: string;
      durationMs: number;
      error: string | null;
      paramsText: string | null;
      request?: { hash: string | null; size: number };
    },
  ): unknown[] {
    const { headers } = q;
    const replayOf = Number(headers?.[REPLAY_HEADER]);
    const search = `${q.moduleName} ${r.outcome} ${r.error ?? ""} ${r.paramsText ?? ""} ${q.reqId ?? ""}`
      .slice(0, MAX_SEARCH)
      .toLowerCase();
    return [
      q.id,
      q.startedAt,
      q.moduleName,
      q.module?.def.kind ?? null,
      r.outcome,
      Math.round(r.durationMs * 1000) / 1000,
      r.error,
      q.reqId ?? null,
      r.paramsText,
      headers ? JSON.stringify(maskHeaders(headers)) : null,
      q.calls.length ? JSON.stringify(q.calls) : null,
      r.request?.hash ?? null,
      r.request?.size ?? null,
      null,
      null,
      Number.isInteger(replayOf) && replayOf > 0 ? replayOf : null,
      search,
      null,
      null,
    ];
  }

  /**
   * Inside the batched transaction: the reply's payload (stored once by content, so only now) and
   * the run link as it stands now (a MISP node post may have linked the query since it ended).
   */
  private insertRow(values: unknown[], link: RecentQuery, replyText?: string, reply?: { hash: string | null; size: number }): void {
    const ref = replyText === undefined ? reply : this.store.putPayload(replyText);
    values[REPLY_HASH] = ref?.hash ?? null;
    values[REPLY_SIZE] = ref?.size ?? null;
    if (link.linked) {
      values[RUN_ID] = link.runId ?? null;
      values[POST_ID] = link.postId ?? null;
    }
    this.insert!.run(values);
  }

  /** Waits for payloads still on the digest thread (shutdown, tests). */
  async settle(ms?: number): Promise<void> {
    await this.digester.drain(ms);
    // Their rows are queued once the digests are back.
    await new Promise((r) => setImmediate(r));
    this.store.flush();
  }

  /** The cached masked form of this body, unless missing or stale (its payload row may have been swept since). */
  private cachedFor(rawBody: string | Buffer, capture: CaptureMode, mod: LoadedModule | undefined): PreparedRequest | undefined {
    const p = this.prepared.get(rawBody.length);
    if (!p || p.capture !== capture || p.module !== mod || Date.now() - p.at > 30_000 || !sameBody(p.raw, rawBody)) return undefined;
    return p;
  }

  /**
   * The query a MISP node post refers to: the latest unlinked query of that module (by MISP's
   * node id, `Inflector::underscore(name)`) that ended shortly before the post arrived.
   */
  link(moduleId: string, runId: number, postId: number, at = Date.now(), windowMs = 30_000): number | undefined {
    for (let i = this.recent.length - 1; i >= 0; i--) {
      const q = this.recent[i]!;
      if (at - q.endedAt > windowMs) break;
      if (q.linked || (q.nodeId !== moduleId && q.module !== moduleId)) continue;
      q.linked = true;
      q.runId = runId;
      q.postId = postId;
      // The row may already be written; the update then fixes it (a no-op otherwise).
      this.store.enqueue((db) => db.prepare("UPDATE journal_queries SET run_id = ?, post_id = ? WHERE id = ?").run(runId, postId, q.id));
      return q.id;
    }
    return undefined;
  }

  getQuery(id: number): QueryRow | undefined {
    this.store.flush();
    return this.store.db?.prepare("SELECT * FROM journal_queries WHERE id = ?").get(id) as QueryRow | undefined;
  }

  listQueries(f: {
    module?: string;
    outcome?: string;
    since?: number;
    until?: number;
    text?: string;
    before?: number;
    limit: number;
    runId?: number;
  }): { items: QueryRow[]; next: number | null } {
    const db = this.store.db;
    if (!db) return { items: [], next: null };
    this.store.flush();
    const where: string[] = [];
    const args: unknown[] = [];
    if (f.module) where.push("module = ?"), args.push(f.module);
    if (f.outcome) where.push("outcome = ?"), args.push(f.outcome);
    if (f.since !== undefined) where.push("ts >= ?"), args.push(f.since);
    if (f.until !== undefined) where.push("ts <= ?"), args.push(f.until);
    if (f.before !== undefined) where.push("id < ?"), args.push(f.before);
    if (f.runId !== undefined) where.push("run_id = ?"), args.push(f.runId);
    if (f.text) where.push("search LIKE ? ESCAPE '\\'"), args.push(`%${f.text.toLowerCase().replace(/[\\%_]/g, (c) => "\\" + c)}%`);
    const sql = `SELECT id, ts, module, kind, outcome, duration_ms, error, req_id, params, outbound, request_size, reply_size, run_id, post_id, replay_of
      FROM journal_queries ${where.length ? "WHERE " + where.join(" AND ") : ""} ORDER BY id DESC LIMIT ?`;
    const items = db.prepare(sql).all(...args, f.limit + 1) as QueryRow[];
    const more = items.length > f.limit;
    if (more) items.pop();
    return { items, next: more ? items[items.length - 1]!.id : null };
  }

  counts(): { queries: number } {
    const db = this.store.db;
    if (!db) return { queries: 0 };
    return { queries: (db.prepare("SELECT COUNT(*) AS n FROM journal_queries").get() as { n: number }).n };
  }
}
