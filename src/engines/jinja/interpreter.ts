// Walks the syntax tree and renders it with Python/Jinja semantics. No JavaScript is generated from
// templates, so template text can never become code.

import type { CallSyntax, Expr, MacroSignature, Stmt, Target } from "./ast.js";
import { SliceKey, getAttr, getItem, sliceValue } from "./attributes.js";
import type { Budget } from "./budget.js";
import { TemplateError, pyError } from "./errors.js";
import { callFilter, hasFilter } from "./filters.js";
import { GLOBALS, LoopContext, Namespace } from "./globals.js";
import * as ops from "./ops.js";
import { str } from "./printing.js";
import { type BlockHost, TemplateReference, collectBlocks, readsSelfFirst } from "./selfref.js";
import { callTest, hasTest } from "./tests.js";
import {
  MISSING,
  Markup,
  PyCallable,
  PyDict,
  PyFloat,
  PyIter,
  PyObject,
  PyRange,
  Undefined,
  dictEntries,
  isDict,
  isOwned,
  isTuple,
  newList,
  tuple,
  typeName,
  type CallArgs,
} from "./values.js";

/** A variable scope; lookups fall through to the parent, then to the context, then to globals. */
class Scope {
  readonly vars = new Map<string, unknown>();
  /** Set on the scope of the template body and of each block body (Jinja's function frames). */
  frame = false;
  /** `self` of that frame, when its code reads `self` before binding it. */
  selfRef: TemplateReference | null = null;
  constructor(readonly parent: Scope | null) {}
}

/** Per parsed template (the trees are cached and immutable): its blocks and whether it reads `self`. */
const templateInfo = new WeakMap<Stmt[], { blocks: Map<string, Stmt & { t: "block" }>; readsSelf: boolean }>();
const blockReadsSelf = new WeakMap<Stmt, boolean>();

/** Collected output of a template, macro or block body, bounded in size. */
class Output {
  // Appending to one string (V8 builds a rope, flattened once when read) is cheaper than
  // collecting parts and joining them.
  private text = "";
  /** UTF-8 bytes once counted; until then a UTF-16 unit counts as at most 3 bytes. */
  private bytes = -1;
  constructor(private readonly maxBytes: number) {}
  write(s: string): void {
    if (!s) return;
    this.text += s;
    if (this.bytes < 0) {
      if (this.text.length * 3 <= this.maxBytes) return;
      this.bytes = Buffer.byteLength(this.text, "utf8");
    } else this.bytes += Buffer.byteLength(s, "utf8");
    if (this.bytes > this.maxBytes) {
      throw new TemplateError("limit", "OutputTooLarge", `rendered output exceeds ${this.maxBytes} bytes`);
    }
  }
  toString(): string {
    return this.text;
  }
}

const hasOwn = Object.prototype.hasOwnProperty;

/** Whether repr() of a number starts with a minus sign (-0.0 does, the int 0 does not). */
function reprIsNegative(v: unknown): boolean {
  if (typeof v === "number") return v < 0;
  if (typeof v === "bigint") return v < 0n;
  return v instanceof PyFloat && (v.v < 0 || Object.is(v.v, -0));
}

/** Python's `obj[key] = value` for a `{% set obj.key %}` target. */
function storeItem(obj: unknown, key: string, value: unknown): void {
  if (obj instanceof Namespace) {
    obj.setAttr(key, value);
  } else if (obj instanceof PyDict && isOwned(obj)) {
    obj.set(key, value);
  } else if (isDict(obj)) {
    throw pyError("SecurityError", "access to attribute '__setitem__' of 'dict' object is unsafe.");
  } else if (Array.isArray(obj) && !isTuple(obj)) {
    throw pyError("TypeError", "list indices must be integers or slices, not str");
  } else {
    throw pyError("TypeError", `'${typeName(obj)}' object does not support item assignment`);
  }
}

/** Names a macro body uses, to know whether it accepts varargs / kwargs / caller. */
const macroNames = new WeakMap<object, Set<string>>();
function namesUsed(body: Stmt[]): Set<string> {
  let found = macroNames.get(body);
  if (found) return found;
  const names = new Set<string>();
  const walk = (n: unknown): void => {
    if (!n || typeof n !== "object") return;
    if (Array.isArray(n)) {
      n.forEach(walk);
      return;
    }
    const o = n as Record<string, unknown>;
    if (o.t === "name" && typeof o.name === "string") names.add(o.name);
    for (const v of Object.values(o)) if (v && typeof v === "object") walk(v);
  };
  walk(body);
  found = names;
  macroNames.set(body, found);
  return found;
}

