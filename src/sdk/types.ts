import type { GuardState } from "../services/guard-state/types.js";
import type { HttpClient } from "../services/http/types.js";
import type { ParamSpec, ParamValues } from "./params.js";
import type { ServerSettingSpec, ServerSettingValues } from "./server-settings.js";
import type { SettingSpec } from "./settings.js";

/** The subset of pino's logger that modules use. */
export interface ModuleLogger {
  debug(obj: object | string, msg?: string): void;
  info(obj: object | string, msg?: string): void;
  warn(obj: object | string, msg?: string): void;
  error(obj: object | string, msg?: string): void;
  /** Whether a level is logged: skip building expensive log fields otherwise. */
  isLevelEnabled(level: "debug" | "info" | "warn" | "error"): boolean;
}

/** Informational descriptor fields (docs/protocol.md#get-modules); only `description` is required. */
export interface ModuleMeta {
  description: string;
  /** Display name in meta.name (MISP shows the module's file name, not this). */
  name?: string;
  version?: string;
  author?: string;
  logo?: string;
  requirements?: string[];
  features?: string;
  references?: string[];
  input?: string;
  output?: string;
}

/** What every handler gets besides its input; `S` types the declared server settings. */
export interface ModuleContext<S = Readonly<Record<string, unknown>>> {
  /** The module's name (its file name). */
  readonly module: string;
  readonly log: ModuleLogger;
  /** Aborted when the request's deadline passes; pass it to anything slow. */
  readonly signal: AbortSignal;
  /** Epoch milliseconds at which the core gives up and replies with a timeout error. */
  readonly deadline: number;
  /** Shared outbound HTTP client, bound to `signal` and the module's timeout. */
  readonly http: HttpClient;
  /**
   * Server-side configuration value for this module: the config file's `modules.<module>.<key>`,
   * else the environment variable `MISP_MODULES_<MODULE>_<KEY>` (upper-cased), else undefined.
   * A `secret:NAME` value is resolved. Values of secret-looking keys (password, token, key...)
   * are scrubbed from this request's error reply and logs.
   */
  setting(key: string): string | undefined;
  /**
   * The module's declared `serverSettings`, parsed and defaulted (checked when the module
   * loaded: a bad value fails the load). Prefer this to `setting()` (docs/writing-modules.md#server-settings).
   */
  readonly settings: S;
  /** Resolves a `secret:NAME` reference (other strings are returned unchanged); the value is scrubbed from errors. */
  resolveSecret(value: string): string;
  /**
   * This delivery's stable id and attempt (docs/delivery.md). The id stays the same across the
   * outbox's retries: send it as the vendor's idempotency or deduplication key.
   */
  readonly delivery: DeliveryInfo;
  /**
   * Remembered keys with an expiry, shared across restarts and servers (the embedded store, or
   * Redis when the server runs with one): what once/rate guards count with (docs/guards.md).
   */
  readonly guardState: GuardState;
}

/** What a handler knows about the delivery it is making (docs/delivery.md). */
export interface DeliveryInfo {
  /** Stable id (`msg_…`), the same on every attempt of one queued delivery; fresh for each sync query. */
  readonly id: string;
  /** 1 for the first attempt. */
  readonly attempt: number;
  /** `sync`: MISP waits for this run; `queued`: the outbox worker runs it. */
  readonly mode: "sync" | "queued";
}

/**
 * Declares that an action module sends something out and may be delivered through the outbox
 * (docs/delivery.md, "Module contract"). The handler must be replayable: everything it needs is
 * in its parameters, the data and the server settings, and it may run again with the same
 * `ctx.delivery.id` after a failure.
 */
export interface OutboundSpec<V = Record<string, unknown>, C extends ModuleContext<any> = ModuleContext> {
  /**
   * Key for per-destination limits and metrics. Never a secret (hash tokens). Default: the
   * module name and the host of the first non-empty URL parameter.
   */
  destination?(params: V): string;
  /** Checks done before a delivery is queued (payload builds, values parse); throw ParamError/ModuleError. */
  validate?(input: ActionInput<V>, ctx: C): void | Promise<void>;
  /** Default attempts and maximum age; server settings win. */
  retry?: { maxAttempts?: number; maxAgeMs?: number };
  /** Default per-destination limits; server settings win. */
  limits?: { concurrency?: number; perMinute?: number };
  /** A vendor's wait when it is not in Retry-After (e.g. in the JSON body), in ms. */
  retryAfterMs?(res: { status: number; headers: Readonly<Record<string, string>>; body: string }): number | undefined;
}

