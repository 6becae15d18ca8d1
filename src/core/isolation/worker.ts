// The inside of a custom module's isolate: a worker thread that imports one module file and runs
// its queries with the same runtime as the server (parameter parsing, context, deadline, error
// replies), so a module behaves the same isolated or not. What it cannot take down is the server:
// a synchronous loop, an exhausted heap or process.exit() end this thread only, and the server
// replaces it (isolate.ts).
import { parentPort, workerData } from "node:worker_threads";
import type { ServerHttpClient } from "../../services/http/client.js";
import { SecretStore } from "../../services/secrets/store.js";
import { VERSION } from "../../package-info.js";
import { definitionFromExports } from "../registry/definition.js";
import { importModuleFile, type ModuleKind } from "../registry/loader.js";
import { ModuleRegistry, prepareModule, type LoadedModule } from "../registry/registry.js";
import { ensureNativeTypeScript, installSdkResolution, sdkEntryUrl } from "../registry/sdk-resolution.js";
import { createModuleContext } from "../runtime/context.js";
import { serverSettingsProblem } from "../runtime/server-settings-check.js";
import { runQuery } from "../runtime/run-query.js";
import type { Services } from "../runtime/services.js";
import type { ParamSpec } from "../../sdk/params.js";
import type { ServerSettingSpec } from "../../sdk/server-settings.js";
import type { ModuleDefinition, ModuleLogger } from "../../sdk/types.js";
import { knownSecretValues, strayErrorText } from "./stray-errors.js";
import {
  ERROR_MESSAGE_MARK,
  type DefinitionData,
  type FromIsolate,
  type IsolateWorkerData,
  type LogLevel,
  type ToIsolate,
} from "./messages.js";
import { errorText } from "../protocol/errors.js";
import { fullGc } from "../full-gc.js";

const data = workerData as IsolateWorkerData;
const port = parentPort!;
const post = (m: FromIsolate): void => port.postMessage(m);

// Buffers and typed arrays live outside the V8 heap, so the heap cap does not bound them
// (docs/security.md, "Custom modules"). In a worker thread, process.memoryUsage().arrayBuffers
// counts this isolate's own. Past the bound a full collection tells live memory from garbage;
// what is still held past it gets the isolate stopped (the server answers its queries and
// starts a new one). A synchronous loop stops these checks too: the deadline's watchdog ends it.
const BUFFER_CHECK_MS = 100;
const bufferLimit = data.config.isolation.bufferMb * 1024 * 1024;
const bufferCheck = setInterval(() => {
  if (process.memoryUsage().arrayBuffers <= bufferLimit) return;
  fullGc()?.();
  const held = process.memoryUsage().arrayBuffers;
  if (held <= bufferLimit) return;
  clearInterval(bufferCheck);
  post({ t: "over-memory", bytes: held });
}, BUFFER_CHECK_MS);
bufferCheck.unref();

/** Bound on what one forwarded log record or stray error may carry. */
const MAX_LOG_CHARS = 8192;
const MAX_ERROR_CHARS = 2000;

function clip(s: string, max: number): string {
  return s.length > max ? `${s.slice(0, max)}… (${s.length} characters)` : s;
}

/** A log object as plain JSON (errors spelled out, cycles and functions dropped, size bounded). */
function plainLogObject(obj: unknown): Record<string, unknown> {
  const seen = new WeakSet<object>();
  let text: string | undefined;
  try {
    text = JSON.stringify(obj, (_k, v: unknown) => {
      if (typeof v === "bigint") return v.toString();
      if (v instanceof Error) return { type: v.name, message: v.message, stack: v.stack };
      if (v && typeof v === "object") {
        if (seen.has(v)) return "[circular]";
        seen.add(v);
      }
      return v;
    });
  } catch (e) {
    return { logError: `log object could not be serialised: ${(e as Error).message}` };
  }
  if (text === undefined) return {};
  if (text.length > MAX_LOG_CHARS) return { truncated: clip(text, MAX_LOG_CHARS) };
  const parsed = JSON.parse(text) as unknown;
  return parsed && typeof parsed === "object" && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : { value: parsed };
}

const enabledLevels = new Set<LogLevel>(data.levels);