export class Renderer implements BlockHost {
  private autoescape = false;
  private blocks = new Map<string, Stmt & { t: "block" }>();
  private root = new Scope(null);
  /** Set while evaluating an expression Jinja would have folded at compile time. */
  private constMode = false;

  constructor(
    private readonly context: Record<string, unknown>,
    readonly budget: Budget,
  ) {
    this.filterEnv.budget = budget;
  }

  render(body: Stmt[]): string {
    let info = templateInfo.get(body);
    if (!info) {
      info = { blocks: collectBlocks(body), readsSelf: readsSelfFirst(body) };
      templateInfo.set(body, info);
    }
    this.blocks = info.blocks;
    this.root.frame = true;
    if (info.readsSelf) this.root.selfRef = new TemplateReference(this);
    const out = new Output(this.budget.limits.maxOutputBytes);
    this.execBody(body, this.root, out);
    return out.toString();
  }

  hasBlock(name: string): boolean {
    return this.blocks.has(name);
  }

  /** `self.name()`: the block rendered again, with the template's top-level variables. */
  renderBlock(name: string): unknown {
    const st = this.blocks.get(name)!;
    this.budget.enter();
    try {
      const out = new Output(this.budget.limits.maxOutputBytes);
      this.execBlock(st, this.root, out);
      return this.markupIfEscaping(out.toString());
    } finally {
      this.budget.leave();
    }
  }

  /** A block body is a function of its own in Jinja: it sees only the top-level (or, if scoped, the enclosing) variables, and starts without autoescaping. */
  private execBlock(st: Stmt & { t: "block" }, parent: Scope, out: Output): void {
    // Without template inheritance nothing can fill a required block.
    if (st.required) throw pyError("TemplateRuntimeError", `Required block '${st.name}' not found`);
    const s = new Scope(parent);
    s.frame = true;
    let reads = blockReadsSelf.get(st);
    if (reads === undefined) {
      reads = readsSelfFirst(st.body);
      blockReadsSelf.set(st, reads);
    }
    if (reads) s.selfRef = new TemplateReference(this);
    const saved = this.autoescape;
    this.autoescape = false;
    try {
      this.execBody(st.body, s, out);
    } finally {
      this.autoescape = saved;
    }
  }

  // ---- statements ----

  private execBody(body: Stmt[], scope: Scope, out: Output): void {
    for (const st of body) this.exec(st, scope, out);
  }

  private exec(st: Stmt, scope: Scope, out: Output): void {
    switch (st.t) {
      case "output":
        for (const n of st.nodes) {
          if (typeof n === "string") out.write(n);
          else out.write(this.print(this.evalOutput(n, scope)));
        }
        return;
      case "if":
        this.execBody(ops.truthy(this.eval(st.test, scope)) ? st.body : st.else_, scope, out);
        return;
      case "for":
        this.execFor(st, scope, out, this.eval(st.iter, scope), 0);
        return;
      case "assign":
        // Jinja checks every `ns.attr` target before it evaluates the value.
        this.checkNamespaceTargets(st.target, scope);
        this.assign(st.target, this.eval(st.node, scope), scope);
        return;
      case "assignblock": {
        const inner = new Output(this.budget.limits.maxOutputBytes);
        this.execBody(st.body, new Scope(scope), inner);
        let value: unknown = this.markupIfEscaping(inner.toString());
        if (st.filter) value = this.evalFilter(st.filter, scope, value);
        this.assign(st.target, value, scope);
        return;
      }
      case "macro":
        scope.vars.set(st.name, this.makeMacro(st.name, st.sig, st.body, scope));
        return;
      case "callblock": {
        const caller = this.makeMacro("caller", st.sig, st.body, scope);
        const result = this.evalCall(st.call, scope, caller);
        out.write(this.print(result));
        return;
      }
      case "filterblock": {
        const inner = new Output(this.budget.limits.maxOutputBytes);
        this.execBody(st.body, new Scope(scope), inner);
        out.write(this.print(this.evalFilter(st.filter, scope, this.markupIfEscaping(inner.toString()))));
        return;
      }
      case "with": {
        const inner = new Scope(scope);
        const values = st.values.map((v) => this.eval(v, scope));
        st.targets.forEach((t, i) => this.assign(t, values[i], inner));
        this.execBody(st.body, inner, out);
        return;
      }
      case "block":
        this.execBlock(st, st.scoped ? scope : rootOf(scope), out);
        return;
      case "autoescape": {
        const saved = this.autoescape;
        this.autoescape = ops.truthy(this.eval(st.value, scope));
        try {
          this.execBody(st.body, scope, out);
        } finally {
          this.autoescape = saved;
        }
        return;
      }
      case "unsupported":
        throw pyError(st.exc, st.message);
    }
  }

