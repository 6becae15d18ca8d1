import type { LoadedModule, ModuleRegistry } from "../core/registry/registry.js";
import { underscore } from "../engines/cakephp-hash/inflector.js";
import type { Database, Store } from "../services/store/store.js";
import { declaredSecrets, type Journal } from "./journal.js";
import { maskDeep, scrub, secretStrings } from "./masking.js";

// MISP's workflow debug stream (docs/console.md, "Debug receiver"). The HTTP side answers 200
// before anything here runs; accept() only queues the raw post. Processing (parse, mask, group
// into runs, link to our /query records) happens later in small slices, and the rows go through
// the store's batched queue.

export interface RawPost {
  /** Path after the receiver prefix: /<trigger>/<phase>[/<id>]?query */
  url: string;
  body: Buffer;
  receivedAt: number;
  contentType?: string;
}

interface RunState {
  id: number;
  trigger: string;
  kind: "run" | "child";
  blocking: boolean | null;
  started: number;
  last: number;
  ended: number | null;
  outcome: string | null;
  nodes: number;
  errors: number;
  initHash: string | null;
  endHash: string | null;
  /** What the run is about ("Event:<uuid>"), from its roaming data; null when unknown. */
  subject: string | null;
  /** MISP node ids of its exec posts, in order. */
  execNodes: string[];
}

export interface ReceiverStats {
  received: number;
  processed: number;
  malformed: number;
  dropped: number;
  pending: number;
}

/** An exec-only run (concurrent-task child) is closed after this much silence. */
const CHILD_IDLE_MS = 60_000;
/** An open init…end run with no post for this long is no longer extended. */
const RUN_IDLE_MS = 10 * 60_000;
const MAX_RAW_KEPT = 4096;
/** Open runs kept per trigger (the oldest is given up beyond). */
const MAX_OPEN_PER_TRIGGER = 64;

/** The roaming data of an init post: `{original, normalized}`. */
function initData(data: unknown): unknown {
  if (!data || typeof data !== "object") return undefined;
  const d = data as Record<string, unknown>;
  return d.normalized ?? d.original;
}

/**
 * What roaming data is about: the first top-level object with a uuid or an id ("Event:<uuid>",
 * "Attribute:<uuid>", "User:<id>"), or null.
 */
export function subjectOf(data: unknown): string | null {
  if (!data || typeof data !== "object" || Array.isArray(data)) return null;
  for (const [k, v] of Object.entries(data as Record<string, unknown>)) {
    if (!v || typeof v !== "object" || Array.isArray(v)) continue;
    const o = v as Record<string, unknown>;
    const id =
      typeof o.uuid === "string" && o.uuid ? o.uuid : typeof o.id === "string" || typeof o.id === "number" ? String(o.id) : undefined;
    if (id !== undefined) return `${k}:${id}`;
  }
  return null;
}

/** Node ids of an end post's `executed_nodes`, or null. */
function executedNodes(data: unknown): string[] | null {
  const nodes = data && typeof data === "object" ? (data as Record<string, unknown>).executed_nodes : undefined;
  if (!Array.isArray(nodes)) return null;
  return nodes.map((n) => (n && typeof n === "object" && "id" in n ? String((n as { id: unknown }).id) : ""));
}

export class DebugReceiver {
  private readonly pending: RawPost[] = [];
  private pendingBytes = 0;
  private scheduled = false;
  /** Open init…end runs per trigger: runs of one trigger may overlap (two publishes at once). */
  private readonly open = new Map<string, RunState[]>();
  private readonly children = new Map<string, RunState>();
  private nextRunId: number;
  private nextPostId: number;
  private lastData?: { raw: string; masked: string; originals: Record<string, unknown>; module: LoadedModule | undefined };
  private modulesVersion = -1;
  private readonly modulesById = new Map<string, LoadedModule>();
  readonly stats: ReceiverStats = { received: 0, processed: 0, malformed: 0, dropped: 0, pending: 0 };

