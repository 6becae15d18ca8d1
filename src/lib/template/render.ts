// Stable entry point of the template engine. Callers (worker pool, CLI, modules) use only this file.
import nunjucks from "nunjucks";

export interface RenderLimits {
  maxOutputBytes: number;
  maxRangeSize: number;
  maxLoopIterations: number;
}

export const DEFAULT_RENDER_LIMITS: RenderLimits = Object.freeze({
  maxOutputBytes: 1024 * 1024,
  maxRangeSize: 100_000,
  maxLoopIterations: 1_000_000,
});

export type TemplateErrorKind = "syntax" | "render" | "undefined" | "security" | "limit";

export class TemplateError extends Error {
  readonly kind: TemplateErrorKind;
  readonly pythonClass: string;
  readonly line?: number;
  readonly column?: number;
  constructor(kind: TemplateErrorKind, pythonClass: string, message: string, line?: number, column?: number) {
    super(message);
    this.name = "TemplateError";
    this.kind = kind;
    this.pythonClass = pythonClass;
    this.line = line;
    this.column = column;
  }
}

const env = new nunjucks.Environment(null, { autoescape: false });

/** Renders Jinja template text against a context (non-object contexts count as empty). */
export function renderJinja(template: string, context: unknown, limits?: Partial<RenderLimits>): string {
  const lim = { ...DEFAULT_RENDER_LIMITS, ...limits };
  const ctx = context !== null && typeof context === "object" && !Array.isArray(context) ? context : {};
  let out: string;
  try {
    out = env.renderString(template, ctx as object);
  } catch (e) {
    throw new TemplateError("render", "TemplateError", e instanceof Error ? e.message : String(e));
  }
  if (out.endsWith("\n")) out = out.slice(0, -1);
  if (Buffer.byteLength(out, "utf8") > lim.maxOutputBytes) {
    throw new TemplateError("limit", "OutputTooLarge", "rendered output exceeds the size limit");
  }
  return out;
}
