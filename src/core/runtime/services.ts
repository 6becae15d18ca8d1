import type { Config } from "../config.js";
import type { ServerHttpClient } from "../../services/http/client.js";
import type { SecretStore } from "../../services/secrets/store.js";
import type { ModuleLogger } from "../../sdk/types.js";
import type { ModuleGates } from "./concurrency.js";
import type { QueryObserver } from "./observer.js";
import type { LoadedModule } from "../registry/registry.js";
import type { Store } from "../../services/store/store.js";
import type { GuardState } from "../../services/guard-state/types.js";

/** Process-wide services the runtime hands to modules through their context. */
export interface Services {
  config: Config;
  log: ModuleLogger & { child(bindings: object): ModuleLogger };
  http: ServerHttpClient;
  secrets: SecretStore;
  env: NodeJS.ProcessEnv;
  /** Watches every /query when set (the journal); see observer.ts. */
  observer?: QueryObserver;
  /** The durable outbox (src/core/outbox); absent when disabled. */
  outbox?: OutboxHook;
  /** Per-module concurrency caps (concurrency.ts); absent: no cap. */
  gates?: ModuleGates;
  /** The embedded store shared by the console and the outbox, opened on first use. */
  store?: () => Store;
  /** Guard state (src/services/guard-state), opened on first use; absent in isolates. */
  guardState?: () => GuardState;
}

/** What the runtime asks the outbox: queue this query instead of running it? */
export interface OutboxHook {
  /** Whether this query is to be queued (synchronous: most queries are not, and pay nothing more). */
  queues(mod: LoadedModule, body: Record<string, unknown>): boolean;
  /**
   * Undefined: run the module now (sync). Otherwise the request was queued (`ok`) or could not
   * be (`error`, a message for MISP). `secretValues` are scrubbed from that message.
   */
  intercept(
    mod: LoadedModule,
    body: Record<string, unknown>,
  ): Promise<{ ok: true } | { ok: false; error: string; secretValues: string[] } | undefined>;
  /** Queue metrics for /healthcheck and the console. */
  stats(): Promise<object>;
}
