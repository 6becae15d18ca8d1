import { performance } from "node:perf_hooks";
import { echoInput } from "../echo.js";
import type { CallRecord } from "../../services/http/client.js";
import { isHttpError } from "../../services/http/types.js";
import { redactByName, redactUrl, scrubSecrets } from "../../services/secrets/scrub.js";
import { isModuleError, ModuleError } from "../../sdk/errors.js";
import type { ModuleRegistry, LoadedModule } from "../registry/registry.js";
import { prepareActionInput } from "./action-input.js";
import { createModuleContext, type DeliveryRun } from "./context.js";
import { prepareExpansionInput } from "./expansion-input.js";
import { refusalMessage } from "./concurrency.js";
import type { QueryEnd } from "./observer.js";
import type { Services } from "./services.js";
import { errorText } from "../protocol/errors.js";

// Runs one /query: finds the module, prepares its input, enforces the deadline and turns
// every outcome into a protocol reply (docs/protocol.md#post-query). Never throws.

export type Outcome = "ok" | "error" | "timeout" | "unknown_module" | "crash";

export interface QueryResult {
  reply: Record<string, unknown>;
  /** `reply` as JSON text: what goes on the wire (always valid JSON, see encodeReply). */
  json: string;
  outcome: Outcome;
  module?: string;
  durationMs: number;
}

class DeadlineExceeded extends Error {
  constructor(readonly ms: number) {
    super(`deadline of ${ms} ms exceeded`);
  }
}

const MAX_ERROR_LENGTH = 4000;

function capped(s: string): string {
  const t = s.trim();
  return t.length > MAX_ERROR_LENGTH ? t.slice(0, MAX_ERROR_LENGTH - 1) + "…" : t;
}

/** Unexpected errors are folded onto one line; modules' own messages may be line-oriented (guards). */
function oneLine(s: string): string {
  return capped(s.replace(/\s*[\r\n]+\s*/g, " "));
}

/**
 * Text for any thrown value, without ever throwing: modules may throw null, a symbol, an object
 * whose `message` getter or `toString` throws, a revoked Proxy... Such a throw must still become
 * a 200 reply with an `error` (MISP counts a 500 as success for a blocking guard).
 */
export function describeThrown(err: unknown): { message: string; stack?: string } {
  const text = (v: unknown): string | undefined => {
    try {
      if (typeof v === "string") return v;
      if (v === null || v === undefined) return String(v);
      if (typeof v === "symbol") return v.toString();
      if (typeof v !== "object" && typeof v !== "function") return String(v);
      const s: unknown = String(v);
      return typeof s === "string" ? s : undefined;
    } catch {
      return undefined;
    }
  };
  if (err === null || typeof err !== "object")
    return { message: `${typeof err === "function" ? "a function" : (text(err) ?? typeof err)} was thrown` };
  let message: unknown;
  let stack: unknown;
  try {
    message = (err as { message?: unknown }).message;
  } catch {
    message = undefined;
  }
  try {
    stack = (err as { stack?: unknown }).stack;
  } catch {
    stack = undefined;
  }
  const m = typeof message === "string" ? message : (text(err) ?? "an object that cannot be shown as text was thrown");
  return { message: m, stack: typeof stack === "string" ? stack : undefined };
}

const UNENCODABLE = JSON.stringify({ error: errorText("REPLY_UNENCODABLE") });

/**
 * JSON text for a reply. A module may return what JSON cannot encode (a BigInt, a cycle, a
 * throwing toJSON or getter, a Proxy, nesting too deep for the encoder): that becomes the
 * module's error reply, never an exception that would reach Fastify as a 500.
 */
function encodeReply(
  mod: LoadedModule | undefined,
  reply: Record<string, unknown>,
): { reply: Record<string, unknown>; json: string; failure?: string } {
  try {
    const json = JSON.stringify(reply);
    if (typeof json === "string") return { reply, json };
    throw new TypeError("the reply encodes to nothing");
  } catch (e) {
    const why = oneLine(describeThrown(e).message);
    const message = errorText("REPLY_NOT_ENCODABLE", why);
    let fallback: Record<string, unknown> = { error: mod ? `${mod.name}: ${message}` : message };
    try {
      if (mod) fallback = errorReply(mod, message);
      return { reply: fallback, json: JSON.stringify(fallback), failure: why };
    } catch {
      return { reply: JSON.parse(UNENCODABLE) as Record<string, unknown>, json: UNENCODABLE, failure: why };
    }
  }
}

