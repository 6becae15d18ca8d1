import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import { codeFileUrl, codePath, RUNNING_FROM_SOURCE } from "../package-info.js";

// The main thread's side of the journal's digest thread (digest-worker.ts). A large payload is
// handed over as bytes (one copy, a memcpy) and comes back masked, hashed and cut to the
// payload cap. The bytes waiting or in work are bounded: past the bound a payload is not
// captured (the caller keeps its metadata and size), so a burst of huge bodies never piles up
// copies in memory. The thread runs at a lower priority than the server's and exits when idle,
// which also gives its heap back.

export interface DigestTask {
  id: number;
  kind: "request" | "reply";
  /** The payload: bytes as received, or text (a reply). */
  bytes?: Uint8Array;
  text?: string;
  /** Request: parameter names the module declares secret. */
  declared: string[];
  /** Reply: secret strings to scrub. */
  secrets: string[];
  /** Payload cap: longer texts keep their size and hash and this many bytes. */
  cap: number;
  /** Creation time of the payload row. */
  now: number;
}

export interface DigestReply {
  id: number;
  error?: string;
  hash?: string;
  size?: number;
  truncated?: boolean;
  /** The text, when the thread has no database to write it to. */
  body?: string;
  /** True when the thread wrote the payload row itself. */
  stored?: boolean;
  originals?: Record<string, unknown>;
  secrets?: string[];
}

export type Digest = Omit<DigestReply, "error"> & { hash: string; size: number; truncated: boolean };

const WORKER_SCRIPT = RUNNING_FROM_SOURCE ? pathToFileURL(codePath("console/digest-entry.mjs")) : codeFileUrl("console/digest-worker");
const WORKER_MODULE = codeFileUrl("console/digest-worker").href;

export interface DigesterOptions {
  /** Bytes waiting or in work at most. Default 64 MiB. */
  maxBytes?: number;
  /** The thread exits after this long without work (its heap with it). Default 5 s. */
  idleMs?: number;
  /** Heap of the thread (MB). Default 512. */
  heapMb?: number;
  /** The store's database file: the thread writes payload rows itself. */
  dbPath?: string;
}

export class Digester {
  private worker: Worker | undefined;
  private nextId = 1;
  private readonly waiting = new Map<number, { size: number; resolve: (r: DigestReply) => void }>();
  private held = 0;
  private idleTimer: NodeJS.Timeout | undefined;
  private readonly maxBytes: number;
  private readonly idleMs: number;
  private readonly heapMb: number;
  /** Payloads not captured because the bound was reached. */
  skipped = 0;

  constructor(opts: DigesterOptions = {}) {
    this.maxBytes = opts.maxBytes ?? 64 * 1024 * 1024;
    this.idleMs = opts.idleMs ?? 5_000;
    this.heapMb = opts.heapMb ?? 512;
    this.dbPath = opts.dbPath;
  }
  private readonly dbPath: string | undefined;

  get pending(): number {
    return this.waiting.size;
  }

  /**
   * Queues a payload; undefined when the bound is reached (nothing was copied). With `take`, a
   * Buffer that owns its whole memory is moved to the thread instead of copied (it is empty
   * afterwards): copying 20 MB into fresh pages cost the event loop 40-60 ms here.
   */
  submit(
    kind: DigestTask["kind"],
    data: Buffer | string,
    opts: { declared?: Iterable<string>; secrets?: readonly string[]; cap: number; take?: boolean },
  ): Promise<Digest> | undefined {
    const size = typeof data === "string" ? data.length : data.byteLength;
    if (this.held + size > this.maxBytes && this.held > 0) {
      this.skipped++;
      return undefined;
    }
    const id = this.nextId++;
    this.held += size;
    clearTimeout(this.idleTimer);
    const payload = typeof data === "string" ? { text: data } : { bytes: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
    const task: DigestTask = {
      id,
      kind,
      ...payload,
      declared: [...(opts.declared ?? [])],
      secrets: [...(opts.secrets ?? [])],
      cap: opts.cap,
      now: Date.now(),
    };
    const movable =
      opts.take &&
      typeof data !== "string" &&
      data.byteOffset === 0 &&
      data.byteLength === data.buffer.byteLength &&
      !(data.buffer instanceof SharedArrayBuffer);
    return new Promise<Digest>((resolve, reject) => {
      this.waiting.set(id, {
        size,
        resolve: (r) => (r.error === undefined ? resolve(r as Digest) : reject(new Error(r.error))),
      });
      try {
        // Moved, or copied when the buffer is a view into a larger one or a string.
        if (movable) this.thread().postMessage(task, [(data as Buffer).buffer as ArrayBuffer]);
        else this.thread().postMessage(task);
      } catch (e) {
        this.settle({ id, error: (e as Error).message });
      }
    });
  }

  private settle(r: DigestReply): void {
    const w = this.waiting.get(r.id);
    if (!w) return;
    this.waiting.delete(r.id);
    this.held -= w.size;
    w.resolve(r);
    if (this.waiting.size === 0) {
      clearTimeout(this.idleTimer);
      this.idleTimer = setTimeout(() => this.stop(), this.idleMs);
      this.idleTimer.unref();
    }
  }

  private thread(): Worker {
    if (this.worker) return this.worker;
    const w = new Worker(WORKER_SCRIPT, {
      workerData: { workerModule: WORKER_MODULE, dbPath: this.dbPath },
      resourceLimits: { maxOldGenerationSizeMb: this.heapMb },
      name: "journal digest",
    });
    w.unref();
    w.on("message", (r: DigestReply) => this.settle(r));
    const fail = (why: string) => {
      if (this.worker !== w) return;
      this.worker = undefined;
      for (const id of [...this.waiting.keys()]) this.settle({ id, error: `digest thread ${why}` });
    };
    w.on("error", (e) => fail(`failed: ${e.message}`));
    w.on("exit", (code) => fail(`exited (code ${code})`));
    this.worker = w;
    return w;
  }

  /** Waits until every queued payload is digested (shutdown, tests), at most `ms`. */
  async drain(ms = 10_000): Promise<void> {
    const until = Date.now() + ms;
    while (this.waiting.size > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
  }

  stop(): void {
    clearTimeout(this.idleTimer);
    const w = this.worker;
    this.worker = undefined;
    if (w) void w.terminate();
  }
}
