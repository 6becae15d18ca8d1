// Body of one template worker thread: renders Jinja templates off the server's event loop.
// The pool (pool.ts) kills this thread when a render overruns its wall-clock limit, so nothing
// here needs to be interruptible; the engine itself enforces output, range and loop limits.
import { readlinkSync } from "node:fs";
import { setPriority } from "node:os";
import { parentPort, workerData } from "node:worker_threads";
import { parseTemplateJson, renderJinja, TemplateError, type RenderLimits } from "./render.js";
import { MISSING, dictGet, isDict } from "./values.js";

/** Template used when MISP's request has no `template` key (reference parity, docs/modules.md#jinja_template_rendering). */
export const DEFAULT_TEMPLATE = "- Default template -";

/**
 * A render job as posted by the pool. `text` is MISP's JSON string, parsed here (once, off the main
 * thread). `cell` is the job's place on the pool's claim board (see ClaimBoard in claim-board.ts).
 */
export type RenderJob = { id: number; cell: number } & ({ text: string } | { template: string; data: unknown });

/** Plain-object form of a failure, since Error subclasses do not survive postMessage. */
export interface SerializedRenderError {
  /** Template kinds come from the engine; "request" means MISP's `text` was unusable. */
  kind: TemplateError["kind"] | "request" | "internal";
  message: string;
  pythonClass?: string;
  line?: number;
  column?: number;
}

export type RenderReply = { id: number; ok: true; output: string } | { id: number; ok: false; error: SerializedRenderError };

/** First message of every worker, sent once the engine is loaded. */
export interface WorkerReadyMessage {
  ready: true;
}

export interface TemplateWorkerData {
  limits?: Partial<RenderLimits>;
  /** Parsed-data cache size: entries (0 disables it) and total JSON characters. */
  dataCacheEntries?: number;
  dataCacheChars?: number;
  /** The pool's claim board: a job runs only if its cell still holds its id, which it swaps for -id. */
  claims?: Int32Array;
}

class RequestShapeError extends Error {}