  /**
   * Jinja's optimizer evaluates constant parts of expressions at compile time; there slices go
   * through the sandbox's getitem (Undefined on failure) instead of Python's subscript. A folded
   * part keeps its value only if it is a plain constant, but a whole output expression is always
   * printed from its folded value. Anything that cannot be folded is evaluated normally.
   */
  private evalOutput(e: Expr, scope: Scope): unknown {
    if (!maybeConstant(e)) return this.eval(e, scope);
    const folded = this.fold(e, scope);
    return folded === IMPOSSIBLE ? this.eval(e, scope) : folded;
  }

  private fold(e: Expr, scope: Scope): unknown {
    this.constMode = true;
    try {
      return this.eval(e, scope);
    } catch {
      return IMPOSSIBLE;
    } finally {
      this.constMode = false;
    }
  }

  private markupIfEscaping(s: string): unknown {
    return this.autoescape ? new Markup(s) : s;
  }

  private print(v: unknown): string {
    if (this.autoescape && !(v instanceof Markup)) return ops.escapeHtml(str(v));
    return str(v);
  }

  private execFor(st: Stmt & { t: "for" }, scope: Scope, out: Output, iterable: unknown, depth: number): void {
    // Items are pulled lazily, as in Jinja: errors surface in the same order, and loop.length /
    // loop.last only look ahead when the template asks for them.
    const source = ops.iterate(iterable)[Symbol.iterator]();
    const budget = this.budget;
    const test = st.test;
    const items: Iterator<unknown> = test
      ? (function* (self: Renderer): Generator<unknown> {
          for (let r = source.next(); !r.done; r = source.next()) {
            budget.work(1);
            const s = new Scope(scope);
            self.assign(st.target, r.value, s);
            if (ops.truthy(self.eval(test, s))) yield r.value;
          }
        })(this)
      : source;
    const knownLength = test ? null : sizedLength(iterable);
    const recurse = st.recursive
      ? new PyCallable(
          "loop",
          (c) => {
            const inner = new Output(this.budget.limits.maxOutputBytes);
            this.execFor(st, scope, inner, c.args[0], depth + 1);
            return this.markupIfEscaping(inner.toString());
          },
          "<bound method LoopContext.__call__>",
        )
      : null;
    const loop = new LoopContext(items, knownLength, depth, recurse);
    let any = false;
    for (let r = loop.advance(); !r.done; r = loop.advance()) {
      any = true;
      budget.loop();
      const s = new Scope(scope);
      s.vars.set("loop", loop);
      this.assign(st.target, r.value, s);
      this.execBody(st.body, s, out);
    }
    if (!any) this.execBody(st.else_, new Scope(scope), out);
  }

  private assign(target: Target, value: unknown, scope: Scope): void {
    if (target.t === "name") {
      scope.vars.set(target.name, value);
      return;
    }
    if (target.t === "nsref") {
      // Compiled as `ref['attr'] = value`; only `{% set %}` with `=` checks for a Namespace first.
      storeItem(this.lookup(target.name, scope), target.attr, value);
      return;
    }
    const items: unknown[] = [];
    for (const x of ops.iterate(value)) {
      items.push(x);
      if (items.length > target.items.length) break;
    }
    if (items.length < target.items.length) {
      throw pyError("ValueError", `not enough values to unpack (expected ${target.items.length}, got ${items.length})`);
    }
    if (items.length > target.items.length) throw pyError("ValueError", `too many values to unpack (expected ${target.items.length})`);
    target.items.forEach((t, i) => this.assign(t, items[i], scope));
  }

