// Errors that no request owns (a module's timer throwing, a promise nobody awaited) must not end
// the server: MISP lets a publish through when a blocking guard cannot be reached. They are
// logged, bounded and scrubbed of the secrets the server knows, and the server keeps serving.
import { SECRET_NAME_RE, scrubSecrets } from "../../services/secrets/scrub.js";
import type { Config } from "../config.js";
import type { SecretStore } from "../../services/secrets/store.js";
import type { ModuleLogger } from "../../sdk/types.js";

const MAX_CHARS = 2000;
const MAX_LOGS_PER_MINUTE = 20;

/** Secret values the server knows without a request: secrets file and variables, secret-looking module settings. */
export function knownSecretValues(config: Config, env: NodeJS.ProcessEnv, secrets: SecretStore): string[] {
  const out = secrets.knownValues();
  for (const settings of Object.values(config.modules)) {
    for (const [key, v] of Object.entries(settings)) if (SECRET_NAME_RE.test(key) && typeof v === "string") out.push(v);
  }
  // Module settings from the environment (MISP_MODULES_<MODULE>_<KEY>) with a secret-looking key.
  for (const [k, v] of Object.entries(env))
    if (v && k.startsWith("MISP_MODULES_") && SECRET_NAME_RE.test(k.slice("MISP_MODULES_".length))) out.push(v);
  return out;
}

/** One bounded line for an error of unknown shape (a thrown string, an object whose `stack` is not text). */
export function strayErrorText(e: unknown, secrets: Iterable<string>): string {
  let text: string;
  try {
    if (e instanceof Error) text = typeof e.stack === "string" ? e.stack : `${String(e.name)}: ${String(e.message)}`;
    else if (typeof e === "string") text = e;
    else text = JSON.stringify(e) ?? String(e);
  } catch {
    text = Object.prototype.toString.call(e);
  }
  text = scrubSecrets(text, secrets);
  return text.length > MAX_CHARS ? `${text.slice(0, MAX_CHARS)}… (${text.length} characters)` : text;
}

/**
 * Keeps the process alive through uncaught exceptions and unhandled rejections (serve command).
 * Returns a function that removes the handlers.
 */
export function installProcessGuards(log: Pick<ModuleLogger, "error">, secrets: () => Iterable<string>): () => void {
  let windowStart = 0;
  let count = 0;
  let dropped = 0;
  const report = (what: string) => (e: unknown) => {
    const now = Date.now();
    if (now - windowStart > 60_000) {
      if (dropped > 0) log.error({ dropped }, "more errors outside any request were not logged");
      windowStart = now;
      count = 0;
      dropped = 0;
    }
    if (++count > MAX_LOGS_PER_MINUTE) {
      dropped++;
      return;
    }
    log.error(
      { err: strayErrorText(e, secrets()) },
      `${what} outside any request (a module's timer or forgotten promise?); the server keeps serving`,
    );
  };
  const onException = report("uncaught exception");
  const onRejection = report("unhandled promise rejection");
  process.on("uncaughtException", onException);
  process.on("unhandledRejection", onRejection);
  return () => {
    process.off("uncaughtException", onException);
    process.off("unhandledRejection", onRejection);
  };
}