/** Applies docs/protocol.md#jinja-rendering to MISP's `text`: JSON {template, data}; non-object data is an empty context. */
function readMispText(text: string): { template: string; data: unknown } {
  const split = splitPhpEncodedText(text);
  if (split) {
    const data = parsedDataCache.get(split.dataText);
    if (data !== undefined) return { template: split.template, data };
    const parsed = tryParse(split.dataText);
    if (parsed.ok) return { template: split.template, data: parsedDataCache.remember(split.dataText, asContext(parsed.value)) };
    // Not the usual shape after all (e.g. duplicate keys): the generic path below decides.
  }
  let parsed: unknown;
  try {
    parsed = parseTemplateJson(text);
  } catch (e) {
    throw new RequestShapeError(`text is not valid JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  // A plain object, or an ordered PyDict when the envelope has integer-like keys besides template/data.
  if (!isDict(parsed)) throw new RequestShapeError('text must be a JSON object {"template": ..., "data": ...}');
  const envelope = parsed;
  const member = (key: string): unknown => {
    const value = dictGet(envelope, key);
    return value === MISSING ? undefined : value;
  };
  const given = member("template");
  const template = given === undefined ? DEFAULT_TEMPLATE : given;
  if (typeof template !== "string") throw new RequestShapeError("template must be a string");
  return { template, data: asContext(member("data")) };
}

function asContext(data: unknown): unknown {
  return data !== null && typeof data === "object" && !Array.isArray(data) ? data : {};
}

/** `parse` (for data: parseTemplateJson, as Python's json.loads reads it) without throwing. */
function tryParse(text: string, parse: (text: string) => unknown = parseTemplateJson): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: parse(text) };
  } catch {
    return { ok: false };
  }
}

const TEMPLATE_PREFIX = '{"template":"';
const DATA_SEPARATOR = ',"data":';

/**
 * MISP builds `text` with PHP's json_encode(["template" => ..., "data" => ...]): compact, template
 * first. For that exact layout, cut out the template (small) and the raw data text without parsing
 * the data, so the data can be looked up in the cache. Any other layout returns undefined.
 */
function splitPhpEncodedText(text: string): { template: string; dataText: string } | undefined {
  if (!text.startsWith(TEMPLATE_PREFIX) || !text.endsWith("}")) return undefined;
  let quote = text.indexOf('"', TEMPLATE_PREFIX.length);
  for (;;) {
    if (quote < 0) return undefined;
    let backslashes = 0;
    while (text.charCodeAt(quote - 1 - backslashes) === 0x5c) backslashes++;
    if (backslashes % 2 === 0) break;
    quote = text.indexOf('"', quote + 1);
  }
  if (!text.startsWith(DATA_SEPARATOR, quote + 1)) return undefined;
  // A lone JSON string literal: no number in it for the faithful parser to look after.
  const template = tryParse(text.slice(TEMPLATE_PREFIX.length - 1, quote + 1), JSON.parse);
  if (!template.ok || typeof template.value !== "string") return undefined;
  return { template: template.value, dataText: text.slice(quote + 1 + DATA_SEPARATOR.length, -1) };
}

/**
 * Parsed roaming data by its exact JSON text. MISP uploads the same event once per templated
 * parameter of a workflow node; parsing it is the largest part of such a render. A template may
 * change the data as Jinja allows (`Event.Tag.append(...)`); renderJinja undoes every such change
 * before it returns (journal.ts), so a later render of the same data sees it as parsed.
 *
 * A text is kept only when it comes a second time: when every event is new (a busy MISP), keeping
 * each one costs more than it saves.
 * The first time, the data is parsed for that render alone and only the text is remembered.
 */
class ParsedDataCache {
  private readonly entries = new Map<string, unknown>();
  private cachedChars = 0;
  /** Texts seen once (the data itself was not kept), oldest first. */
  private readonly seen = new Set<string>();
  private seenChars = 0;

  constructor(
    private readonly maxEntries: number,
    private readonly maxTotalChars: number,
  ) {}

  get(dataText: string): unknown {
    const data = this.entries.get(dataText);
    if (data !== undefined) {
      // Most recently used goes last; eviction takes the first.
      this.entries.delete(dataText);
      this.entries.set(dataText, data);
    }
    return data;
  }

  /** Called with freshly parsed data after a get() miss; returns what the render should use. */
  remember(dataText: string, data: unknown): unknown {
    if (this.maxEntries === 0 || dataText.length > this.maxTotalChars / 4) return data;
    if (!this.seen.delete(dataText)) {
      this.seen.add(dataText);
      this.seenChars += dataText.length;
      for (const oldest of this.seen) {
        if (this.seen.size <= this.maxEntries && this.seenChars <= this.maxTotalChars) break;
        this.seen.delete(oldest);
        this.seenChars -= oldest.length;
      }
      return data;
    }
    this.seenChars -= dataText.length;
    this.entries.set(dataText, data);
    this.cachedChars += dataText.length;
    for (const [oldest] of this.entries) {
      if (this.entries.size <= this.maxEntries && this.cachedChars <= this.maxTotalChars) break;
      this.entries.delete(oldest);
      this.cachedChars -= oldest.length;
    }
    return data;
  }
}

const settings = (workerData as TemplateWorkerData | undefined) ?? {};
const parsedDataCache = new ParsedDataCache(settings.dataCacheEntries ?? 16, settings.dataCacheChars ?? 32 * 1024 * 1024);

function serializeError(e: unknown): SerializedRenderError {
  if (e instanceof TemplateError) {
    return { kind: e.kind, message: e.message, pythonClass: e.pythonClass, line: e.line, column: e.column };
  }
  if (e instanceof RequestShapeError) return { kind: "request", message: e.message };
  // Deep template recursion surfaces as a JS stack overflow: a resource limit, not an engine bug.
  if (e instanceof RangeError && /call stack/i.test(e.message)) {
    return { kind: "limit", message: "template recursion too deep", pythonClass: "RecursionError" };
  }
  // Likewise a value grown past what JavaScript can hold, should one slip past the engine's limits.
  if (e instanceof RangeError && /invalid (string|array|typed array) length/i.test(e.message)) {
    return { kind: "limit", message: `template produced a value too large (${e.message})`, pythonClass: "MemoryError" };
  }
  return { kind: "internal", message: e instanceof Error ? e.message : String(e) };
}

function runJob(job: RenderJob, limits: Partial<RenderLimits> | undefined): RenderReply {
  try {
    const { template, data } = "text" in job ? readMispText(job.text) : job;
    return { id: job.id, ok: true, output: renderJinja(template, data, limits) };
  } catch (e) {
    return { id: job.id, ok: false, error: serializeError(e) };
  }
}

/**
 * Lowers this thread's CPU priority (Linux: a thread id is accepted where a pid is), so that a
 * runaway template spinning here until the pool kills it never starves the server's event loop.
 */
function yieldCpuToEventLoop(): void {
  try {
    const threadId = Number(readlinkSync("/proc/thread-self").split("/").pop());
    if (Number.isInteger(threadId) && threadId > 0) setPriority(threadId, WORKER_NICENESS);
  } catch {
    // Not Linux or not permitted: stay at normal priority.
  }
}
const WORKER_NICENESS = 10;

const port = parentPort;
if (port) {
  yieldCpuToEventLoop();
  const claims = settings.claims;
  port.on("message", (job: RenderJob) => {
    // Withdrawn by the pool (timed out, aborted or moved to another worker) while it waited here.
    if (claims && Atomics.compareExchange(claims, job.cell, job.id, -job.id) !== job.id) return;
    port.postMessage(runJob(job, settings.limits));
  });
  port.postMessage({ ready: true } satisfies WorkerReadyMessage);
}