  private checkNamespaceTargets(target: Target, scope: Scope): void {
    if (target.t === "tuple") target.items.forEach((t) => this.checkNamespaceTargets(t, scope));
    else if (target.t === "nsref" && !(this.lookup(target.name, scope) instanceof Namespace)) {
      throw pyError("TemplateRuntimeError", "cannot assign attribute on non-namespace object");
    }
  }

  private lookup(name: string, scope: Scope): unknown {
    for (let s: Scope | null = scope; s; s = s.parent) {
      const v = s.vars.get(name);
      if (v !== undefined || s.vars.has(name)) return v;
      // Jinja binds `self` as a local of the template or block function, ahead of outer variables.
      if (s.selfRef && name === "self") return s.selfRef;
    }
    if (hasOwn.call(this.context, name)) return this.context[name];
    if (hasOwn.call(GLOBALS, name)) return GLOBALS[name];
    return new Undefined(null, MISSING, name);
  }

  private makeMacro(name: string, sig: MacroSignature, body: Stmt[], defScope: Scope): PyCallable {
    const used = namesUsed(body);
    // Jinja's Macro.__call__: a parameter named varargs/kwargs is an ordinary one; an explicit
    // `caller` parameter takes the call block like any keyword argument.
    const catchVarargs = used.has("varargs") && !sig.args.includes("varargs");
    const catchKwargs = used.has("kwargs") && !sig.args.includes("kwargs");
    const callerAllowed = used.has("caller");
    const explicitCaller = sig.args.includes("caller");
    const nDefaultsStart = sig.args.length - sig.defaults.length;
    const fn = (call: CallArgs): unknown => {
      this.budget.enter();
      try {
        const s = new Scope(defScope);
        const kwargs = new Map(call.kwargs);
        const extra = call.args.slice(sig.args.length);
        let foundCaller = explicitCaller && call.args.length >= sig.args.length;
        // Every parameter is local while defaults are computed: one not passed (and not yet
        // defaulted) reads as Undefined, so `m(x=x)` never sees an outer x.
        const missing: number[] = [];
        for (let i = 0; i < sig.args.length; i++) {
          const argName = sig.args[i];
          let v: unknown = MISSING;
          if (i < call.args.length) {
            v = call.args[i];
          } else {
            if (kwargs.has(argName)) {
              v = kwargs.get(argName);
              kwargs.delete(argName);
            }
            if (argName === "caller") foundCaller = true;
          }
          if (v === MISSING) {
            missing.push(i);
            v = new Undefined(null, MISSING, argName);
          }
          s.vars.set(argName, v);
        }
        for (const i of missing) {
          const argName = sig.args[i];
          s.vars.set(
            argName,
            i >= nDefaultsStart
              ? this.eval(sig.defaults[i - nDefaultsStart], s)
              : new Undefined(`parameter ${JSON.stringify(argName).replace(/"/g, "'")} was not provided`, MISSING, argName),
          );
        }
        if (callerAllowed && !foundCaller) {
          const caller = kwargs.get("caller");
          kwargs.delete("caller");
          s.vars.set("caller", caller === undefined || caller === null ? new Undefined("No caller defined", MISSING, "caller") : caller);
        }
        if (catchKwargs) {
          const d = new PyDict();
          for (const [k, v] of kwargs) d.set(k, v);
          s.vars.set("kwargs", d);
        } else if (kwargs.size) {
          if (kwargs.has("caller")) {
            throw pyError(
              "TypeError",
              `macro '${name}' was invoked with two values for the special caller argument. This is most likely a bug.`,
            );
          }
          throw pyError("TypeError", `macro '${name}' takes no keyword argument '${kwargs.keys().next().value}'`);
        }
        if (catchVarargs) s.vars.set("varargs", tuple(extra));
        else if (extra.length) {
          throw pyError("TypeError", `macro '${name}' takes not more than ${sig.args.length} argument(s)`);
        }
        const out = new Output(this.budget.limits.maxOutputBytes);
        this.execBody(body, s, out);
        return this.markupIfEscaping(out.toString());
      } finally {
        this.budget.leave();
      }
    };
    const attrs = new Map<string, unknown>([
      ["name", name],
      ["arguments", tuple([...sig.args])],
      ["catch_kwargs", catchKwargs],
      ["catch_varargs", catchVarargs],
      ["caller", callerAllowed],
    ]);
    return new PyCallable(name, fn, `<Macro '${name}'>`, false, attrs);
  }

