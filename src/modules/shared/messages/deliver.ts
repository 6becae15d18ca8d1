import { isHttpError, type HttpRequestOptions, type HttpResponse } from "../../../services/http/types.js";
import { scrubSecrets, urlCredentialParts } from "../../../services/secrets/scrub.js";
import { ModuleError } from "../../../sdk/errors.js";
import type { ModuleContext } from "../../../sdk/types.js";

// Sending a message through ctx.http. Failures without a response (timeout, refused
// connection, TLS) become a ModuleError that says what we tried to do; the URL itself is
// never part of the message because webhook URLs are credentials.

export interface DeliverOptions extends HttpRequestOptions {
  /** What the request does, e.g. "posting to Slack"; starts the error message. */
  what: string;
  /** Values removed from every message (tokens, webhook URLs). */
  secrets?: string[];
  /** The URL's path and query are a credential (incoming webhooks): scrub them too. */
  urlIsSecret?: boolean;
}

export async function deliver(ctx: Pick<ModuleContext, "http">, url: string, o: DeliverOptions): Promise<HttpResponse> {
  const { what, secrets = [], urlIsSecret = false, ...options } = o;
  const allSecrets = [...secrets, ...(urlIsSecret ? [url, ...urlSecretParts(url)] : [])];
  try {
    return await ctx.http.request(url, { ...options, secrets: allSecrets });
  } catch (err) {
    if (isHttpError(err)) throw new ModuleError(scrubSecrets(`${what} failed: ${err.message}`, allSecrets));
    throw err;
  }
}

/** The credential-bearing parts of an incoming-webhook URL (all of its path and query). */
export function urlSecretParts(url: string): string[] {
  return urlCredentialParts(url, true);
}

/** Throws when required parameters are empty, naming all of them at once (no request is sent). */
export function requireParams(values: Record<string, string>, hint?: string): void {
  const missing = Object.entries(values)
    .filter(([, v]) => v.trim() === "")
    .map(([k]) => k);
  if (missing.length === 0) return;
  const list = missing.join(", ");
  throw new ModuleError(`missing parameter${missing.length > 1 ? "s" : ""} ${list}${hint ? ` (${hint})` : ""}`);
}
