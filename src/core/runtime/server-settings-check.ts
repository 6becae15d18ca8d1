import { isModuleError } from "../../sdk/errors.js";
import { createModuleContext, type ContextModule } from "./context.js";
import type { Services } from "./services.js";

/**
 * Reads a module's declared server settings once as it loads: the error (naming module and key)
 * when a configured value is wrong, which fails the module like a failed init()
 * (docs/writing-modules.md#server-settings). Undefined when they all parse.
 */
export function serverSettingsProblem(mod: ContextModule & object, services: Services): string | undefined {
  if (!mod.def.serverSettings) return undefined;
  try {
    void createModuleContext(mod, services, () => AbortSignal.abort(), 0).settings;
    return undefined;
  } catch (e) {
    if (isModuleError(e)) return e.message;
    throw e;
  }
}
