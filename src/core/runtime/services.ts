import type { Config } from "../config.js";
import type { ServerHttpClient } from "../../services/http/client.js";
import type { SecretStore } from "../../services/secrets/store.js";
import type { ModuleLogger } from "../../sdk/types.js";
import type { QueryObserver } from "./observer.js";

/** Process-wide services the runtime hands to modules through their context. */
export interface Services {
  config: Config;
  log: ModuleLogger & { child(bindings: object): ModuleLogger };
  http: ServerHttpClient;
  secrets: SecretStore;
  env: NodeJS.ProcessEnv;
  /** Watches every /query when set (the journal); see observer.ts. */
  observer?: QueryObserver;
}