  // ---- expressions ----

  eval(e: Expr, scope: Scope): unknown {
    if (!this.constMode && e.t !== "const" && e.t !== "name" && maybeConstant(e)) {
      const folded = this.fold(e, scope);
      if (folded !== IMPOSSIBLE && hasSafeRepr(folded)) {
        // Jinja writes folded constants into generated Python source: inf/nan become undefined names.
        const bad = nonFiniteIn(folded);
        if (bad) throw pyError("NameError", `name '${bad}' is not defined`);
        return folded;
      }
    }
    return this.evalNode(e, scope);
  }

  private evalNode(e: Expr, scope: Scope): unknown {
    switch (e.t) {
      case "const": {
        // Outside a folded constant Jinja writes the literal's repr into Python source: `inf` is a NameError.
        const bad = this.constMode ? null : nonFiniteIn(e.value);
        if (bad) throw pyError("NameError", `name '${bad}' is not defined`);
        return e.value;
      }
      case "name":
        if (this.constMode) throw IMPOSSIBLE;
        return this.lookup(e.name, scope);
      case "getattr":
        return getAttr(this.eval(e.node, scope), e.attr);
      case "getitem": {
        const obj = this.eval(e.node, scope);
        // Jinja compiles slices to a plain Python subscript (errors propagate), except where its
        // optimizer folded a constant expression through the sandbox's getitem (Undefined on error).
        if (e.arg.t === "slice" && !this.constMode) return sliceValue(obj, this.evalSlice(e.arg, scope));
        return getItem(obj, this.eval(e.arg, scope));
      }
      case "slice":
        return this.evalSlice(e, scope);
      case "tuple":
        return tuple(e.items.map((x) => this.eval(x, scope)));
      case "list":
        return newList(e.items.map((x) => this.eval(x, scope)));
      case "dict": {
        const d = new PyDict();
        for (const [k, v] of e.items) d.set(this.eval(k, scope), this.eval(v, scope));
        return d;
      }
      case "condexpr":
        if (ops.truthy(this.eval(e.test, scope))) return this.eval(e.expr1, scope);
        if (e.expr2) return this.eval(e.expr2, scope);
        if (this.constMode) throw IMPOSSIBLE;
        return new Undefined("the inline if-expression on line ? evaluated to false and no else section was defined.");
      case "and": {
        const l = this.eval(e.left, scope);
        return ops.truthy(l) ? this.eval(e.right, scope) : l;
      }
      case "or": {
        const l = this.eval(e.left, scope);
        return ops.truthy(l) ? l : this.eval(e.right, scope);
      }
      case "unary": {
        const v = this.eval(e.node, scope);
        if (e.op === "not") return !ops.truthy(v);
        return e.op === "neg" ? ops.neg(v) : ops.pos(v);
      }
      case "binop": {
        const a = this.eval(e.left, scope);
        const b = this.eval(e.right, scope);
        switch (e.op) {
          case "add":
            return ops.add(a, b, this.budget);
          case "sub":
            return ops.sub(a, b);
          case "mul":
            return ops.mul(a, b, this.budget);
          case "div":
            return ops.div(a, b);
          case "floordiv":
            return ops.floordiv(a, b);
          case "mod":
            return ops.mod(a, b, this.budget);
          case "pow":
            // Jinja writes a folded negative constant without parentheses: `-2 ** x` runs as -(2 ** x).
            if (!this.constMode && !maybeConstant(e) && maybeConstant(e.left) && reprIsNegative(a))
              return ops.neg(ops.pow(ops.neg(a), b, this.budget));
            return ops.pow(a, b, this.budget);
        }
        return undefined;
      }
      case "concat": {
        let s = "";
        for (const item of e.items) {
          s += str(this.eval(item, scope));
          this.budget.checkString(s.length);
        }
        return s;
      }
      case "compare": {
        let left = this.eval(e.expr, scope);
        for (const { op, expr } of e.ops) {
          const right = this.eval(expr, scope);
          let ok: boolean;
          switch (op) {
            case "eq":
              ok = ops.eq(left, right);
              break;
            case "ne":
              ok = !ops.eq(left, right);
              break;
            case "in":
              ok = ops.contains(right, left);
              break;
            case "notin":
              ok = !ops.contains(right, left);
              break;
            default:
              ok = ops.order(op, left, right);
          }
          if (!ok) return false;
          left = right;
        }
        return true;
      }
      case "call":
        if (this.constMode) throw IMPOSSIBLE;
        return this.evalCall(e, scope, null);
      case "filter":
        return this.evalFilter(e, scope, MISSING);
      case "test": {
        const value = this.eval(e.node, scope);
        const args = this.evalArgs(e.args, scope);
        // Unknown tests outside if/conditional expressions already failed the compile (compilecheck.ts);
        // inside them Jinja compiles a stub that raises when called, after value and arguments.
        if (!hasTest(e.name)) throw pyError("TemplateRuntimeError", `No test named '${e.name}' found.`);
        return callTest(e.name, value, args);
      }
    }
  }

