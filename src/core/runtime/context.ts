import { moduleSetting } from "../config.js";
import { bindHttpClient, type CallRecord } from "../../services/http/client.js";
import { randomUUID } from "node:crypto";
import { type GuardState, unavailableGuardState } from "../../services/guard-state/types.js";
import type { HttpClient, HttpResponse } from "../../services/http/types.js";
import type { DeliveryInfo, ModuleContext, ModuleLogger } from "../../sdk/types.js";
import type { Services } from "./services.js";
import { readServerSettings, type ServerSettingSpec } from "../../sdk/server-settings.js";
import { SECRET_NAME_RE, urlCredentialParts } from "../../services/secrets/scrub.js";

/** How a run made by the outbox worker differs from a query (src/core/outbox). */
export interface DeliveryRun {
  delivery: DeliveryInfo;
  /** Told about every response or failure of ctx.http, to classify the attempt. */
  onResponse?(res: HttpResponse | undefined, err?: unknown): void;
}

const NO_GUARD_STATE = unavailableGuardState("this server runs the module without a guard state (isolated custom module)");

/** A fresh delivery id: `msg_` and 32 hex digits (no dot, as Standard Webhooks requires). */
export function newDeliveryId(): string {
  return `msg_${randomUUID().replace(/-/g, "")}`;
}

/**
 * The context handed to a module handler for one request.
 *
 * A class, not an object literal: V8 builds a literal with getters in dictionary mode (a property
 * dictionary and an accessor pair per call). At a few thousand queries a second that alone forced
 * a full mark-compact every half second and cost a quarter of /query's throughput (test:
 * test/core/runtime/context-shape.test.ts). Prototype getters keep one fast hidden class.
 */
class RequestContext implements ModuleContext {
  private logger?: ModuleLogger;
  private client?: HttpClient;
  private deliveryInfo?: DeliveryInfo;
  private settingValues?: Readonly<Record<string, unknown>>;

  constructor(
    readonly module: string,
    private readonly settingSpecs: Readonly<Record<string, ServerSettingSpec>>,
    private readonly services: Services,
    private readonly makeSignal: () => AbortSignal,
    readonly deadline: number,
    private readonly bindings: object,
    private readonly secretValues: string[],
    private readonly onCall?: (call: CallRecord) => void,
    private readonly run?: DeliveryRun,
  ) {}

  // Parsed on first use (the values were checked when the module loaded); secrets among them
  // are scrubbed from this request's error reply and logs.
  get settings(): Readonly<Record<string, unknown>> {
    if (this.settingValues) return this.settingValues;
    const values = readServerSettings(this.module, this.settingSpecs, this.setting);
    for (const [key, spec] of Object.entries(this.settingSpecs)) {
      const v = values[key];
      if (spec.secret && typeof v === "string") this.secretValues.push(v);
    }
    return (this.settingValues = values);
  }

  // Made on first use: most handlers never ask.
  get delivery(): DeliveryInfo {
    return (this.deliveryInfo ??= this.run?.delivery ?? { id: newDeliveryId(), attempt: 1, mode: "sync" });
  }

  get guardState(): GuardState {
    return this.services.guardState?.() ?? NO_GUARD_STATE;
  }

  // Created on first use: most handlers never log.
  get log(): ModuleLogger {
    return (this.logger ??= this.services.log.child({ module: this.module, ...this.bindings }));
  }

  get signal(): AbortSignal {
    return this.makeSignal();
  }

  // The deadline also bounds retries: no new attempt starts that could not finish in time.
  get http(): HttpClient {
    if (this.client) return this.client;
    const bound = bindHttpClient(this.services.http, {
      signal: this.makeSignal(),
      deadline: Number.isFinite(this.deadline) ? this.deadline : undefined,
      onCall: this.onCall,
    });
    // Whatever a request carried as a credential (URL userinfo and tokens, the caller's own
    // secrets) is scrubbed from this query's error reply and log lines, however the module
    // words its error.
    const secrets = this.secretValues;
    const watch = this.run?.onResponse;
    this.client = {
      ...bound,
      request(url, o = {}) {
        secrets.push(...urlCredentialParts(url), ...(o.secrets ?? []));
        if (!watch) return bound.request(url, o);
        // The outbox retries a queued delivery itself, over hours: no extra attempts inside one run.
        return bound.request(url, { ...o, retry: false }).then(
          (res) => {
            watch(res);
            return res;
          },
          (err: unknown) => {
            watch(undefined, err);
            throw err;
          },
        );
      },
    };
    return this.client;
  }

  // Arrow-function fields, so that `const { setting } = ctx` keeps working.
  setting = (key: string): string | undefined => {
    const raw = moduleSetting(this.services.config, this.module, key, this.services.env);
    if (raw === undefined) return undefined;
    const value = this.services.secrets.resolve(raw);
    if (value !== raw || SECRET_NAME_RE.test(key)) this.secretValues.push(value);
    return value;
  };

  resolveSecret = (value: string): string => {
    const resolved = this.services.secrets.resolve(value);
    if (resolved !== value) this.secretValues.push(resolved);
    return resolved;
  };
}

/** A module by name, or with its declaration when it declares server settings. */
export type ContextModule = string | { readonly name: string; readonly def: { readonly serverSettings?: unknown } };

const NO_SETTINGS: Readonly<Record<string, ServerSettingSpec>> = Object.freeze({});

export function createModuleContext(
  module: ContextModule,
  services: Services,
  /** Called on first use of `ctx.signal` or `ctx.http`: most handlers use neither. */
  signal: () => AbortSignal,
  deadline: number,
  bindings: object = {},
  /** Collects secret values met while serving the request, so errors can be scrubbed. */
  secretValues: string[] = [],
  /** Told about each outbound HTTP call (the query observer). */
  onCall?: (call: CallRecord) => void,
  /** Set when the outbox worker makes this run. */
  run?: DeliveryRun,
): ModuleContext {
  const name = typeof module === "string" ? module : module.name;
  const specs =
    typeof module === "string" ? NO_SETTINGS : ((module.def.serverSettings ?? NO_SETTINGS) as Record<string, ServerSettingSpec>);
  return new RequestContext(name, specs, services, signal, deadline, bindings, secretValues, onCall, run);
}