/** Parameter values for a debug log line: declared-secret and secret-looking ones redacted. */
function redactParamsForLog(mod: LoadedModule, params: Record<string, unknown>): Record<string, unknown> {
  const secretKeys = new Set(mod.params.filter((p) => p.spec.secret).flatMap((p) => [p.id, p.name]));
  const urlKeys = new Set(mod.params.filter((p) => p.spec.kind === "url").flatMap((p) => [p.id, p.name]));
  const out = redactByName(params);
  for (const k of Object.keys(out)) {
    if (secretKeys.has(k) && out[k] !== "") out[k] = "[redacted]";
    // A URL keeps its host and path in the log; userinfo and query values are credentials.
    else if (urlKeys.has(k) && typeof out[k] === "string") out[k] = redactUrl(out[k]);
  }
  return out;
}

/** Time kept between our deadline and the caller's own timeout, so our error reply arrives first. */
export const CALLER_TIMEOUT_MARGIN_MS = 1000;

/**
 * The deadline for this request: a body `timeout` (seconds; the reference's parameter, and
 * what recent MISP versions send as their own client timeout) less a margin, else the
 * module's configured deadline, else the server's.
 */
export function deadlineFor(mod: LoadedModule, body: Record<string, unknown>, services: Services): number {
  return Math.min(MAX_TIMER_MS, requestedDeadline(mod, body, services));
}

/**
 * Longest delay setTimeout honours (2^31-1 ms, about 24.8 days): a longer one fires at once,
 * which made a body `timeout` of 2147485 s or more answer "Timeout" immediately.
 */
export const MAX_TIMER_MS = 2_147_483_647;

function requestedDeadline(mod: LoadedModule, body: Record<string, unknown>, services: Services): number {
  const t = body.timeout;
  if (typeof t === "number" && Number.isInteger(t) && t > 0) return Math.max(t * 1000 - CALLER_TIMEOUT_MARGIN_MS, Math.min(t * 1000, 500));
  const configured = Number(services.config.modules[mod.name]?.timeoutMs);
  if (Number.isInteger(configured) && configured > 0) return configured;
  return mod.def.timeoutMs ?? services.config.deadlineMs;
}

export function errorReply(mod: LoadedModule, message: string): Record<string, unknown> {
  if (mod.def.kind === "action") {
    const prefixed = message.startsWith(`${mod.name}:`) ? message : `${mod.name}: ${message}`;
    return { error: prefixed };
  }
  if (mod.def.errorReply) {
    try {
      const r = mod.def.errorReply(message);
      if (r && typeof r === "object" && typeof r.error === "string") return r;
    } catch {
      // A module's own error shape that fails falls back to the plain one.
    }
  }
  return { error: message, results: [] };
}

/** Makes sure a module's reply is a JSON object whose `error`, if any, is a non-empty string. */
function normaliseReply(mod: LoadedModule, value: unknown): Record<string, unknown> {
  if (mod.def.kind === "action") {
    if (value === undefined || value === true) return { data: true };
    if (value && typeof value === "object" && !Array.isArray(value) && "data" in value) return { data: (value as { data: unknown }).data };
    return { data: true };
  }
  if (!value || typeof value !== "object" || Array.isArray(value)) throw new Error(errorText("NO_REPLY_OBJECT"));
  const reply = value as Record<string, unknown>;
  if ("error" in reply && (typeof reply.error !== "string" || reply.error === "")) {
    throw new Error(errorText("BAD_ERROR_FIELD"));
  }
  return reply;
}

/** Why a query was told to give up before its deadline (a server shutdown). */
class Stopped extends Error {}