  readonly filterEnv = {
    budget: null as unknown as Budget, // set in the constructor (parameter properties are assigned after fields)
    callTest: (name: string, value: unknown, args: CallArgs) => {
      if (!hasTest(name)) throw pyError("TemplateRuntimeError", `No test named '${str(name)}'.`);
      return callTest(name, value, args);
    },
    callFilter: (name: string, value: unknown, args: CallArgs): unknown => {
      if (!hasFilter(name)) throw pyError("TemplateRuntimeError", `No filter named '${str(name)}'.`);
      return callFilter(name, value, args, this.filterEnv);
    },
    autoescape: () => this.autoescape,
  };

  private evalSlice(e: Expr & { t: "slice" }, scope: Scope): SliceKey {
    const part = (x: Expr | null): unknown => (x ? this.eval(x, scope) : null);
    return new SliceKey(part(e.start), part(e.stop), part(e.step));
  }

  private evalFilter(e: Expr & { t: "filter" }, scope: Scope, piped: unknown): unknown {
    if (this.constMode && CONTEXT_FILTERS.has(e.name)) throw IMPOSSIBLE;
    let value: unknown;
    if (piped === MISSING) value = e.node ? this.eval(e.node, scope) : null;
    else if (e.node && e.node.t === "filter") value = this.evalFilter(e.node, scope, piped);
    else value = piped;
    const args = this.evalArgs(e.args, scope);
    // Unknown filters outside if/conditional expressions already failed the compile (compilecheck.ts);
    // inside them Jinja compiles a stub that raises when called, after value and arguments.
    if (!hasFilter(e.name)) throw pyError("TemplateRuntimeError", `No filter named '${e.name}' found.`);
    return callFilter(e.name, value, args, this.filterEnv);
  }

  private evalArgs(c: CallSyntax, scope: Scope): CallArgs {
    const args = c.args.length ? c.args.map((a) => this.eval(a, scope)) : [];
    if (!c.kwargs.length && !c.dynArgs && !c.dynKwargs) return { args, kwargs: new Map() };
    const kwargs = new Map<string, unknown>();
    for (const [k, v] of c.kwargs) kwargs.set(k, this.eval(v, scope));
    if (c.dynArgs) args.push(...ops.iterate(this.eval(c.dynArgs, scope)));
    if (c.dynKwargs) {
      const d = this.eval(c.dynKwargs, scope);
      if (!isDict(d)) throw pyError("TypeError", `argument after ** must be a mapping, not ${typeName(d)}`);
      for (const [k, v] of dictEntries(d)) {
        if (typeof k !== "string") throw pyError("TypeError", "keywords must be strings");
        if (kwargs.has(k)) throw pyError("TypeError", `got multiple values for keyword argument '${k}'`);
        kwargs.set(k, v);
      }
    }
    return { args, kwargs };
  }

  private evalCall(e: Expr & { t: "call" }, scope: Scope, caller: PyCallable | null): unknown {
    const fn = this.eval(e.node, scope);
    const call = this.evalArgs(e.args, scope);
    if (caller) call.kwargs.set("caller", caller);
    return this.invoke(fn, call);
  }

