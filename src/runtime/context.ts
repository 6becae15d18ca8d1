import { moduleSetting } from "../config.js";
import { bindHttpClient } from "../lib/http/client.js";
import type { ModuleContext, ModuleLogger } from "../sdk/types.js";
import type { Services } from "./services.js";
import { SECRET_NAME_RE } from "../lib/secrets/scrub.js";

/** The context handed to a module handler for one request. */
export function createModuleContext(
  module: string,
  services: Services,
  /** Called on first use of `ctx.signal` or `ctx.http`: most handlers use neither. */
  signal: () => AbortSignal,
  deadline: number,
  bindings: object = {},
  /** Collects secret values met while serving the request, so errors can be scrubbed. */
  secretValues: string[] = [],
): ModuleContext {
  let log: ModuleLogger | undefined;
  let http: ModuleContext["http"] | undefined;
  return {
    module,
    // Created on first use: most handlers never log.
    get log() {
      return (log ??= services.log.child({ module, ...bindings }));
    },
    get signal() {
      return signal();
    },
    deadline,
    // The deadline also bounds retries: no new attempt starts that could not finish in time.
    get http() {
      return (http ??= bindHttpClient(services.http, { signal: signal(), deadline: Number.isFinite(deadline) ? deadline : undefined }));
    },
    setting: (key) => {
      const raw = moduleSetting(services.config, module, key, services.env);
      if (raw === undefined) return undefined;
      const value = services.secrets.resolve(raw);
      if (value !== raw || SECRET_NAME_RE.test(key)) secretValues.push(value);
      return value;
    },
    resolveSecret: (value) => {
      const resolved = services.secrets.resolve(value);
      if (resolved !== value) secretValues.push(resolved);
      return resolved;
    },
  };
}
