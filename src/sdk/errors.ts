const MODULE_ERROR = Symbol.for("misp-modules-ts.ModuleError");

/** True for a ModuleError (or subclass) from any copy of the SDK. */
export function isModuleError(e: unknown): e is ModuleError {
  return typeof e === "object" && e !== null && (e as Record<symbol, unknown>)[MODULE_ERROR] === true;
}

/**
 * A failure a module wants MISP to see. The core replies HTTP 200 with
 * `{"error": "<module>: <message>"}` for action modules and `{"error": message, "results": []}`
 * for expansions; the message should be one line a MISP user can act on.
 */
export class ModuleError extends Error {
  /** Brand that survives module-graph boundaries (custom modules may load another copy of this file). */
  readonly [MODULE_ERROR] = true;
  /** The outbox may try again later (a vendor's temporary failure outside HTTP, e.g. SMTP 4xx). */
  readonly retryable?: boolean;
  /** Wait before the next attempt, when the vendor said (ms). */
  readonly retryAfterMs?: number;
  constructor(message: string, options?: { retryable?: boolean; retryAfterMs?: number }) {
    super(message);
    this.name = "ModuleError";
    if (options?.retryable !== undefined) this.retryable = options.retryable;
    if (options?.retryAfterMs !== undefined) this.retryAfterMs = options.retryAfterMs;
  }
}

/** Raised while reading parameters/settings; the message names the parameter. */
export class ParamError extends ModuleError {
  constructor(
    readonly param: string,
    reason: string,
  ) {
    super(`parameter "${param}": ${reason}`);
    this.name = "ParamError";
  }
}

/**
 * Runs `parse` on a parameter's value; an error of class `as` (a parser's own "this input is
 * wrong") becomes a ParamError naming `param`. Anything else is rethrown as is.
 */
export function parseParam<T>(param: string, as: abstract new (...args: never[]) => Error, parse: () => T): T {
  try {
    return parse();
  } catch (e) {
    if (e instanceof as) throw new ParamError(param, e.message);
    throw e;
  }
}
