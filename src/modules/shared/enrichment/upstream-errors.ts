// Turns a failed outbound call into a one-line message for MISP's error flash, naming the
// service so the user knows which lookup failed. The HTTP layer's messages never contain
// secrets (it scrubs them); we add nothing but the service name. Duck-typed checks: module
// files are imported through tsx and may see their own copy of the error classes.
import { isHttpError } from "../../../services/http/types.js";
import { isModuleError, ModuleError } from "../../../sdk/errors.js";

export function upstreamFailure(service: string, err: unknown): Error {
  if (isModuleError(err)) return err;
  if (isHttpError(err)) {
    switch (err.kind) {
      case "timeout":
        return new ModuleError(`${service}: Timeout, the service did not answer in time (${err.message})`);
      case "aborted":
        return err; // the request deadline passed; the core answers with its timeout reply
      case "network":
        return new ModuleError(`${service}: service not reachable (${err.message})`);
      case "parse":
        return new ModuleError(`${service}: the service did not answer with JSON`);
      default:
        return new ModuleError(`${service}: ${err.message}`);
    }
  }
  if (err instanceof Error && err.name === "AbortError") return err;
  return new ModuleError(`${service}: ${err instanceof Error ? err.message : String(err)}`);
}
