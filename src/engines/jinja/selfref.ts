// `self` in a template: Jinja's TemplateReference and BlockReference (jinja2/runtime.py).
//
// `self.name` and `self['name']` give a reference to block `name`; calling it renders the block
// again with the template's top-level variables. The engine has no template inheritance, so a
// block has no parent (`super` is Undefined) and `self` prints as `<TemplateReference None>`
// (a template made from a string has no name).

import type { Expr, Stmt, Target } from "./ast.js";
import { bind } from "./callargs.js";
import { pyError } from "./errors.js";
import { repr } from "./printing.js";
import { MISSING, PyCallable, PyObject, Undefined } from "./values.js";

/** What a reference needs from the renderer that owns it. */
export interface BlockHost {
  hasBlock(name: string): boolean;
  renderBlock(name: string): unknown;
}

export class TemplateReference extends PyObject {
  readonly pyType = "TemplateReference";
  constructor(private readonly host: BlockHost) {
    super();
  }
  getAttr(): unknown {
    return MISSING;
  }
  getItem(key: unknown): unknown {
    if (typeof key === "string" && this.host.hasBlock(key)) return new BlockReference(this.host, key);
    return MISSING;
  }
  /** Python iterates it through __getitem__(0), which raises KeyError. */
  iterate(): Iterable<unknown> {
    return {
      [Symbol.iterator]: () => ({
        next: () => {
          throw pyError("KeyError", "0");
        },
      }),
    };
  }
  repr(): string {
    return "<TemplateReference None>";
  }
}

export class BlockReference extends PyObject {
  readonly pyType = "BlockReference";
  private readonly call: PyCallable;
  constructor(
    host: BlockHost,
    readonly name: string,
  ) {
    super();
    this.call = new PyCallable(
      "__call__",
      (c) => {
        bind("BlockReference.__call__", c, []);
        return host.renderBlock(name);
      },
      "<bound method BlockReference.__call__>",
    );
  }
  getAttr(name: string): unknown {
    if (name === "name") return this.name;
    // Only a template that extends another has a parent block.
    if (name === "super") return new Undefined(`there is no parent block called ${repr(this.name)}.`, MISSING, "super");
    if (name === "__call__") return this.call;
    return MISSING;
  }
  repr(): string {
    return "<jinja2.runtime.BlockReference object at %ADDR%>";
  }
}

/** Every block of a template, wherever it is nested (Jinja collects them at compile time). */
export function collectBlocks(body: Stmt[]): Map<string, Stmt & { t: "block" }> {
  const found = new Map<string, Stmt & { t: "block" }>();
  const walk = (stmts: Stmt[]): void => {
    for (const st of stmts) {
      if (st.t === "block" && !found.has(st.name)) found.set(st.name, st);
      if ("body" in st) walk(st.body);
      if ("else_" in st) walk(st.else_);
    }
  };
  walk(body);
  return found;
}

/**
 * Whether a template or block body binds `self` to a TemplateReference. Jinja's code generator does
 * so when `self` is "undeclared" there: the first `self` name met, in node-field order and skipping
 * nested blocks, is read; a store or a macro parameter met first makes it an ordinary variable.
 */
export function readsSelfFirst(body: Stmt[]): boolean {
  return firstSelf(body) === "load";
}

type Seen = "load" | "store" | null;

function firstSelf(body: Stmt[]): Seen {
  for (const st of body) {
    const r = stmtSelf(st);
    if (r) return r;
  }
  return null;
}

function firstOf(...parts: (() => Seen)[]): Seen {
  for (const p of parts) {
    const r = p();
    if (r) return r;
  }
  return null;
}

function exprsSelf(es: (Expr | null)[]): Seen {
  for (const e of es) {
    const r = e ? exprSelf(e) : null;
    if (r) return r;
  }
  return null;
}

function targetSelf(t: Target): Seen {
  if (t.t === "name") return t.name === "self" ? "store" : null;
  if (t.t === "tuple") {
    for (const x of t.items) {
      const r = targetSelf(x);
      if (r) return r;
    }
  }
  return null;
}

function paramsSelf(args: string[]): Seen {
  return args.includes("self") ? "store" : null;
}

function callSelf(c: { args: Expr[]; kwargs: [string, Expr][]; dynArgs: Expr | null; dynKwargs: Expr | null }): Seen {
  return exprsSelf([...c.args, ...c.kwargs.map((k) => k[1]), c.dynArgs, c.dynKwargs]);
}

function stmtSelf(st: Stmt): Seen {
  switch (st.t) {
    case "output":
      return exprsSelf(st.nodes.filter((n): n is Expr => typeof n !== "string"));
    case "for":
      return firstOf(
        () => targetSelf(st.target),
        () => exprSelf(st.iter),
        () => firstSelf(st.body),
        () => firstSelf(st.else_),
        () => (st.test ? exprSelf(st.test) : null),
      );
    case "if":
      return firstOf(
        () => exprSelf(st.test),
        () => firstSelf(st.body),
        () => firstSelf(st.else_),
      );
    case "macro":
      return firstOf(
        () => paramsSelf(st.sig.args),
        () => exprsSelf(st.sig.defaults),
        () => firstSelf(st.body),
      );
    case "callblock":
      return firstOf(
        () => exprSelf(st.call),
        () => paramsSelf(st.sig.args),
        () => exprsSelf(st.sig.defaults),
        () => firstSelf(st.body),
      );
    case "filterblock":
      return firstOf(
        () => firstSelf(st.body),
        () => exprSelf(st.filter),
      );
    case "with":
      return firstOf(
        () => {
          for (const t of st.targets) {
            const r = targetSelf(t);
            if (r) return r;
          }
          return null;
        },
        () => exprsSelf(st.values),
        () => firstSelf(st.body),
      );
    case "assign":
      return firstOf(
        () => targetSelf(st.target),
        () => exprSelf(st.node),
      );
    case "assignblock":
      return firstOf(
        () => targetSelf(st.target),
        () => (st.filter ? exprSelf(st.filter) : null),
        () => firstSelf(st.body),
      );
    case "autoescape":
      return firstOf(
        () => exprSelf(st.value),
        () => firstSelf(st.body),
      );
    case "block":
    case "unsupported":
      return null;
  }
}

function exprSelf(e: Expr): Seen {
  switch (e.t) {
    case "name":
      return e.name === "self" ? "load" : null;
    case "const":
      return null;
    case "getattr":
    case "unary":
      return exprSelf(e.node);
    case "getitem":
      return exprsSelf([e.node, e.arg]);
    case "slice":
      return exprsSelf([e.start, e.stop, e.step]);
    case "tuple":
    case "list":
    case "concat":
      return exprsSelf(e.items);
    case "dict":
      return exprsSelf(e.items.flat());
    case "condexpr":
      return exprsSelf([e.test, e.expr1, e.expr2]);
    case "binop":
    case "and":
    case "or":
      return exprsSelf([e.left, e.right]);
    case "compare":
      return exprsSelf([e.expr, ...e.ops.map((o) => o.expr)]);
    case "call":
      return firstOf(
        () => exprSelf(e.node),
        () => callSelf(e.args),
      );
    case "filter":
    case "test":
      return firstOf(
        () => (e.node ? exprSelf(e.node) : null),
        () => callSelf(e.args),
      );
  }
}
