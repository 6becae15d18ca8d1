// Log lines for people (docs/operations.md, "Logs"): one short coloured line per record,
// rewritten from the JSON line pino produced. Redaction and bounds ran before (logger.ts),
// so both formats carry exactly the same fields.

const LEVELS: Record<number, [string, string]> = {
  10: ["TRACE", "\x1b[90m"],
  20: ["DEBUG", "\x1b[36m"],
  30: ["INFO ", "\x1b[32m"],
  40: ["WARN ", "\x1b[33m"],
  50: ["ERROR", "\x1b[31m"],
  60: ["FATAL", "\x1b[41;97m"],
};
const RESET = "\x1b[0m";
const DIM = "\x1b[2m";
/** Fields shown elsewhere in the line, or noise for a person. */
const HIDDEN = new Set(["level", "time", "msg", "name", "pid", "hostname", "v"]);

function field(value: unknown): string {
  if (typeof value === "string") return /[\s"=]/.test(value) || value === "" ? JSON.stringify(value) : value;
  return JSON.stringify(value) ?? String(value);
}

/** One JSON log line as a line for people; a line that is not JSON is passed through. */
export function prettyLine(line: string, colour: boolean): string {
  let rec: Record<string, unknown>;
  try {
    rec = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line.endsWith("\n") ? line : `${line}\n`;
  }
  if (rec === null || typeof rec !== "object") return `${line.trimEnd()}\n`;
  const [label, tint] = LEVELS[Number(rec.level)] ?? [String(rec.level).padEnd(5), ""];
  const time = typeof rec.time === "number" ? new Date(rec.time).toISOString().slice(11, 23) : "";
  const rest = Object.entries(rec)
    .filter(([k]) => !HIDDEN.has(k))
    .map(([k, v]) => (colour ? `${DIM}${k}=${RESET}${field(v)}` : `${k}=${field(v)}`))
    .join(" ");
  const msg = typeof rec.msg === "string" ? rec.msg : "";
  const head = colour ? `${DIM}${time}${RESET} ${tint}${label}${RESET}` : `${time} ${label}`;
  return `${head} ${msg}${rest ? ` ${rest}` : ""}\n`;
}

interface Sink {
  write(chunk: string): unknown;
}

/** A destination for pino that writes pretty lines to `out` (stdout by default). */
export function prettyDestination(
  out: Sink & { isTTY?: boolean } = process.stdout,
  colour?: boolean,
): Sink & { flush(cb?: () => void): void } {
  const useColour = colour ?? (Boolean(out.isTTY) && !process.env.NO_COLOR);
  return {
    write: (chunk: string) => out.write(prettyLine(chunk, useColour)),
    flush: (cb?: () => void) => cb?.(),
  };
}

/** The format in effect: auto is pretty on a terminal, JSON otherwise (journald, files, pipes). */
export function resolveLogFormat(format: "auto" | "json" | "pretty", isTTY = Boolean(process.stdout.isTTY)): "json" | "pretty" {
  return format === "auto" ? (isTTY ? "pretty" : "json") : format;
}
