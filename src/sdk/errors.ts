/**
 * A failure a module wants MISP to see. The core replies HTTP 200 with
 * `{"error": "<module>: <message>"}` for action modules and `{"error": message, "results": []}`
 * for expansions; the message should be one line a MISP user can act on.
 */
export class ModuleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ModuleError";
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