/** ctx.log and the runtime's log in the isolate: records go to the server's logger (redaction and level rules apply there). */
class ForwardingLogger implements ModuleLogger {
  constructor(private readonly bindings: Record<string, unknown>) {}
  child(bindings: object): ForwardingLogger {
    return new ForwardingLogger({ ...this.bindings, ...plainLogObject(bindings) });
  }
  isLevelEnabled(level: LogLevel): boolean {
    return enabledLevels.has(level);
  }
  private write(level: LogLevel, obj: object | string, msg?: string): void {
    if (!enabledLevels.has(level)) return;
    const record =
      typeof obj === "string"
        ? { obj: {}, msg: clip(obj, MAX_LOG_CHARS) }
        : { obj: plainLogObject(obj), msg: msg === undefined ? undefined : clip(String(msg), MAX_LOG_CHARS) };
    post({ t: "log", level, bindings: this.bindings, ...record });
  }
  debug(obj: object | string, msg?: string): void {
    this.write("debug", obj, msg);
  }
  info(obj: object | string, msg?: string): void {
    this.write("info", obj, msg);
  }
  warn(obj: object | string, msg?: string): void {
    this.write("warn", obj, msg);
  }
  error(obj: object | string, msg?: string): void {
    this.write("error", obj, msg);
  }
}

// Worker threads may not call process.abort() or chdir(), but they may signal their own process:
// a module must not be able to send the server SIGTERM or SIGKILL.
const realKill = process.kill.bind(process);
process.kill = ((pid: number, signal?: string | number) => {
  if (pid === data.serverPid || pid === 0 || pid === -data.serverPid)
    throw new Error("misp-modules-ts: a module may not signal the server's own process");
  return realKill(pid, signal);
}) as typeof process.kill;

const log = new ForwardingLogger({});
// The HTTP client (undici) is loaded while the isolate starts (see boot); queries wait for it.
let httpClient: ServerHttpClient | undefined;
let httpReady: Promise<unknown> | undefined;
function loadHttpClient(): Promise<unknown> {
  return (httpReady ??= import("../../services/http/client.js").then((m) => {
    httpClient = m.createHttpClient({ ...data.config.http, userAgent: `misp-modules-ts/${VERSION}` });
  }));
}
const services: Services = {
  config: data.config,
  log,
  env: data.env as NodeJS.ProcessEnv,
  secrets: new SecretStore({
    file: data.config.secrets.file,
    envPrefix: data.config.secrets.envPrefix,
    env: data.env as NodeJS.ProcessEnv,
  }),
  get http(): ServerHttpClient {
    if (!httpClient) throw new Error("the HTTP client is not loaded yet");
    return httpClient;
  },
};
const registry = new ModuleRegistry();

// A stray throw from a module's timer or an unhandled rejection would end this thread and every
// query running in it; it is reported and the isolate keeps serving, as the server itself does.
const serverSecrets = knownSecretValues(data.config, services.env, services.secrets);
process.on("uncaughtException", (e) => post({ t: "stray", what: "uncaughtException", error: strayErrorText(e, serverSecrets) }));
process.on("unhandledRejection", (e) => post({ t: "stray", what: "unhandledRejection", error: strayErrorText(e, serverSecrets) }));
let mod: LoadedModule | undefined;

function definitionData(def: ModuleDefinition): DefinitionData {
  const plain = <T>(v: T): T => (v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T));
  const out: DefinitionData = {
    kind: def.kind,
    meta: plain(def.meta) as unknown as Record<string, unknown>,
    timeoutMs: def.timeoutMs,
    hasInit: typeof def.init === "function",
  };
  if (def.serverSettings) {
    out.serverSettings = {};
    for (const [key, s] of Object.entries(def.serverSettings as Record<string, ServerSettingSpec>)) {
      const { parse: _parse, ...facts } = s;
      out.serverSettings[key] = plain(facts);
    }
  }
  if (def.kind === "action") {
    out.params = {};
    for (const [name, p] of Object.entries(def.params as Record<string, ParamSpec>)) {
      out.params[name] = {
        kind: String(p.kind ?? p.widget),
        widget: p.widget,
        description: p.description,
        placeholder: p.placeholder,
        jinja: p.jinja,
        secret: p.secret,
        required: p.required,
      };
    }
    Object.assign(out, {
      icon: plain(def.icon),
      blocking: def.blocking,
      supportFilters: def.supportFilters,
      expectMispCoreFormat: def.expectMispCoreFormat,
    });
    return out;
  }
  Object.assign(out, {
    moduleType: [...def.moduleType],
    input: [...def.input],
    output: plain(def.output),
    format: def.format,
    settings: plain(def.settings),
  });
  if (typeof def.errorReply === "function") {
    try {
      const text = JSON.stringify(def.errorReply(ERROR_MESSAGE_MARK));
      if (text && text.includes(ERROR_MESSAGE_MARK)) out.errorReplyTemplate = text;
    } catch {
      // The server falls back to the default {error, results: []} when the isolate is gone.
    }
  }
  return out;
}

