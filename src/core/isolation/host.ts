// Loads custom modules into isolates and keeps track of them (shutdown, /healthcheck). The
// registry entry of an isolated module is built from the declaration its isolate sends back, so
// GET /modules, deadlines and error replies work as for an in-process module; only the handler
// (with parameter parsing, secrets and init) stays in the isolate.
import { z } from "zod";
import type { Config } from "../config.js";
import type { ModuleFile } from "../registry/loader.js";
import { prepareModule, type LoadedModule } from "../registry/registry.js";
import type { ParamSpec } from "../../sdk/params.js";
import type { ServerSettingFacts, ServerSettingSpec } from "../../sdk/server-settings.js";
import type { ModuleDefinition, ModuleLogger } from "../../sdk/types.js";
import { bootWorker, ModuleIsolate, type BootingWorker, type IsolateLimits } from "./isolate.js";
import { ERROR_MESSAGE_MARK, type DefinitionData } from "./messages.js";

export type IsolationMode = "worker" | "none";

export interface IsolationHostOptions {
  config: Config;
  env: NodeJS.ProcessEnv;
  log: ModuleLogger & { child(bindings: object): ModuleLogger };
}

// Parameters are parsed in the isolate; the server's copy of a declaration never parses anything.
const UNUSED_SCHEMA = z.string();

function notHere(name: string): () => never {
  return () => {
    throw new Error(`${name} runs in its isolate`);
  };
}

/** The isolate parses and checks server settings; the server's copy only lists them. */
function listedOnly(facts: Record<string, ServerSettingFacts> | undefined): Record<string, ServerSettingSpec> | undefined {
  if (!facts) return undefined;
  return Object.fromEntries(Object.entries(facts).map(([key, f]) => [key, { ...f, parse: (raw: string | undefined) => raw }]));
}

/** A ModuleDefinition carrying only the declaration; its functions are never called in the server thread. */
export function declarationOnly(name: string, d: DefinitionData): ModuleDefinition {
  const common = {
    meta: d.meta as unknown as ModuleDefinition["meta"],
    timeoutMs: d.timeoutMs,
    handler: notHere(name),
    serverSettings: listedOnly(d.serverSettings),
  };
  if (d.kind === "action") {
    const params: Record<string, ParamSpec> = {};
    for (const [pname, p] of Object.entries(d.params ?? {}))
      params[pname] = { ...p, kind: p.kind as ParamSpec["kind"], schema: UNUSED_SCHEMA };
    return {
      kind: "action",
      ...common,
      params,
      icon: d.icon,
      blocking: d.blocking,
      supportFilters: d.supportFilters,
      expectMispCoreFormat: d.expectMispCoreFormat,
    };
  }
  const template = d.errorReplyTemplate;
  const escaped = JSON.stringify(ERROR_MESSAGE_MARK).slice(1, -1);
  const errorReply = template
    ? (message: string) => JSON.parse(template.split(escaped).join(JSON.stringify(message).slice(1, -1))) as Record<string, unknown>
    : undefined;
  return {
    kind: "expansion",
    ...common,
    moduleType: d.moduleType ?? ["expansion"],
    input: d.input ?? [],
    output: d.output,
    format: d.format,
    settings: d.settings,
    errorReply,
  };
}

export class IsolationHost {
  private readonly isolates = new Set<ModuleIsolate>();
  private closed = false;
  /**
   * Workers started ahead of need. Starting a worker (its runtime and the SDK) is most of an
   * isolate's start-up; with one ready, a hot-reloaded file or a restarted isolate only waits for
   * its own import, so a file dropped into a watched folder is served within a second. Three by
   * default, so that edits in quick succession do not wait for the replacements to start.
   */
  private readonly spares: BootingWorker[] = [];

  constructor(private readonly opts: IsolationHostOptions) {
    this.topUp();
  }

  private topUp(): void {
    while (!this.closed && this.spares.length < this.opts.config.isolation.spareWorkers) {
      this.spares.push(bootWorker({ config: this.opts.config, env: this.opts.env, log: this.opts.log, limits: this.limits }));
    }
  }

  /** Resolves once the spare isolates have started (or failed to): the first hot reload then need not wait for one. */
  async sparesStarted(): Promise<void> {
    await Promise.all(this.spares.map((w) => w.booted.catch(() => undefined)));
  }

  /** A started worker (or the one closest to started), replaced by a new spare. */
  private takeWorker(): BootingWorker {
    for (let i = this.spares.length - 1; i >= 0; i--) if (this.spares[i]!.failed) this.spares.splice(i, 1);
    const readyAt = this.spares.findIndex((w) => w.ready);
    const taken = readyAt >= 0 ? this.spares.splice(readyAt, 1)[0] : this.spares.shift();
    const w = taken ?? bootWorker({ config: this.opts.config, env: this.opts.env, log: this.opts.log, limits: this.limits });
    this.topUp();
    return w;
  }

  get limits(): IsolateLimits {
    const i = this.opts.config.isolation;
    return {
      heapMb: i.heapMb,
      bufferMb: i.bufferMb,
      importTimeoutMs: i.importTimeoutMs,
      bootTimeoutMs: i.bootTimeoutMs,
      watchdogGraceMs: i.watchdogGraceMs,
      maxRestartDelayMs: i.maxRestartDelayMs,
    };
  }

  /** Whether a custom module of this name runs isolated (config.isolation.mode, isolation.inProcess). */
  appliesTo(name: string): boolean {
    const i = this.opts.config.isolation;
    return i.mode === "worker" && !i.inProcess.includes(name);
  }

  /** Imports a module file in a new isolate; throws (and leaves nothing running) when it cannot be served. */
  async load(mf: ModuleFile): Promise<LoadedModule> {
    if (this.closed) throw new Error("the server is shutting down");
    const isolate: ModuleIsolate = new ModuleIsolate({
      file: mf.file,
      name: mf.name,
      kind: mf.kind,
      config: this.opts.config,
      env: this.opts.env,
      log: this.opts.log,
      limits: this.limits,
      onReleased: () => this.isolates.delete(isolate),
      takeWorker: () => this.takeWorker(),
    });
    this.isolates.add(isolate);
    try {
      const d = await isolate.start();
      const mod: LoadedModule = { ...prepareModule(mf.name, mf.file, declarationOnly(mf.name, d), "custom"), isolate };
      if (d.hasInit) mod.state = "initialising";
      isolate.module = mod;
      return mod;
    } catch (e) {
      this.isolates.delete(isolate);
      void isolate.close();
      throw e;
    }
  }

  /** Stops every isolate (server shutdown). */
  async close(): Promise<void> {
    this.closed = true;
    for (const spare of this.spares.splice(0)) void spare.worker.terminate().catch(() => undefined);
    const all = [...this.isolates];
    this.isolates.clear();
    await Promise.all(all.map((i) => i.close()));
  }
}