  constructor(
    private readonly store: Store,
    private readonly journal: Journal,
    private readonly registry: ModuleRegistry,
    private readonly limits = { maxPending: 5000, maxPendingBytes: 512 * 1024 * 1024 },
  ) {
    const db = store.db;
    this.nextRunId = db ? ((db.prepare("SELECT MAX(id) AS m FROM journal_runs").get() as { m: number | null }).m ?? 0) + 1 : 1;
    this.nextPostId = db ? ((db.prepare("SELECT MAX(id) AS m FROM journal_posts").get() as { m: number | null }).m ?? 0) + 1 : 1;
  }

  /** Queues a post; never blocks, never throws. Over the bound the post is dropped and counted. */
  accept(post: RawPost): void {
    this.stats.received++;
    if (!this.store.ok) return;
    if (this.pending.length >= this.limits.maxPending || this.pendingBytes + post.body.length > this.limits.maxPendingBytes) {
      this.stats.dropped++;
      return;
    }
    this.pending.push(post);
    this.pendingBytes += post.body.length;
    this.stats.pending = this.pending.length;
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.drain());
    }
  }

  /** Processes queued posts in slices of a few milliseconds, yielding to the event loop between. */
  private drain(): void {
    // Short slices: a post arriving meanwhile waits at most this long for its 200.
    const until = performance.now() + 3;
    while (this.pending.length > 0 && performance.now() < until) {
      const post = this.pending.shift()!;
      this.pendingBytes -= post.body.length;
      try {
        this.process(post);
      } catch {
        this.stats.malformed++;
      }
      this.stats.processed++;
    }
    this.stats.pending = this.pending.length;
    if (this.pending.length > 0) setImmediate(() => this.drain());
    else this.scheduled = false;
  }

  /** Waits until every queued post is processed and written (tests, shutdown). */
  async settle(): Promise<void> {
    while (this.pending.length > 0 || this.scheduled) await new Promise((r) => setImmediate(r));
    this.store.flush();
  }

  /** Our module MISP's node id refers to (`Inflector::underscore(name)`), rebuilt when the registry changes. */
  private moduleFor(moduleId: string): LoadedModule | undefined {
    if (this.modulesVersion !== this.registry.version) {
      this.modulesById.clear();
      for (const m of this.registry.all()) this.modulesById.set(underscore(m.name), m).set(m.name, m);
      this.modulesVersion = this.registry.version;
    }
    return this.modulesById.get(moduleId);
  }

  /**
   * The run a post belongs to. MISP sends no run id (docs/console.md, "Runs"), so overlapping
   * runs of one trigger are told apart by what they are about — the subject of their roaming
   * data (the event's uuid for event triggers) — and an `end`, which carries no roaming data, goes
   * to the open run whose exec posts match its executed nodes.
   */
  private run(trigger: string, phase: string, at: number, subject: string | null, executed: string[] | null): RunState {
    const fresh = (kind: "run" | "child"): RunState => ({
      id: this.nextRunId++,
      trigger,
      kind,
      blocking: null,
      started: at,
      last: at,
      ended: null,
      outcome: null,
      nodes: 0,
      errors: 0,
      initHash: null,
      endHash: null,
      subject,
      execNodes: [],
    });
    const live = (this.open.get(trigger) ?? []).filter((r) => at - r.last < RUN_IDLE_MS);
    if (phase === "init") {
      const r = fresh("run");
      live.push(r);
      this.open.set(trigger, live.slice(-MAX_OPEN_PER_TRIGGER));
      return r;
    }
    if (live.length) this.open.set(trigger, live);
    else this.open.delete(trigger);
    const current = phase === "end" ? this.endingRun(live, executed) : this.execRun(live, subject);
    if (current) return current;
    // No open run: a concurrent-task child (exec only), or an end whose init we missed.
    const childKey = `${trigger}\u0000${subject ?? ""}`;
    const child = this.children.get(childKey);
    if (child && at - child.last < CHILD_IDLE_MS) return child;
    const r = fresh("child");
    this.children.set(childKey, r);
    if (this.children.size > 1000) this.children.delete(this.children.keys().next().value!);
    return r;
  }

  /** An exec post's run: the latest open one about the same subject (any open one when either subject is unknown). */
  private execRun(live: RunState[], subject: string | null): RunState | undefined {
    for (let i = live.length - 1; i >= 0; i--)
      if (subject === null || live[i]!.subject === null || live[i]!.subject === subject) return live[i];
    return undefined;
  }

  /**
   * An end post's run: the open run whose exec node ids are exactly the executed nodes, else
   * one that has posted as many nodes; among equals the one posted to last (MISP sends `end`
   * right after a run's last node). The oldest open run when nothing matches.
   */
  private endingRun(live: RunState[], executed: string[] | null): RunState | undefined {
    if (live.length <= 1 || executed === null) return live[0];
    const key = [...executed].sort().join(",");
    const pick = (ok: (r: RunState) => boolean) => live.filter(ok).sort((a, b) => b.last - a.last)[0];
    return pick((r) => [...r.execNodes].sort().join(",") === key) ?? pick((r) => r.execNodes.length === executed.length) ?? live[0];
  }

  private process(post: RawPost): void {
    const at = post.receivedAt;
    const qIndex = post.url.indexOf("?");
    const pathPart = qIndex >= 0 ? post.url.slice(0, qIndex) : post.url;
    const query = new URLSearchParams(qIndex >= 0 ? post.url.slice(qIndex + 1) : "");
    const segments = pathPart
      .split("/")
      .filter(Boolean)
      .map((s) => {
        try {
          return decodeURIComponent(s);
        } catch {
          return s;
        }
      });
    const [trigger = "", phase = "", target] = segments;
    const text = post.body.toString("utf8");
    let body: Record<string, unknown> | undefined;
    let malformed: string | null = null;
    try {
      const parsed: unknown = text.trim() === "" ? undefined : JSON.parse(text);
      if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) body = parsed as Record<string, unknown>;
      else malformed = "the body is not a JSON object";
    } catch (e) {
      malformed = `the body is not JSON (${(e as Error).message})`;
    }
    if (!["init", "exec", "end", "debug"].includes(phase)) malformed ??= `unknown path ${JSON.stringify(pathPart.slice(0, 200))}`;

    const source = (body?.source ?? {}) as Record<string, unknown>;
    const moduleId = typeof source.module_id === "string" && source.module_id !== "" ? source.module_id : (target ?? "");
    const ours = this.moduleFor(moduleId);
    const declared = declaredSecrets(ours);
    const originals: Record<string, unknown> = {};
    const params =
      source.parameters === undefined || source.parameters === "" ? null : maskDeep(source.parameters, declared, "parameters", originals);
    // MISP sends the same data with every node of a run: mask and serialise it once.
    let dataText: string | undefined;
    if (body?.data !== undefined) {
      const raw = JSON.stringify(body.data);
      const last = this.lastData;
      if (last && last.raw === raw && last.module === ours) {
        dataText = last.masked;
        Object.assign(originals, last.originals);
      } else {
        const dataOriginals: Record<string, unknown> = {};
        dataText = JSON.stringify(maskDeep(body.data, declared, "data", dataOriginals));
        Object.assign(originals, dataOriginals);
        this.lastData = { raw, masked: dataText, originals: dataOriginals, module: ours };
      }
    }
    const secrets = secretStrings(originals);
    if (dataText !== undefined && secrets.length) dataText = scrub(dataText, secrets);
    const errorsList = Array.isArray(body?.errors) ? (body!.errors as unknown[]).map((e) => scrub(String(e), secrets)) : null;
    const message = query.get("message");

    if (malformed) {
      this.stats.malformed++;
      const raw = scrub(text.slice(0, MAX_RAW_KEPT), secrets).replace(
        /("[^"]*(token|secret|password|passwd|key|auth|credential|headers)[^"]*"\s*:\s*)"[^"]*"/gi,
        '$1"••••masked••••"',
      );
      const id = this.nextPostId++;
      const row = {
        id,
        ts: at,
        phase: phase || "?",
        trigger,
        malformed: `${malformed}; first bytes: ${raw}`,
        path: pathPart.slice(0, 500),
      };
      this.store.enqueue((db) =>
        db
          .prepare(
            "INSERT INTO journal_posts (id, ts, phase, trigger, malformed, path) VALUES (@id, @ts, @phase, @trigger, @malformed, @path)",
          )
          .run(row),
      );
      return;
    }

    const run = this.run(
      trigger,
      phase,
      at,
      phase === "end" ? null : subjectOf(phase === "init" ? initData(body?.data) : body?.data),
      phase === "end" ? executedNodes(body?.data) : null,
    );
    const duration = phase === "exec" ? at - run.last : null;
    run.last = at;
    const result = phase === "exec" ? query.get("result") : null;
    const outcome = phase === "end" ? query.get("outcome") : null;
    if (phase === "init") run.blocking = query.get("type") === "blocking";
    if (phase === "exec") {
      run.nodes++;
      if (run.execNodes.length < 1000) run.execNodes.push(source.node_id === undefined ? "" : String(source.node_id));
      if (result && result !== "success") run.errors++;
    }
    if (phase === "end") {
      run.ended = at;
      run.outcome = outcome;
      const open = this.open.get(trigger);
      const at2 = open?.indexOf(run) ?? -1;
      if (at2 >= 0) open!.splice(at2, 1);
      if (open?.length === 0) this.open.delete(trigger);
    }
    if (run.kind === "child" && run.outcome === null) run.outcome = "child";
    const postId = this.nextPostId++;
    const queryId = phase === "exec" && moduleId ? this.journal.link(moduleId, run.id, postId, at) : undefined;
    const paramsText = params === null ? null : scrub(JSON.stringify(params), secrets);
    const { subject: _subject, execNodes: _execNodes, ...snapshot } = run;
    const capture = this.journal.capture;
    this.store.enqueue((db: Database) => {
      const ref = dataText !== undefined && capture === "full" ? this.store.putPayload(dataText, at) : undefined;
      if (phase === "init" && ref) snapshot.initHash = run.initHash = ref.hash;
      if (phase === "end" && ref) snapshot.endHash = run.endHash = ref.hash;
      db.prepare(
        `INSERT INTO journal_posts (id, run_id, ts, phase, trigger, module_id, node_id, result, message, outcome, errors, params, filters, data_hash, data_size, duration_ms, query_id, path, misp_ts)
         VALUES (@id, @run_id, @ts, @phase, @trigger, @module_id, @node_id, @result, @message, @outcome, @errors, @params, @filters, @data_hash, @data_size, @duration_ms, @query_id, @path, @misp_ts)`,
      ).run({
        id: postId,
        run_id: run.id,
        ts: at,
        phase,
        trigger,
        module_id: phase === "exec" || phase === "debug" ? moduleId : null,
        node_id: source.node_id === undefined || source.node_id === "" ? null : String(source.node_id),
        result,
        message: message === null ? null : scrub(message, secrets),
        outcome,
        errors: errorsList ? JSON.stringify(errorsList) : null,
        params: paramsText,
        filters: source.filters === undefined || source.filters === "" ? null : JSON.stringify(source.filters),
        data_hash: ref?.hash ?? null,
        data_size: dataText === undefined ? null : Buffer.byteLength(dataText),
        duration_ms: duration,
        query_id: queryId ?? null,
        path: pathPart.slice(0, 500),
        misp_ts: typeof body?.timestamp === "string" ? body.timestamp.slice(0, 64) : null,
      });
      db.prepare(
        `INSERT INTO journal_runs (id, trigger, kind, blocking, started, ended, outcome, nodes, errors, last, init_hash, end_hash)
         VALUES (@id, @trigger, @kind, @blocking, @started, @ended, @outcome, @nodes, @errors, @last, @initHash, @endHash)
         ON CONFLICT(id) DO UPDATE SET blocking = excluded.blocking, ended = excluded.ended, outcome = excluded.outcome, nodes = excluded.nodes,
           errors = excluded.errors, last = excluded.last, init_hash = COALESCE(excluded.init_hash, init_hash), end_hash = COALESCE(excluded.end_hash, end_hash)`,
      ).run({ ...snapshot, blocking: snapshot.blocking === null ? null : snapshot.blocking ? 1 : 0 });
    });
  }
}