export interface ActionInput<V> {
  /** Parameter values by declared name, parsed and defaulted. */
  readonly params: V;
  /**
   * The strings MISP sent, by declared name ("" when left empty), before defaults applied:
   * tells "left empty" from "set to the default value" (e.g. to fall back to server settings).
   */
  readonly rawParams: Readonly<Record<string, string>>;
  /** The roaming data (docs/protocol.md#roaming-data). May lack `Event` for non-core-format triggers. */
  readonly data: unknown;
  /** MISP's extraction for each hash_path parameter, by declared name. */
  readonly matchingData: Readonly<Record<string, unknown>>;
  /**
   * Items kept by the node's filter, as a list. Undefined when the request had none or when MISP
   * sent its fallback (the whole data), i.e. when there was no effective filtering (docs/protocol.md#action-request).
   */
  readonly filteredItems?: readonly unknown[];
  /** The request body as received. */
  readonly request: Readonly<Record<string, unknown>>;
}

/** Returning nothing (or true) means success: `{"data": true}`. */
export type ActionResult = void | true | { data: unknown };

export interface ModuleLimits {
  /** Per-request deadline for this module (ms); overrides the server default. */
  timeoutMs?: number;
}

/** The context of a module that declares `serverSettings` S. */
export type ContextFor<S extends Record<string, ServerSettingSpec>> = ModuleContext<ServerSettingValues<S>>;

export interface ActionModuleDefinition<
  P extends Record<string, ParamSpec> = Record<string, ParamSpec>,
  SS extends Record<string, ServerSettingSpec> = Record<string, ServerSettingSpec>,
> extends ModuleLimits {
  readonly kind: "action";
  meta: ModuleMeta;
  /** Font Awesome icon name and class for the workflow node (e.g. "envelope" + "fas"). */
  icon?: { name: string; class: "fas" | "fab" | "far" };
  /** Declaration order = display order in MISP's node editor. */
  params: P;
  blocking?: boolean;
  supportFilters?: boolean;
  expectMispCoreFormat?: boolean;
  /** Values the server's operator sets (config file, environment), typed in `ctx.settings`. */
  serverSettings?: SS;
  handler(input: ActionInput<ParamValues<P>>, ctx: ContextFor<SS>): Promise<ActionResult> | ActionResult;
  /** Sends something out and may be queued in the outbox (ignored for blocking modules). */
  outbound?: OutboundSpec<ParamValues<P>, ContextFor<SS>>;
  /** Optional one-time warm-up; queries wait for it, /modules does not. */
  init?(ctx: Omit<ContextFor<SS>, "signal" | "deadline" | "delivery">): Promise<void>;
}

export type ExpansionModuleType = "expansion" | "hover";

export interface ExpansionInput<S extends string> {
  /** Settings by name: MISP's `config` value when non-empty, else server configuration, else default. */
  readonly config: Readonly<Record<S, string | undefined>>;
  /** The misp_standard `attribute`, when present. */
  readonly attribute?: Readonly<Record<string, unknown>>;
  /** The request body as received (simplified modules read `<type>: value` keys from it). */
  readonly request: Readonly<Record<string, unknown>>;
}

/** An expansion reply: usually `{results: ...}`; may carry `error` (docs/protocol.md#expansion-replies). */
export type ExpansionReply = Record<string, unknown>;

export interface ExpansionModuleDefinition<
  S extends Record<string, SettingSpec> = Record<string, SettingSpec>,
  SS extends Record<string, ServerSettingSpec> = Record<string, ServerSettingSpec>,
> extends ModuleLimits {
  readonly kind: "expansion";
  meta: ModuleMeta;
  moduleType: ExpansionModuleType[];
  /** Attribute types (or object template names) the module accepts. */
  input: string[];
  /** Informational list of produced types. */
  output?: string[];
  /** `misp_standard` selects the attribute/object request and reply formats. */
  format?: "misp_standard";
  /** MISP settings: set by MISP's admin, sent in `config`. */
  settings?: S;
  /** Values the server's operator sets (config file, environment), typed in `ctx.settings`. */
  serverSettings?: SS;
  handler(input: ExpansionInput<Extract<keyof S, string>>, ctx: ContextFor<SS>): Promise<ExpansionReply> | ExpansionReply;
  /** Shape of every failure reply (default `{error, results: []}`, docs/protocol.md#expansion-errors). */
  errorReply?(message: string): ExpansionReply;
  init?(ctx: Omit<ContextFor<SS>, "signal" | "deadline" | "delivery">): Promise<void>;
}

export type ModuleDefinition = ActionModuleDefinition<any, any> | ExpansionModuleDefinition<any, any>;