  invoke(fn: unknown, call: CallArgs): unknown {
    if (fn instanceof Undefined) fn.fail();
    if (fn instanceof PyCallable) return fn.fn(call);
    if (fn instanceof PyObject) {
      const callable = fn.getAttr("__call__");
      if (callable instanceof PyCallable) return callable.fn(call);
    }
    throw pyError("TypeError", `'${typeName(fn)}' object is not callable`);
  }
}

/** Filters that receive the template context: Jinja's optimizer never folds them. */
const CONTEXT_FILTERS = new Set(["map", "select", "reject", "selectattr", "rejectattr", "random"]);
const IMPOSSIBLE: unique symbol = Symbol("impossible");
/** maybeConstant() results, stored on the (immutable, cached) syntax tree nodes themselves. */
const FOLDABLE: unique symbol = Symbol("foldable");
type Annotated = Expr & { [FOLDABLE]?: boolean };

/**
 * Whether Jinja's optimizer may fold this expression: it is built from constants, or its value is
 * decided by a constant left operand (`and`/`or` short-circuit) or a constant test (`x if c`).
 */
function maybeConstant(e: Expr | null): boolean {
  if (!e) return true;
  const cached = (e as Annotated)[FOLDABLE];
  if (cached !== undefined) return cached;
  let r: boolean;
  switch (e.t) {
    case "const":
      r = true;
      break;
    case "tuple":
    case "list":
    case "concat":
      r = e.items.every(maybeConstant);
      break;
    case "dict":
      r = e.items.every(([k, v]) => maybeConstant(k) && maybeConstant(v));
      break;
    case "binop":
      r = maybeConstant(e.left) && maybeConstant(e.right);
      break;
    case "and":
    case "or":
      r = maybeConstant(e.left);
      break;
    case "unary":
    case "getattr":
      r = maybeConstant(e.node);
      break;
    case "getitem":
      r = maybeConstant(e.node) && maybeConstant(e.arg);
      break;
    case "slice":
      r = maybeConstant(e.start) && maybeConstant(e.stop) && maybeConstant(e.step);
      break;
    case "compare":
      r = maybeConstant(e.expr) && e.ops.every((o) => maybeConstant(o.expr));
      break;
    case "condexpr":
      r = maybeConstant(e.test);
      break;
    case "filter":
    case "test":
      r =
        (e.t === "test" || !CONTEXT_FILTERS.has(e.name)) &&
        e.node !== null &&
        maybeConstant(e.node) &&
        e.args.args.every(maybeConstant) &&
        e.args.kwargs.every(([, v]) => maybeConstant(v)) &&
        maybeConstant(e.args.dynArgs) &&
        maybeConstant(e.args.dynKwargs);
      break;
    default:
      r = false;
  }
  (e as Annotated)[FOLDABLE] = r;
  return r;
}

function nonFiniteIn(v: unknown): string | null {
  const x = typeof v === "number" ? v : v instanceof PyFloat ? v.v : null;
  if (x !== null) return Number.isNaN(x) ? "nan" : Number.isFinite(x) ? null : "inf";
  if (Array.isArray(v)) {
    for (const item of v) {
      const r = nonFiniteIn(item);
      if (r) return r;
    }
  } else if (v instanceof PyDict) {
    for (const [k, item] of v.entries()) {
      const r = nonFiniteIn(k) ?? nonFiniteIn(item);
      if (r) return r;
    }
  }
  return null;
}

/** Jinja's has_safe_repr: values a folded constant may hold. */
function hasSafeRepr(v: unknown): boolean {
  if (v === null || typeof v === "boolean" || typeof v === "number" || typeof v === "bigint" || typeof v === "string") return true;
  if (v instanceof PyFloat || v instanceof Markup || v instanceof PyRange) return true;
  if (Array.isArray(v)) return v.every(hasSafeRepr);
  if (v instanceof PyDict) return [...v.entries()].every(([k, x]) => hasSafeRepr(k) && hasSafeRepr(x));
  return false;
}

/** len() of an iterable that has one without being consumed; null for one-shot iterators. */
function sizedLength(v: unknown): number | null {
  if (v instanceof PyIter || v instanceof Undefined) return v instanceof Undefined ? 0 : null;
  try {
    return ops.len(v);
  } catch {
    return null;
  }
}

function rootOf(scope: Scope): Scope {
  let s = scope;
  while (s.parent) s = s.parent;
  return s;
}