export interface RunQueryOptions {
  /**
   * The request body as received (JSON text). An isolated module gets it as is instead of a
   * JSON.stringify of `body`; it must be the text `body` was parsed from.
   */
  rawBody?: string | Buffer;
  /** The deadline, when the caller computed it already (a module's isolate gets it from the server). */
  deadlineMs?: number;
  /** Ends the query early with an error reply in the module's format (a server shutdown). */
  stop?: AbortSignal;
  /** Request headers, for a query observer (the console's journal). */
  headers?: Record<string, string | string[] | undefined>;
  /** Set by the outbox worker: the stored delivery runs now (never queued again). */
  deliveryRun?: DeliveryRun;
  /** Told about the value a failed handler threw (the outbox classifies it). */
  onThrown?(err: unknown): void;
}

// The two lazy results below are classes: their getters live on the prototype. An object
// literal with a getter builds a new accessor and closure each time it is evaluated, which
// measured 3 µs per query (a CPU profile under load, docs/operations-runtime.md, "Metrics").

/** An isolated module's result: its reply arrives as JSON text and is parsed only if someone reads it. */
class IsolatedResult implements QueryResult {
  private parsed: Record<string, unknown> | undefined;
  readonly durationMs: number;
  constructor(
    readonly json: string,
    readonly outcome: Outcome,
    readonly module: string,
    started: number,
  ) {
    this.durationMs = performance.now() - started;
  }
  get reply(): Record<string, unknown> {
    this.parsed ??= JSON.parse(this.json) as Record<string, unknown>;
    return this.parsed;
  }
}

/**
 * What an observer gets at the end of a query. It must not close over runQuery's scope, which
 * holds the parsed body: the observer keeps this object until its batched write, and a parsed
 * event kept that long is promoted out of the young generation (measured: +100 µs of garbage
 * collection per 33 KiB query). Its reply is read through (for an isolated module, parsed only
 * if the observer reads it).
 */
class QueryEndView implements QueryEnd {
  readonly json: string;
  readonly outcome: string;
  readonly durationMs: number;
  constructor(
    private readonly result: QueryResult,
    readonly secretValues: readonly string[],
  ) {
    this.json = result.json;
    this.outcome = result.outcome;
    this.durationMs = result.durationMs;
  }
  get reply(): Record<string, unknown> {
    return this.result.reply;
  }
}

export async function runQuery(
  body: Record<string, unknown>,
  registry: ModuleRegistry,
  services: Services,
  reqId?: string,
  options: RunQueryOptions = {},
): Promise<QueryResult> {
  const started = performance.now();
  const name = body.module as string;
  const mod = registry.get(name);
  const secretValues: string[] = [];
  const observation = services.observer?.begin({
    body,
    module: mod,
    reqId,
    headers: options.headers,
    rawBody: options.rawBody,
    startedAt: Date.now(),
  });
  if (!observation) return runModule(body, mod, name, services, started, secretValues, options, reqId);
  const onCall = observation.outbound && ((c: CallRecord) => observation.outbound?.(c));
  const result = await runModule(body, mod, name, services, started, secretValues, options, reqId, onCall);
  try {
    observation.end(new QueryEndView(result, secretValues));
  } catch {
    /* an observer never changes the reply */
  }
  return result;
}

