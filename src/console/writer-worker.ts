import { readlinkSync } from "node:fs";
import { setPriority } from "node:os";
import { parentPort, workerData } from "node:worker_threads";
import type { LoadedModule, ModuleRegistry } from "../core/registry/registry.js";
import type { QueryEnd } from "../core/runtime/observer.js";
import { Store } from "../services/store/store.js";
import { type CaptureMode, Journal, LARGE_PAYLOAD } from "./journal.js";
import { DebugReceiver } from "./receiver.js";
import type { FromWriter, ModuleFacts, QueryMessage, ToWriter } from "./writer.js";

// The journal's writer thread (docs/console.md, "Writer thread"): the one place that masks,
// serialises, hashes and writes /query records and MISP's debug posts, on a SQLite connection
// of its own. The server's event loop only hands it messages (writer.ts) and reads.

const port = parentPort!;
const send = (m: FromWriter) => port.postMessage(m);
const cfg = workerData as { dataDir: string; payloadCap: number; retentionMs: number; maxBytes: number; capture: CaptureMode };

const store = new Store({
  dataDir: cfg.dataDir,
  attach: true,
  payloadCap: cfg.payloadCap,
  retentionMs: cfg.retentionMs,
  maxBytes: cfg.maxBytes,
  // Larger transactions cost less per row (a commit is ~0.8 ms here); readers sync first (writer.ts).
  flushMs: 100,
  maxQueue: 1_000_000,
  log: {
    info: (obj, msg) => send({ t: "log", level: "info", obj, msg }),
    warn: (obj, msg) => send({ t: "log", level: "warn", obj, msg }),
    error: (obj, msg) => send({ t: "log", level: "error", obj, msg }),
  },
});
if (!store.ok) {
  send({ t: "fail", reason: store.state.ok ? "the writer thread could not open the store" : store.state.reason });
  process.exit(1);
}

/** The modules the server serves, as far as masking and records need them. */
class ModuleFactsRegistry {
  version = 0;
  private mods: LoadedModule[] = [];
  private readonly byName = new Map<string, LoadedModule>();
  set(facts: ModuleFacts[]): void {
    this.byName.clear();
    this.mods = facts.map((f) => {
      const m = {
        name: f.name,
        params: f.secretParams.map((p) => ({ ...p, spec: { secret: true } })),
        def: { kind: f.kind, settings: Object.fromEntries(f.secretSettings.map((k) => [k, { secret: true }])) },
      } as unknown as LoadedModule;
      this.byName.set(f.name, m);
      return m;
    });
    this.version++;
  }
  all(): LoadedModule[] {
    return this.mods;
  }
  get(name: string): LoadedModule | undefined {
    return this.byName.get(name);
  }
}

const registry = new ModuleFactsRegistry();
const journal = new Journal(store, registry as unknown as ModuleRegistry, cfg.capture);
// The server bounds what it hands over; here every post is taken.
const receiver = new DebugReceiver(store, journal, registry as unknown as ModuleRegistry, {
  maxPending: Number.MAX_SAFE_INTEGER,
  maxPendingBytes: Number.MAX_SAFE_INTEGER,
});

// Background work: the server's event loop goes first when both want a core.
try {
  setPriority(Number(readlinkSync("/proc/thread-self").split("/").pop()), 5);
} catch {
  // Not Linux or not permitted.
}

/** Sizes of the posts taken and not yet processed, oldest first (the server's byte bound). */
const postSizes: number[] = [];
let queriesTaken = 0;
let reportedProcessed = 0;
let reportedMalformed = 0;
let statsTimer: NodeJS.Timeout | undefined;

/** Tells the server what is done since the last report (its bounds and counters). */
function report(): void {
  clearTimeout(statsTimer);
  statsTimer = undefined;
  const posts = receiver.stats.processed - reportedProcessed;
  let bytes = 0;
  for (const size of postSizes.splice(0, posts)) bytes += size;
  const malformed = receiver.stats.malformed - reportedMalformed;
  reportedProcessed += posts;
  reportedMalformed += malformed;
  send({ t: "stats", posts, bytes, queries: queriesTaken, malformed, written: store.written, dropped: store.dropped });
  queriesTaken = 0;
  if (postSizes.length > 0) scheduleReport();
}

function scheduleReport(): void {
  statsTimer ??= setTimeout(report, 20);
}

/**
 * A query's end as the thread received it. The journal reads `reply` only for its `error`: a
 * reply whose text cannot hold that key is not parsed (our replies come from JSON.stringify,
 * which writes keys as they are), nor is a large one (journal.ts never reads it). A class, not
 * an object literal with a getter: defining the accessor per query cost more than the parse.
 */
class ReceivedEnd implements QueryEnd {
  private parsed: Record<string, unknown> | undefined;
  constructor(
    readonly json: string,
    readonly outcome: string,
    readonly durationMs: number,
    readonly secretValues: readonly string[],
  ) {}
  get reply(): Record<string, unknown> {
    if (this.parsed === undefined) {
      try {
        this.parsed =
          this.json.length <= LARGE_PAYLOAD && this.json.includes('"error"') ? (JSON.parse(this.json) as Record<string, unknown>) : {};
      } catch {
        this.parsed = {};
      }
    }
    return this.parsed;
  }
}

function recordQuery(m: QueryMessage): void {
  const mod = m.module === null ? undefined : registry.get(m.module);
  const raw = m.raw === undefined || typeof m.raw === "string" ? m.raw : Buffer.from(m.raw.buffer, m.raw.byteOffset, m.raw.byteLength);
  const end = new ReceivedEnd(m.json, m.outcome, m.durationMs, m.secretValues);
  const capture = journal.capture;
  journal.capture = m.capture;
  journal.record(
    {
      id: m.id,
      calls: m.calls,
      start: { body: m.body, module: mod, headers: m.headers, reqId: m.reqId, startedAt: m.startedAt, rawBody: raw },
    },
    end,
  );
  journal.capture = capture;
}

async function settle(): Promise<void> {
  await receiver.settle();
  await journal.settle(10_000);
  store.flush();
}

port.on("message", (batch: ToWriter[]) => {
  for (const m of batch) {
    try {
      switch (m.t) {
        case "q":
          queriesTaken++;
          recordQuery(m);
          break;
        case "p":
          postSizes.push(m.body.byteLength);
          receiver.accept({
            url: m.url,
            body: Buffer.from(m.body.buffer, m.body.byteOffset, m.body.byteLength),
            receivedAt: m.receivedAt,
            contentType: m.contentType,
          });
          break;
        case "m":
          registry.set(m.modules);
          break;
        case "prune":
          for (const r of m.rules) store.addRetention(r);
          for (const q of m.refs) store.addPayloadRefs(q);
          store.prune();
          break;
        case "v": {
          // Originals of masked values stay on this thread, never in the store; a replay asks for
          // its own, after what was handed over before is written (the query may be in a batch).
          const { n, id } = m;
          void settle().then(() => send({ t: "originals", n, originals: journal.vault.get(id) ?? null }));
          break;
        }
        case "s": {
          const n = m.n;
          void settle().then(() => {
            report();
            send({ t: "synced", n });
          });
          break;
        }
        case "close":
          void settle().then(() => {
            report();
            journal.digester.stop();
            store.close();
            process.exit(0);
          });
          break;
      }
    } catch (e) {
      send({ t: "log", level: "error", obj: { err: (e as Error).message }, msg: "journal writer: a record was lost" });
    }
  }
  scheduleReport();
});

send({ t: "ready" });
