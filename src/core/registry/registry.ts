import { paramId, paramLabel } from "../../engines/cakephp-hash/inflector.js";
import type { ParamSpec } from "../../sdk/params.js";
import type { ModuleDefinition } from "../../sdk/types.js";
import { buildDescriptor, type ModuleDescriptor } from "./descriptor.js";
import { moduleNameProblem, paramNameProblems, RESERVED_SETTING_NAMES } from "./naming.js";
import { param } from "../../sdk/params.js";

/** A declared action parameter with the id and label MISP derives from its name. */
export interface ParamEntry {
  name: string;
  id: string;
  label: string;
  spec: ParamSpec;
}

export type ModuleSource = "builtin" | "custom";
export type ModuleState = "initialising" | "ready" | "failed";

/** What a module run in an isolate (src/core/isolation) gives the runtime instead of its handler. */
export interface IsolatedRunner {
  /** Runs one query in the isolate; never rejects. `body` is the request's JSON text. */
  run(req: {
    body: string;
    deadlineMs: number;
    reqId?: string;
  }): Promise<{ json: string; outcome: "ok" | "error" | "timeout" | "crash"; error?: string }>;
  /** Health of the isolate, for /healthcheck. */
  status(): IsolateStatus;
  /** Stops the isolate once its running queries are over (the module was replaced or removed). */
  release(): void;
}

export interface IsolateStatus {
  state: "starting" | "running" | "restarting" | "backoff" | "stopped";
  restarts: number;
  /** Why the isolate last stopped (watchdog, memory limit, exit, crash), if it ever did. */
  lastError?: string;
  lastErrorAt?: string;
}

export interface LoadedModule {
  readonly name: string;
  readonly source: ModuleSource;
  readonly file: string;
  readonly def: ModuleDefinition;
  readonly descriptor: ModuleDescriptor;
  readonly params: readonly ParamEntry[];
  state: ModuleState;
  /** Why init() failed, when state is "failed". */
  error?: string;
  /** Resolves when init() is done (queries wait for it; /modules does not). */
  ready: Promise<void>;
  loadedAt: Date;
  /** Set when the module runs in an isolate: `def` then holds only its declaration, and queries go here. */
  isolate?: IsolatedRunner;
}

export interface LoadFailure {
  file: string;
  name?: string;
  error: string;
  at: Date;
}

/** Validates names and derives the descriptor; throws with a clear message when the module breaks a rule. */
export function prepareModule(name: string, file: string, def: ModuleDefinition, source: ModuleSource): LoadedModule {
  const problem = moduleNameProblem(name, def.kind);
  if (problem) throw new Error(problem);
  let params: ParamEntry[] = [];
  if (def.kind === "action" && def.outbound && !def.blocking) {
    if (DELIVERY_PARAM in def.params)
      throw new Error(`parameter "${DELIVERY_PARAM}" is reserved for modules that declare outbound (docs/delivery.md)`);
    def = { ...def, params: { ...def.params, [DELIVERY_PARAM]: DELIVERY_SPEC } };
  }
  if (def.kind === "action") {
    const names = Object.keys(def.params);
    const problems = paramNameProblems(names);
    if (problems.length) throw new Error(problems.join("; "));
    params = names.map((n) => ({ name: n, id: paramId(n), label: paramLabel(n), spec: def.params[n] as ParamSpec }));
  } else {
    const reserved = Object.keys(def.settings ?? {}).filter((s) => RESERVED_SETTING_NAMES.has(s));
    if (reserved.length) throw new Error(`settings ${reserved.join(", ")} are reserved by MISP`);
  }
  return {
    name,
    source,
    file,
    def,
    descriptor: buildDescriptor(name, def),
    params,
    state: "ready",
    ready: Promise.resolve(),
    loadedAt: new Date(),
  };
}

/** The node parameter of modules that may be queued (docs/delivery.md); the outbox reads it. */
export const DELIVERY_PARAM = "delivery";
const DELIVERY_SPEC = param.oneOf(["default", "sync", "queued"] as const, {
  default: "default",
  description:
    "sync: MISP waits for the delivery and sees its real outcome. queued: the request is checked, stored durably and delivered in the background with retries (MISP sees only whether it was queued). default: the server's setting.",
});

type Listener = () => void;

/**
 * The set of modules being served. `version` changes whenever the set or a module changes,
 * so consumers (the /modules buffer) rebuild only then.
 */
export class ModuleRegistry {
  private readonly modules = new Map<string, LoadedModule>();
  private readonly failures = new Map<string, LoadFailure>();
  private readonly listeners = new Set<Listener>();
  private _version = 0;

  get version(): number {
    return this._version;
  }

  get(name: string): LoadedModule | undefined {
    return this.modules.get(name);
  }

  all(): LoadedModule[] {
    return [...this.modules.values()];
  }

  /** Adds or replaces a module (a replaced module's running requests keep their own reference). */
  set(mod: LoadedModule): void {
    const previous = this.modules.get(mod.name);
    if (previous && previous !== mod) previous.isolate?.release();
    this.modules.set(mod.name, mod);
    this.failures.delete(mod.file);
    this.changed();
  }

  delete(name: string): boolean {
    this.modules.get(name)?.isolate?.release();
    const had = this.modules.delete(name);
    if (had) this.changed();
    return had;
  }

  recordFailure(failure: LoadFailure): void {
    this.failures.set(failure.file, failure);
    this.changed();
  }

  clearFailure(file: string): void {
    if (this.failures.delete(file)) this.changed();
  }

  failureList(): LoadFailure[] {
    return [...this.failures.values()];
  }

  onChange(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed(): void {
    this._version++;
    for (const l of this.listeners) l();
  }
}