/** Same rules as startInit in app.ts: queries wait for init(), the server learns its outcome. */
function startInit(m: LoadedModule, after: Promise<unknown>): void {
  const problem = serverSettingsProblem(m, services);
  if (problem) {
    m.state = "failed";
    m.error = clip(problem, MAX_ERROR_CHARS);
    log.error({ module: m.name, err: m.error }, "module server settings are invalid");
    post({ t: "init", ok: false, error: m.error });
    return;
  }
  const init = m.def.init;
  if (!init) return;
  m.state = "initialising";
  const never = new AbortController().signal;
  m.ready = after
    .then(() =>
      init.call(
        m.def,
        createModuleContext(m, services, () => never, Number.POSITIVE_INFINITY),
      ),
    )
    .then(
      () => {
        m.state = "ready";
        post({ t: "init", ok: true });
      },
      (e: unknown) => {
        m.state = "failed";
        m.error = clip((e as Error)?.message ?? String(e), MAX_ERROR_CHARS);
        log.error({ module: m.name, err: m.error }, "module initialisation failed");
        post({ t: "init", ok: false, error: m.error });
      },
    );
}

/**
 * The runtime's own start-up, not timed as the module's import: the SDK that module files import
 * as "misp-modules-ts" (the resolve hook maps that name to this very file) is loaded here.
 */
async function boot(): Promise<void> {
  await installSdkResolution("native");
  // Built (dist/), TypeScript module files need tsx: registered now, not while a module imports.
  await ensureNativeTypeScript();
  await import(sdkEntryUrl());
  // Loaded here too (isolates usually start as spares): the first query after a reload need not wait for it.
  await loadHttpClient();
}

/** The module file this isolate serves (isolates are started before they know it: see host.ts). */
let target = { file: "", name: "", kind: "action" as ModuleKind };

async function load(m: Extract<ToIsolate, { t: "load" }>): Promise<void> {
  target = { file: m.file, name: m.name, kind: m.kind };
  try {
    const def = definitionFromExports(await importModuleFile(target.file));
    if (def.kind !== target.kind) throw new Error(`${target.kind} folder holds a module of kind "${def.kind}"`);
    mod = prepareModule(target.name, target.file, def, "custom");
    const described = definitionData(def);
    registry.set(mod);
    post({ t: "loaded", def: described });
    // init() may use ctx.http.
    startInit(mod, loadHttpClient());
  } catch (e) {
    post({ t: "load-failed", error: clip((e as Error)?.message ?? String(e), MAX_ERROR_CHARS) });
  }
}

/** A reply as JSON text: made here, so the server sends it without serialising it again. */
function replyJson(reply: Record<string, unknown>): string | undefined {
  try {
    return JSON.stringify(reply);
  } catch {
    return undefined;
  }
}

async function query(m: Extract<ToIsolate, { t: "query" }>): Promise<void> {
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(m.body) as Record<string, unknown>;
  } catch (e) {
    const error = `${target.name}: ${errorText("ISOLATE_BAD_REQUEST", (e as Error).message)}`;
    post({ t: "reply", id: m.id, json: JSON.stringify({ error }), outcome: "crash", error });
    return;
  }
  if (!httpClient) await loadHttpClient();
  const result = await runQuery(body, registry, services, m.reqId, { deadlineMs: m.deadlineMs });
  let json = replyJson(result.reply);
  let outcome = result.outcome;
  if (json === undefined) {
    outcome = "crash";
    const message = `${target.name}: ${errorText("ISOLATE_REPLY_NOT_JSON")}`;
    json = JSON.stringify(target.kind === "action" ? { error: message } : { error: message, results: [] });
  }
  const error = typeof result.reply.error === "string" ? result.reply.error : undefined;
  post({ t: "reply", id: m.id, json, outcome, error: error === undefined ? undefined : clip(error, 4000) });
}

port.on("message", (m: ToIsolate) => {
  if (m.t === "load") void load(m);
  else if (m.t === "query") void query(m);
});
// A failed boot leaves "booted" unsent: the server gives up after its boot limit and reports it.
boot().then(
  () => post({ t: "booted" }),
  (e: unknown) =>
    post({ t: "load-failed", error: `the module's isolate could not start: ${clip((e as Error)?.message ?? String(e), MAX_ERROR_CHARS)}` }),
);
