import type { FastifyServerOptions } from "fastify";
import { SECRET_NAME_RE } from "./lib/secrets/scrub.js";

// Structured JSON logs (pino). Request bodies are never logged at info level; values of
// secret-looking keys are redacted in every logged object, at every level.

const CENSOR = "[redacted]";
const MAX_DEPTH = 3;

function redactValue(value: unknown, depth: number): unknown {
  if (depth > MAX_DEPTH || value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    value.forEach((v, i) => {
      const r = redactValue(v, depth + 1);
      if (r !== v) (copy ??= [...value])[i] = r;
    });
    return copy ?? value;
  }
  let copy: Record<string, unknown> | undefined;
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    const r = SECRET_NAME_RE.test(k) && v !== "" && v !== null && v !== undefined ? CENSOR : redactValue(v, depth + 1);
    if (r !== v) (copy ??= { ...(value as Record<string, unknown>) })[k] = r;
  }
  return copy ?? value;
}

/**
 * Redacts keys named like credentials (token, secret, password, key, auth...) in a log line's
 * object. A key-name scan costs far less than pino's wildcard redaction paths on the hot path,
 * and catches names no path list would foresee (a module's `my_api_key`).
 */
export function redactLogObject(obj: Record<string, unknown>): Record<string, unknown> {
  return redactValue(obj, 0) as Record<string, unknown>;
}

export function loggerOptions(debug: boolean, quiet = false): FastifyServerOptions["logger"] {
  return {
    level: quiet ? "silent" : debug ? "debug" : "info",
    formatters: { log: redactLogObject },
    base: { name: "misp-modules-ts" },
  };
}