async function runModule(
  body: Record<string, unknown>,
  mod: LoadedModule | undefined,
  name: string,
  services: Services,
  started: number,
  secretValues: string[],
  options: RunQueryOptions,
  reqId?: string,
  onCall?: (call: CallRecord) => void,
): Promise<QueryResult> {
  const stop = options.stop;
  if (!mod) {
    const reply = { error: errorText("UNKNOWN_MODULE", echoInput(String(name))) };
    return { reply, json: JSON.stringify(reply), outcome: "unknown_module", durationMs: performance.now() - started };
  }
  // Queued delivery (docs/delivery.md): validated and stored now, sent by the outbox worker.
  if (!options.deliveryRun && services.outbox && mod.def.kind === "action" && services.outbox.queues(mod, body)) {
    let timer: NodeJS.Timeout | undefined;
    try {
      // A backend that does not answer (Redis unreachable) must not hold MISP past its timeout.
      const limitMs = options.deadlineMs ?? deadlineFor(mod, body, services);
      const late = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(errorText("QUEUE_TIMEOUT", limitMs))), limitMs);
      });
      const queued = await Promise.race([services.outbox.intercept(mod, body), late]);
      if (queued) {
        if (!queued.ok) secretValues.push(...queued.secretValues);
        const reply = queued.ok ? { data: true } : errorReply(mod, oneLine(scrubSecrets(queued.error, secretValues)));
        return {
          reply,
          json: JSON.stringify(reply),
          outcome: queued.ok ? "ok" : "error",
          module: name,
          durationMs: performance.now() - started,
        };
      }
    } catch (e) {
      const reply = errorReply(mod, errorText("QUEUE_FAILED", oneLine(describeThrown(e).message)));
      return { reply, json: JSON.stringify(reply), outcome: "error", module: name, durationMs: performance.now() - started };
    } finally {
      clearTimeout(timer);
    }
  }
  const deadlineMs = options.deadlineMs ?? deadlineFor(mod, body, services);
  // The module's concurrency cap (concurrency.ts): a wait in its queue counts against the deadline.
  const gate = services.gates?.get(name);
  if (!gate || gate.tryEnter()) {
    try {
      return await runAdmitted(body, mod, name, services, started, secretValues, options, deadlineMs, reqId, onCall);
    } finally {
      gate?.leave();
    }
  }
  const waitFrom = performance.now();
  const got = await gate.wait(Math.min(deadlineMs, gate.limits.queueTimeoutMs ?? Math.floor(deadlineMs / 2)), stop);
  const waited = performance.now() - waitFrom;
  if (got !== true) {
    const reply = errorReply(mod, refusalMessage(got, gate.limits, waited));
    return { reply, json: JSON.stringify(reply), outcome: "error", module: name, durationMs: performance.now() - started };
  }
  try {
    const left = Math.max(1, Math.floor(deadlineMs - waited));
    return await runAdmitted(body, mod, name, services, started, secretValues, options, left, reqId, onCall);
  } finally {
    gate.leave();
  }
}

