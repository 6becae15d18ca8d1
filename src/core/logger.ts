import type { FastifyServerOptions } from "fastify";
import { SECRET_NAME_RE } from "../services/secrets/scrub.js";

// Structured JSON logs (pino). Request bodies are never logged at info level; values of
// secret-looking keys are redacted in every logged object, at every level.

const CENSOR = "[redacted]";
const MAX_DEPTH = 3;

/** Longest string value kept whole in a log record; longer ones keep their head and length. */
export const MAX_LOG_STRING = 4096;
/** Longest log line, in characters (a record is rebuilt smaller beyond it). */
export const MAX_LOG_LINE = 16 * 1024;

function boundString(s: string, max: number = MAX_LOG_STRING): string {
  return s.length <= max ? s : `${s.slice(0, max)}… (${s.length} chars)`;
}

function redactValue(value: unknown, depth: number): unknown {
  if (typeof value === "string") return value.length > MAX_LOG_STRING ? boundString(value) : value;
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

/** Every string in a parsed record cut to `max` characters, without recursion. */
function shrinkRecord(record: unknown, max: number): unknown {
  const shrink = (v: unknown): unknown => (typeof v === "string" ? boundString(v, max) : v);
  const root = shrink(record);
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const node = stack.pop();
    if (node === null || typeof node !== "object") continue;
    const obj = node as Record<string, unknown>;
    for (const k of Object.keys(obj)) {
      obj[k] = shrink(obj[k]);
      if (obj[k] !== null && typeof obj[k] === "object") stack.push(obj[k]);
    }
  }
  return root;
}

/**
 * The last bound on a log line, whatever produced it (an error's stack, a serializer, a
 * message): a line over MAX_LOG_LINE is rebuilt with shorter strings and `truncated: true`,
 * and stays one valid JSON record. Huge lines cost the event loop and overflow readers' buffers.
 */
export function boundLogLine(line: string): string {
  if (line.length <= MAX_LOG_LINE) return line;
  let record: unknown;
  try {
    record = JSON.parse(line);
  } catch {
    record = undefined;
  }
  if (record !== null && typeof record === "object") {
    for (const max of [1024, 128]) {
      const copy = shrinkRecord(structuredClone(record), max) as Record<string, unknown>;
      copy.truncated = true;
      const out = JSON.stringify(copy) + "\n";
      if (out.length <= MAX_LOG_LINE) return out;
    }
  }
  const level = /"level":(\d+)/.exec(line.slice(0, 200))?.[1];
  return (
    JSON.stringify({
      level: level ? Number(level) : 50,
      time: Date.now(),
      name: "misp-modules-ts",
      msg: "log record too long; cut",
      chars: line.length,
      head: line.slice(0, 1024),
    }) + "\n"
  );
}

export function loggerOptions(debug: boolean, quiet = false): FastifyServerOptions["logger"] {
  return {
    level: quiet ? "silent" : debug ? "debug" : "info",
    formatters: { log: redactLogObject },
    hooks: { streamWrite: boundLogLine },
    base: { name: "misp-modules-ts" },
  };
}
