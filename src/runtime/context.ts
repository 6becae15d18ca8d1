import { moduleSetting } from "../config.js";
import { bindHttpClient } from "../lib/http/client.js";
import type { ModuleContext } from "../sdk/types.js";
import type { Services } from "./services.js";

/** The context handed to a module handler for one request. */
export function createModuleContext(module: string, services: Services, signal: AbortSignal, deadline: number, bindings: object = {}): ModuleContext {
  const log = services.log.child({ module, ...bindings });
  return {
    module,
    log,
    signal,
    deadline,
    // The deadline also bounds retries: no new attempt starts that could not finish in time.
    http: bindHttpClient(services.http, { signal, deadline: Number.isFinite(deadline) ? deadline : undefined }),
    setting: (key) => moduleSetting(services.config, module, key, services.env),
    resolveSecret: (value) => services.secrets.resolve(value),
  };
}
