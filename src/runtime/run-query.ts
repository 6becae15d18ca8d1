import { performance } from "node:perf_hooks";
import type { CallRecord } from "../lib/http/client.js";
import { isHttpError } from "../lib/http/types.js";
import { redactByName, scrubSecrets } from "../lib/secrets/scrub.js";
import { isModuleError, ModuleError } from "../sdk/errors.js";
import type { ModuleRegistry, LoadedModule } from "../registry/registry.js";
import { prepareActionInput } from "./action-input.js";
import { createModuleContext } from "./context.js";
import { prepareExpansionInput } from "./expansion-input.js";
import type { Services } from "./services.js";

// Runs one /query: finds the module, prepares its input, enforces the deadline and turns
// every outcome into a protocol reply (PROTOCOL §2.2). Never throws.

export type Outcome = "ok" | "error" | "timeout" | "unknown_module" | "crash";

export interface QueryResult {
  reply: Record<string, unknown>;
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

/** Parameter values for a debug log line: declared-secret and secret-looking ones redacted. */
function redactParamsForLog(mod: LoadedModule, params: Record<string, unknown>): Record<string, unknown> {
  const secretKeys = new Set(mod.params.filter((p) => p.spec.secret).flatMap((p) => [p.id, p.name]));
  const out = redactByName(params);
  for (const k of Object.keys(out)) if (secretKeys.has(k) && out[k] !== "") out[k] = "[redacted]";
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
  const t = body.timeout;
  if (typeof t === "number" && Number.isInteger(t) && t > 0) return Math.max(t * 1000 - CALLER_TIMEOUT_MARGIN_MS, Math.min(t * 1000, 500));
  const configured = Number(services.config.modules[mod.name]?.timeoutMs);
  if (Number.isInteger(configured) && configured > 0) return configured;
  return mod.def.timeoutMs ?? services.config.deadlineMs;
}

function errorReply(mod: LoadedModule, message: string): Record<string, unknown> {
  if (mod.def.kind === "action") {
    const prefixed = message.startsWith(`${mod.name}:`) ? message : `${mod.name}: ${message}`;
    return { error: prefixed };
  }
  return mod.def.errorReply ? mod.def.errorReply(message) : { error: message, results: [] };
}

/** Makes sure a module's reply is a JSON object whose `error`, if any, is a non-empty string. */
function normaliseReply(mod: LoadedModule, value: unknown): Record<string, unknown> {
  if (mod.def.kind === "action") {
    if (value === undefined || value === true) return { data: true };
    if (value && typeof value === "object" && !Array.isArray(value) && "data" in value) return { data: (value as { data: unknown }).data };
    return { data: true };
  }
  if (!value || typeof value !== "object" || Array.isArray(value)) throw new Error("the module returned no reply object");
  const reply = value as Record<string, unknown>;
  if ("error" in reply && (typeof reply.error !== "string" || reply.error === "")) {
    throw new Error("the module returned an error that is not a non-empty string");
  }
  return reply;
}

export async function runQuery(
  body: Record<string, unknown>,
  registry: ModuleRegistry,
  services: Services,
  reqId?: string,
  /** What an observer may want beyond the parsed body: request headers and the body as received. */
  meta: { headers?: Record<string, string | string[] | undefined>; rawBody?: string } = {},
): Promise<QueryResult> {
  const started = performance.now();
  const name = body.module as string;
  const mod = registry.get(name);
  const secretValues: string[] = [];
  const observation = services.observer?.begin({ body, module: mod, reqId, headers: meta.headers, rawBody: meta.rawBody, startedAt: Date.now() });
  if (!observation) return runModule(body, mod, name, services, started, secretValues, reqId);
  const result = await runModule(body, mod, name, services, started, secretValues, reqId, (c) => observation.outbound(c));
  try {
    observation.end({ reply: result.reply, outcome: result.outcome, durationMs: result.durationMs, secretValues });
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
  reqId?: string,
  onCall?: (call: CallRecord) => void,
): Promise<QueryResult> {
  if (!mod) {
    return { reply: { error: `Unknown module: ${name}` }, outcome: "unknown_module", durationMs: performance.now() - started };
  }
  const deadlineMs = deadlineFor(mod, body, services);
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
  const log = () => services.log.child({ reqId, module: name });
  if (services.log.isLevelEnabled("debug")) {
    // Parameter values only at debug level, secret-looking ones redacted; never the data.
    const p = body.params && typeof body.params === "object" && !Array.isArray(body.params) ? redactParamsForLog(mod, body.params as Record<string, unknown>) : {};
    log().debug({ params: p, keys: Object.keys(body) }, "query received");
  }

  const finish = (reply: Record<string, unknown>, outcome: Outcome): QueryResult => ({
    reply,
    outcome,
    module: name,
    durationMs: performance.now() - started,
  });

  try {
    const deadlinePassed = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const err = new DeadlineExceeded(deadlineMs);
        abortReason = err;
        controller?.abort(err);
        reject(err);
      }, deadlineMs);
    });
    const work = (async () => {
      await mod.ready;
      if (mod.state === "failed") throw new ModuleError(`module is unavailable: initialisation failed (${mod.error ?? "unknown error"})`);
      const ctx = createModuleContext(name, services, signal, Date.now() + deadlineMs, { reqId }, secretValues, onCall);
      if (mod.def.kind === "action") {
        const input = prepareActionInput(mod, body, services.secrets);
        secretValues.push(...input.secretValues);
        return mod.def.handler({ params: input.params, rawParams: input.rawParams, data: body.data, matchingData: input.matchingData, filteredItems: input.filteredItems, request: body }, ctx);
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
    const scrub = (s: string) => oneLine(scrubSecrets(s, secretValues));
    const scrubKeepLines = (s: string) => capped(scrubSecrets(s, secretValues).replace(/\r\n?/g, "\n"));
    if (err instanceof DeadlineExceeded) {
      log().warn({ deadlineMs }, "deadline exceeded");
      return finish(errorReply(mod, scrub(`Timeout. ${name} did not finish within its deadline of ${deadlineMs} ms`)), "timeout");
    }
    if (isModuleError(err)) return finish(errorReply(mod, scrubKeepLines(err.message)), "error");
    if (isHttpError(err)) return finish(errorReply(mod, scrub(err.message)), "error");
    const e = err as Error;
    log().error({ err: scrub(e?.stack ?? String(e)) }, "module crashed");
    return finish(errorReply(mod, scrub(`internal error: ${e?.message ?? String(e)}`)), "crash");
  } finally {
    clearTimeout(timer);
  }
}
