// Template syntax tree, shaped after Jinja2's nodes.

export type Expr =
  | { t: "const"; value: unknown }
  | { t: "name"; name: string }
  | { t: "getattr"; node: Expr; attr: string }
  | { t: "getitem"; node: Expr; arg: Expr }
  | { t: "slice"; start: Expr | null; stop: Expr | null; step: Expr | null }
  | { t: "tuple"; items: Expr[] }
  | { t: "list"; items: Expr[] }
  | { t: "dict"; items: [Expr, Expr][] }
  | { t: "condexpr"; test: Expr; expr1: Expr; expr2: Expr | null }
  | { t: "binop"; op: BinOp; left: Expr; right: Expr }
  | { t: "unary"; op: "neg" | "pos" | "not"; node: Expr }
  | { t: "and" | "or"; left: Expr; right: Expr }
  | { t: "concat"; items: Expr[] }
  | { t: "compare"; expr: Expr; ops: { op: CompareOp; expr: Expr }[] }
  | { t: "call"; node: Expr; args: CallSyntax }
  | { t: "filter"; node: Expr | null; name: string; args: CallSyntax; line: number; column: number; soft: boolean }
  | { t: "test"; node: Expr; name: string; args: CallSyntax; line: number; column: number; soft: boolean };

export type BinOp = "add" | "sub" | "mul" | "div" | "floordiv" | "mod" | "pow";
export type CompareOp = "eq" | "ne" | "lt" | "lteq" | "gt" | "gteq" | "in" | "notin";

export interface CallSyntax {
  args: Expr[];
  kwargs: [string, Expr][];
  dynArgs: Expr | null;
  dynKwargs: Expr | null;
}

/** Assignment targets: a name, a namespace attribute, or a tuple of targets. */
export type Target = { t: "name"; name: string } | { t: "nsref"; name: string; attr: string } | { t: "tuple"; items: Target[] };

export interface MacroSignature {
  args: string[];
  defaults: Expr[];
}

export type Stmt =
  | { t: "output"; nodes: (string | Expr)[] }
  | {
      t: "for";
      target: Target;
      iter: Expr;
      body: Stmt[];
      else_: Stmt[];
      test: Expr | null;
      recursive: boolean;
    }
  | { t: "if"; test: Expr; body: Stmt[]; else_: Stmt[] }
  | { t: "macro"; name: string; sig: MacroSignature; body: Stmt[] }
  | { t: "callblock"; call: Expr & { t: "call" }; sig: MacroSignature; body: Stmt[] }
  | { t: "filterblock"; filter: Expr & { t: "filter" }; body: Stmt[] }
  | { t: "with"; targets: Target[]; values: Expr[]; body: Stmt[] }
  | { t: "assign"; target: Target; node: Expr }
  | { t: "assignblock"; target: Target; filter: (Expr & { t: "filter" }) | null; body: Stmt[] }
  | { t: "block"; name: string; body: Stmt[]; scoped: boolean; required: boolean }
  | { t: "autoescape"; value: Expr; body: Stmt[] }
  | { t: "unsupported"; what: string; exc: string; message: string };