async function runAdmitted(
  body: Record<string, unknown>,
  mod: LoadedModule,
  name: string,
  services: Services,
  started: number,
  secretValues: string[],
  options: RunQueryOptions,
  deadlineMs: number,
  reqId?: string,
  onCall?: (call: CallRecord) => void,
): Promise<QueryResult> {
  const stop = options.stop;
  if (mod.isolate) {
    // Parameters, secrets, the handler and its error reply are all dealt with in the isolate.
    const running = mod.isolate.run({
      body: options.rawBody === undefined ? JSON.stringify(body) : options.rawBody.toString("utf8"),
      deadlineMs,
      reqId,
    });
    // A shutdown (stop) answers at once in the module's format, as for in-process modules.
    const stopped = stop
      ? new Promise<string>((resolve) => {
          const onStop = () => resolve((stop.reason as Error)?.message ?? errorText("QUERY_STOPPED"));
          if (stop.aborted) onStop();
          else stop.addEventListener("abort", onStop, { once: true });
        })
      : undefined;
    const r = stopped ? await Promise.race([running, stopped]) : await running;
    if (typeof r === "string") {
      const reply = errorReply(mod, r);
      return new IsolatedResult(JSON.stringify(reply), "timeout", name, started);
    }
    return new IsolatedResult(r.json, r.outcome, name, started);
  }
  // The AbortController is made only when the handler asks for ctx.signal or ctx.http: creating
  // one per query showed in profiles, and most handlers need neither.
  let controller: AbortController | undefined;
  let abortReason: Error | undefined;
  const signal = (): AbortSignal => {
    if (!controller) {
      controller = new AbortController();
      if (abortReason) controller.abort(abortReason);
    }
    return controller.signal;
  };
  let timer: NodeJS.Timeout | undefined;
  // A child logger only when something is logged: most queries log nothing here.
  const log = () => services.log.child({ reqId, module: mod.name });
  if (services.log.isLevelEnabled("debug")) {
    // Parameter values only at debug level, secret-looking ones redacted; never the data.
    const p =
      body.params && typeof body.params === "object" && !Array.isArray(body.params)
        ? redactParamsForLog(mod, body.params as Record<string, unknown>)
        : {};
    const keys = Object.keys(body);
    log().debug(
      {
        params: p,
        keys:
          keys.length > 50
            ? [...keys.slice(0, 50).map((k) => echoInput(k, 100)), `… (${keys.length} keys)`]
            : keys.map((k) => echoInput(k, 100)),
      },
      "query received",
    );
  }

  const finish = (raw: Record<string, unknown>, outcome: Outcome): QueryResult => {
    const { reply, json, failure } = encodeReply(mod, raw);
    if (failure !== undefined) log().error({ err: failure }, "module reply cannot be encoded as JSON");
    return { reply, json, outcome: failure === undefined ? outcome : "crash", module: name, durationMs: performance.now() - started };
  };

  try {
    const deadlinePassed = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const err = new DeadlineExceeded(deadlineMs);
        abortReason = err;
        controller?.abort(err);
        reject(err);
      }, deadlineMs);
      if (stop) {
        const onStop = () => {
          const err = new Stopped((stop.reason as Error)?.message ?? errorText("QUERY_STOPPED"));
          abortReason = err;
          controller?.abort(err);
          reject(err);
        };
        if (stop.aborted) onStop();
        else stop.addEventListener("abort", onStop, { once: true });
      }
    });
    const work = (async () => {
      await mod.ready;
      if (mod.state === "failed") throw new ModuleError(errorText("MODULE_UNAVAILABLE", mod.error ?? "unknown error"));
      const ctx = createModuleContext(mod, services, signal, Date.now() + deadlineMs, { reqId }, secretValues, onCall, options.deliveryRun);
      if (mod.def.kind === "action") {
        const input = prepareActionInput(mod, body, services.secrets);
        secretValues.push(...input.secretValues);
        return mod.def.handler(
          {
            params: input.params,
            rawParams: input.rawParams,
            data: body.data,
            matchingData: input.matchingData,
            filteredItems: input.filteredItems,
            request: body,
          },
          ctx,
        );
      }
      const input = prepareExpansionInput(mod, body, services);
      secretValues.push(...input.secretValues);
      return mod.def.handler({ config: input.config, attribute: input.attribute, request: body }, ctx);
    })();
    // A module that ignores its signal keeps running, but the reply goes out on time.
    work.catch(() => undefined);
    const value = await Promise.race([work, deadlinePassed]);
    return finish(normaliseReply(mod, value), "ok");
  } catch (err) {
    try {
      return classifyFailure(err);
    } catch (e) {
      // Classifying the throw failed itself (a Proxy whose every trap throws...): still a reply.
      log().error({ err: oneLine(describeThrown(e).message) }, "module crashed");
      return finish(errorReply(mod, errorText("UNINSPECTABLE_THROW")), "crash");
    }
  } finally {
    clearTimeout(timer);
  }

  function classifyFailure(err: unknown): QueryResult {
    try {
      options.onThrown?.(err);
    } catch {
      /* a watcher never changes the reply */
    }
    const scrub = (s: string) => oneLine(scrubSecrets(s, secretValues));
    const scrubKeepLines = (s: string) => capped(scrubSecrets(s, secretValues).replace(/\r\n?/g, "\n"));
    if (err instanceof DeadlineExceeded) {
      log().warn({ deadlineMs }, "deadline exceeded");
      return finish(errorReply(mod!, scrub(errorText("TIMEOUT", name, deadlineMs))), "timeout");
    }
    if (err instanceof Stopped) {
      log().warn({}, "query stopped: server shutting down");
      return finish(errorReply(mod!, scrub(err.message)), "timeout");
    }
    if (isModuleError(err) && typeof err.message === "string") return finish(errorReply(mod!, scrubKeepLines(err.message)), "error");
    if (isHttpError(err) && typeof err.message === "string") return finish(errorReply(mod!, scrub(err.message)), "error");
    const d = describeThrown(err);
    log().error({ err: scrub(d.stack ?? d.message) }, "module crashed");
    return finish(errorReply(mod!, scrub(errorText("MODULE_CRASHED", d.message))), "crash");
  }
}
