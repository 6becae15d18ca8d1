// Body of one template worker thread: renders Jinja templates off the server's event loop.
// The pool (pool.ts) kills this thread when a render overruns its wall-clock limit, so nothing
// here needs to be interruptible; the engine itself enforces output, range and loop limits.
import { parentPort, workerData } from "node:worker_threads";
import { renderJinja, TemplateError, type RenderLimits } from "./render.js";

/** Template used when MISP's request has no `template` key (reference parity, MODULES §10). */
export const DEFAULT_TEMPLATE = "- Default template -";

/** A render job as posted by the pool. `text` is MISP's JSON string, parsed here (once, off the main thread). */
export type RenderJob =
  | { id: number; text: string }
  | { id: number; template: string; data: unknown };

/** Plain-object form of a failure, since Error subclasses do not survive postMessage. */
export interface SerializedRenderError {
  /** Template kinds come from the engine; "request" means MISP's `text` was unusable. */
  kind: TemplateError["kind"] | "request" | "internal";
  message: string;
  pythonClass?: string;
  line?: number;
  column?: number;
}

export type RenderReply =
  | { id: number; ok: true; output: string }
  | { id: number; ok: false; error: SerializedRenderError };

/** First message of every worker, sent once the engine is loaded. */
export interface WorkerReadyMessage { ready: true }

export interface TemplateWorkerData {
  limits?: Partial<RenderLimits>;
}

class RequestShapeError extends Error {}

/** Applies PROTOCOL §8 to MISP's `text`: JSON {template, data}; non-object data is an empty context. */
function readMispText(text: string): { template: string; data: unknown } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new RequestShapeError(`text is not valid JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new RequestShapeError('text must be a JSON object {"template": ..., "data": ...}');
  }
  const request = parsed as Record<string, unknown>;
  const template = request.template === undefined ? DEFAULT_TEMPLATE : request.template;
  if (typeof template !== "string") throw new RequestShapeError("template must be a string");
  const data = request.data;
  const isMapping = data !== null && typeof data === "object" && !Array.isArray(data);
  return { template, data: isMapping ? data : {} };
}

function serializeError(e: unknown): SerializedRenderError {
  if (e instanceof TemplateError) {
    return { kind: e.kind, message: e.message, pythonClass: e.pythonClass, line: e.line, column: e.column };
  }
  if (e instanceof RequestShapeError) return { kind: "request", message: e.message };
  // Deep template recursion surfaces as a JS stack overflow: a resource limit, not an engine bug.
  if (e instanceof RangeError && /call stack/i.test(e.message)) {
    return { kind: "limit", message: "template recursion too deep", pythonClass: "RecursionError" };
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

const port = parentPort;
if (port) {
  const limits = (workerData as TemplateWorkerData | undefined)?.limits;
  port.on("message", (job: RenderJob) => port.postMessage(runJob(job, limits)));
  port.postMessage({ ready: true } satisfies WorkerReadyMessage);
}
