// Stable entry point of the synchronous template engine: pool.ts and the tests use only this
// file. Callers that need a wall-clock limit (the jinja_template_rendering module, the CLI, the
// console) go through pool.ts, which runs this in worker threads (see README.md, "Entry points").

import type { Stmt } from "./ast.js";
import { Budget, DEFAULT_RENDER_LIMITS, type RenderLimits } from "./budget.js";
import { withBudget } from "./current.js";
import { TemplateError } from "./errors.js";
import { Renderer } from "./interpreter.js";
import { LruCache } from "./lru.js";
import { parse } from "./parser.js";
import { PyDict, isPlainData } from "./values.js";

export { DEFAULT_RENDER_LIMITS, TemplateError };
export { parseTemplateJson } from "./json-data.js";
export type { RenderLimits };
export type { TemplateErrorKind } from "./errors.js";

/** Parsed templates keyed by their text: MISP sends the same templates with every workflow run. */
const compiled = new LruCache<string, Stmt[] | TemplateError>(256);
/** Larger templates are parsed each time, so the cache stays small (at most 256 x 64 KiB of text). */
const MAX_CACHED_TEMPLATE_LENGTH = 64 * 1024;

/** Parses (or fetches from the cache) a template; syntax errors are cached too. */
export function compileJinja(template: string): Stmt[] {
  let entry = compiled.get(template);
  if (entry === undefined) {
    try {
      entry = parse(template);
    } catch (e) {
      if (e instanceof RangeError) entry = new TemplateError("limit", "RecursionError", "template nesting too deep");
      else if (e instanceof TemplateError) entry = e;
      else throw e;
    }
    if (template.length <= MAX_CACHED_TEMPLATE_LENGTH) compiled.set(template, entry);
  }
  if (entry instanceof TemplateError) throw entry;
  return entry;
}

/**
 * Renders Jinja template text with a context, like Jinja2's SandboxedEnvironment with default
 * settings. The context is any JSON value (non-objects count as an empty context). A template may
 * change its lists and dicts as in Jinja; every change is undone before this returns. Throws TemplateError for syntax errors, render errors, sandbox violations and limits.
 */
export function renderJinja(template: string, context: unknown, limits?: Partial<RenderLimits>): string {
  const body = compileJinja(template);
  const budget = new Budget({ ...DEFAULT_RENDER_LIMITS, ...limits });
  const ctx = isPlainData(context) ? context : context instanceof PyDict ? contextFromDict(context) : {};
  return withBudget(budget, () => {
    try {
      return new Renderer(ctx, budget).render(body);
    } catch (e) {
      throw asTemplateError(e);
    } finally {
      budget.journal.restore();
    }
  });
}

/** A top-level object parsed into a PyDict (integer-like keys): names are looked up by string key. */
function contextFromDict(d: PyDict): Record<string, unknown> {
  const ctx: Record<string, unknown> = Object.create(null);
  for (const [k, v] of d.entries()) if (typeof k === "string") ctx[k] = v;
  return ctx;
}

/** Anything else escaping the interpreter (deep recursion, out-of-memory) becomes a TemplateError. */
function asTemplateError(e: unknown): TemplateError {
  if (e instanceof TemplateError) return e;
  if (e instanceof RangeError) {
    return new TemplateError("limit", "RecursionError", "maximum recursion depth exceeded or value too large");
  }
  const err = new TemplateError("render", "InternalError", "internal template engine error");
  (err as Error & { cause?: unknown }).cause = e; // kept for debugging, never part of the message
  return err;
}
