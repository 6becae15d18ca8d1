// Checks Jinja2 makes while compiling a parsed template to Python: they fail the whole template
// before anything renders, even when the offending code would never run.

import type { MacroSignature, Stmt, Target } from "./ast.js";
import { TemplateError } from "./errors.js";
import { hasFilter } from "./filters.js";
import { hasTest } from "./tests.js";

function assertionError(message: string): TemplateError {
  return new TemplateError("syntax", "TemplateAssertionError", message);
}

/** Calls `visit` on every statement of the tree, parents before children, in template order. */
function walkStmts(body: readonly Stmt[], visit: (st: Stmt) => void): void {
  for (const st of body) {
    visit(st);
    for (const key of ["body", "else_"] as const) {
      const inner = (st as { [k: string]: unknown })[key];
      if (Array.isArray(inner)) walkStmts(inner as Stmt[], visit);
    }
  }
}

function targetNames(target: Target, into: string[]): void {
  if (target.t === "name") into.push(target.name);
  else if (target.t === "tuple") for (const item of target.items) targetNames(item, into);
}

/** Whether a name is read anywhere below `node`; like Jinja's find_undeclared, blocks are not entered. */
function readsName(node: unknown, name: string): boolean {
  if (!node || typeof node !== "object") return false;
  if (Array.isArray(node)) return node.some((n) => readsName(n, name));
  const o = node as Record<string, unknown>;
  if (o.t === "name" && o.name === name) return true;
  if (o.t === "block") return false;
  for (const [key, value] of Object.entries(o)) {
    // Assignment targets store, they do not read.
    if (key === "target" || key === "targets") continue;
    if (value && typeof value === "object" && readsName(value, name)) return true;
  }
  return false;
}

function checkSignature(sig: MacroSignature, body: Stmt[]): void {
  const callerAt = sig.args.indexOf("caller");
  // An explicit `caller` parameter the body reads must have a default (Jinja's macro_body).
  if (callerAt >= 0 && callerAt < sig.args.length - sig.defaults.length && readsName(body, "caller")) {
    throw assertionError('When defining macros or call blocks the special "caller" argument must be omitted or be given a default.');
  }
}

/** Runs Jinja's compile-time checks; throws TemplateAssertionError or SyntaxError (from Python's compile()). */
export function checkCompile(body: Stmt[]): void {
  // visit_Template: every block name once, wherever the block is.
  const blocks = new Set<string>();
  walkStmts(body, (st) => {
    if (st.t !== "block") return;
    if (blocks.has(st.name)) throw assertionError(`block '${st.name}' defined twice`);
    blocks.add(st.name);
  });
  walkStmts(body, (st) => {
    if (st.t === "for") {
      // The loop variable is special anywhere inside a for: as its target or any set/for target below.
      const names: string[] = [];
      targetNames(st.target, names);
      walkStmts([...st.body, ...st.else_], (inner) => {
        if (inner.t === "for" || inner.t === "assign" || inner.t === "assignblock") targetNames(inner.target, names);
      });
      if (names.includes("loop")) throw assertionError("Can't assign to special loop variable in for-loop target");
    } else if (st.t === "macro" || st.t === "callblock") {
      checkSignature(st.sig, st.body);
    }
  });
  const unknown = unknownFilterOrTest(body);
  if (unknown) throw unknown;
  // Python compiles the generated module last: a repeated parameter or keyword name is its SyntaxError.
  const repeated = repeatedKeyword(body);
  if (repeated !== null) throw new TemplateError("syntax", "SyntaxError", `keyword argument repeated: ${repeated}`);
  walkStmts(body, (st) => {
    if (st.t !== "macro" && st.t !== "callblock") return;
    const seen = new Set<string>();
    for (const arg of st.sig.args) {
      if (seen.has(arg)) throw new TemplateError("syntax", "SyntaxError", `duplicate argument '${arg}' in function definition`);
      seen.add(arg);
    }
  });
}

/** The first keyword given twice in one call, filter or test (`dict(a=1, a=2)`), anywhere in the tree. */
function repeatedKeyword(node: unknown): string | null {
  if (!node || typeof node !== "object") return null;
  if (Array.isArray(node)) {
    for (const n of node) {
      const found = repeatedKeyword(n);
      if (found !== null) return found;
    }
    return null;
  }
  const o = node as Record<string, unknown>;
  const call = o.args as { kwargs?: unknown } | undefined;
  if ((o.t === "call" || o.t === "filter" || o.t === "test") && call && Array.isArray(call.kwargs)) {
    const seen = new Set<string>();
    for (const [key] of call.kwargs as [string, unknown][]) {
      if (seen.has(key)) return key;
      seen.add(key);
    }
  }
  for (const value of Object.values(o)) {
    if (value && typeof value === "object") {
      const found = repeatedKeyword(value);
      if (found !== null) return found;
    }
  }
  return null;
}

/**
 * An unknown filter or test outside Jinja's "soft" frames (if tests, conditional expressions) fails
 * the compile even where it would never run (a loop over nothing, a macro never called).
 */
function unknownFilterOrTest(node: unknown): TemplateError | null {
  if (!node || typeof node !== "object") return null;
  if (Array.isArray(node)) {
    for (const n of node) {
      const found = unknownFilterOrTest(n);
      if (found) return found;
    }
    return null;
  }
  const o = node as Record<string, unknown>;
  if ((o.t === "filter" || o.t === "test") && o.soft === false) {
    const name = o.name as string;
    if (o.t === "filter" ? !hasFilter(name) : !hasTest(name)) {
      const what = o.t === "filter" ? "filter" : "test";
      return new TemplateError("syntax", "TemplateAssertionError", `No ${what} named '${name}'.`, o.line as number, o.column as number);
    }
  }
  for (const value of Object.values(o)) {
    if (value && typeof value === "object") {
      const found = unknownFilterOrTest(value);
      if (found) return found;
    }
  }
  return null;
}
