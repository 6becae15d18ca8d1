// Recursive-descent parser following Jinja2's grammar and operator precedence.

import type { BinOp, CallSyntax, CompareOp, Expr, MacroSignature, Stmt, Target } from "./ast.js";
import { checkCompile } from "./compilecheck.js";
import { syntaxError } from "./errors.js";
import { isPySpace } from "./strmethods.js";
import { tokenize, type Token } from "./lexer.js";
import { mkFloat } from "./values.js";

const OP_TYPES: Record<string, string> = {
  "+": "add",
  "-": "sub",
  "/": "div",
  "//": "floordiv",
  "*": "mul",
  "%": "mod",
  "**": "pow",
  "~": "tilde",
  "[": "lbracket",
  "]": "rbracket",
  "(": "lparen",
  ")": "rparen",
  "{": "lbrace",
  "}": "rbrace",
  "==": "eq",
  "!=": "ne",
  ">": "gt",
  ">=": "gteq",
  "<": "lt",
  "<=": "lteq",
  "=": "assign",
  ".": "dot",
  ":": "colon",
  "|": "pipe",
  ",": "comma",
  ";": "semicolon",
};
const TYPE_DESCRIPTIONS: Record<string, string> = {
  variable_begin: "begin of print statement",
  variable_end: "end of print statement",
  block_begin: "begin of statement block",
  block_end: "end of statement block",
  eof: "end of template",
  data: "template data / text",
};
for (const [op, type] of Object.entries(OP_TYPES)) TYPE_DESCRIPTIONS[type] = op;

/** Token with its Jinja token type (operators become add, lparen, ...). */
interface Tok {
  type: string;
  value: string;
  line: number;
  column: number;
}

function describe(tok: Tok): string {
  if (tok.type === "name") return tok.value;
  return TYPE_DESCRIPTIONS[tok.type] ?? tok.type;
}
function describeExpr(expr: string): string {
  const i = expr.indexOf(":");
  if (i >= 0) return expr.slice(0, i) === "name" ? expr.slice(i + 1) : expr.slice(i + 1);
  return TYPE_DESCRIPTIONS[expr] ?? expr;
}

const STATEMENT_KEYWORDS = new Set([
  "for",
  "if",
  "block",
  "extends",
  "print",
  "macro",
  "include",
  "from",
  "import",
  "set",
  "with",
  "autoescape",
]);
const RESERVED_CONST = new Set(["true", "false", "none", "True", "False", "None"]);

export function parse(source: string): Stmt[] {
  const body = new Parser(tokenize(source)).parseTemplate();
  checkCompile(body);
  return body;
}

class Parser {
  private readonly toks: Tok[];
  private pos = 0;
  private readonly endTokenStack: string[][] = [];
  private tagStack: string[] = [];
  /** Attribute nodes parsed as namespace references (Jinja's NSRef), valid only as assignment targets. */
  private readonly nsrefs = new WeakSet<Expr>();
  /** In Jinja's "soft" frames (if/elif/else, conditional expressions) unknown filters and tests fail only when used. */
  private readonly soft: boolean[] = [false];

  private withSoft<T>(flag: boolean, fn: () => T): T {
    this.soft.push(flag);
    try {
      return fn();
    } finally {
      this.soft.pop();
    }
  }
  private get isSoft(): boolean {
    return this.soft[this.soft.length - 1];
  }

  constructor(tokens: Token[]) {
    this.toks = tokens.map((t) => ({
      type: t.type === "operator" ? OP_TYPES[t.value] : t.type,
      value: t.value,
      line: t.line,
      column: t.column,
    }));
  }

  private get cur(): Tok {
    return this.toks[this.pos];
  }
  private look(): Tok {
    return this.toks[Math.min(this.pos + 1, this.toks.length - 1)];
  }
  private next(): Tok {
    const t = this.toks[this.pos];
    if (this.pos < this.toks.length - 1) this.pos++;
    return t;
  }
  private test(tok: Tok, expr: string): boolean {
    if (tok.type === expr) return true;
    const i = expr.indexOf(":");
    return i >= 0 && tok.type === expr.slice(0, i) && tok.value === expr.slice(i + 1);
  }
  private testAny(tok: Tok, exprs: readonly string[]): boolean {
    return exprs.some((e) => this.test(tok, e));
  }
  private skipIf(expr: string): boolean {
    if (this.test(this.cur, expr)) {
      this.next();
      return true;
    }
    return false;
  }
  private fail(msg: string, tok: Tok = this.cur): never {
    throw syntaxError(msg, tok.line, tok.column);
  }
  private expect(expr: string): Tok {
    const c = this.cur;
    if (!this.test(c, expr)) {
      if (c.type === "eof") this.fail(`unexpected end of template, expected '${describeExpr(expr)}'.`);
      this.fail(`expected token '${describeExpr(expr)}', got '${describe(c)}'`);
    }
    return this.next();
  }

  parseTemplate(): Stmt[] {
    const body = this.subparse(null);
    return body;
  }

  private failUnknownTag(name: string | null, tok: Tok): never {
    const expected = this.endTokenStack.flat().map(describeExpr);
    const currently = this.endTokenStack.length ? this.endTokenStack[this.endTokenStack.length - 1].map(describeExpr) : null;
    const parts: string[] = [];
    if (name === null) parts.push("Unexpected end of template.");
    else parts.push(`Encountered unknown tag '${name}'.`);
    if (currently) {
      if (name !== null && expected.includes(name)) {
        parts.push(
          "You probably made a nesting mistake. Jinja is expecting this tag, but currently looking for " +
            `${currently.map((e) => `'${e}'`).join(" or ")}.`,
        );
      } else {
        parts.push(`Jinja was looking for the following tags: ${currently.map((e) => `'${e}'`).join(" or ")}.`);
      }
    }
    if (this.tagStack.length) parts.push(`The innermost block that needs to be closed is '${this.tagStack[this.tagStack.length - 1]}'.`);
    this.fail(parts.join(" "), tok);
  }

  private subparse(endTokens: string[] | null): Stmt[] {
    const body: Stmt[] = [];
    let data: (string | Expr)[] = [];
    if (endTokens) this.endTokenStack.push(endTokens);
    const flush = (): void => {
      if (data.length) body.push({ t: "output", nodes: data });
      data = [];
    };
    try {
      while (this.cur.type !== "eof") {
        const tok = this.cur;
        if (tok.type === "data") {
          data.push(tok.value);
          this.next();
        } else if (tok.type === "variable_begin") {
          this.next();
          data.push(this.parseTuple({ withCondexpr: true }));
          this.expect("variable_end");
        } else if (tok.type === "block_begin") {
          flush();
          this.next();
          if (endTokens && this.testAny(this.cur, endTokens)) return body;
          const st = this.parseStatement();
          if (Array.isArray(st)) body.push(...st);
          else body.push(st);
          this.expect("block_end");
        } else {
          this.fail("internal parser error");
        }
      }
      flush();
    } finally {
      if (endTokens) this.endTokenStack.pop();
    }
    return body;
  }

  private parseStatement(): Stmt | Stmt[] {
    const tok = this.cur;
    if (tok.type !== "name") this.fail("tag name expected");
    this.tagStack.push(tok.value);
    let popTag = true;
    try {
      if (STATEMENT_KEYWORDS.has(tok.value)) {
        switch (tok.value) {
          case "for":
            return this.parseFor();
          case "if":
            return this.parseIf();
          case "block":
            return this.parseBlock();
          case "print":
            return this.parsePrint();
          case "macro":
            return this.parseMacro();
          case "set":
            return this.parseSet();
          case "with":
            return this.parseWith();
          case "autoescape":
            return this.parseAutoescape();
          default:
            return this.parseLoaderStatement(tok.value);
        }
      }
      if (tok.value === "call") return this.parseCallBlock();
      if (tok.value === "filter") return this.parseFilterBlock();
      this.tagStack.pop();
      popTag = false;
      return this.failUnknownTag(tok.value, tok);
    } finally {
      if (popTag) this.tagStack.pop();
    }
  }

  private parseStatements(endTokens: string[], dropNeedle = false): Stmt[] {
    this.skipIf("colon");
    this.expect("block_end");
    const result = this.subparse(endTokens);
    if (this.cur.type === "eof") {
      this.endTokenStack.push(endTokens);
      this.failUnknownTag(null, this.cur);
    }
    if (dropNeedle) this.next();
    return result;
  }

  private parseFor(): Stmt {
    this.expect("name:for");
    const target = this.parseAssignTarget();
    this.expect("name:in");
    const iter = this.parseTuple({ withCondexpr: false });
    let test: Expr | null = null;
    if (this.skipIf("name:if")) test = this.withSoft(false, () => this.parseExpression());
    const recursive = this.skipIf("name:recursive");
    const body = this.withSoft(false, () => this.parseStatements(["name:endfor", "name:else"]));
    let else_: Stmt[] = [];
    if (this.next().value !== "endfor") else_ = this.withSoft(false, () => this.parseStatements(["name:endfor"], true));
    return { t: "for", target, iter, body, else_, test, recursive };
  }

  private parseIf(): Stmt {
    this.expect("name:if");
    return this.withSoft(true, () => {
      const test = this.parseTuple({ withCondexpr: false });
      const body = this.parseStatements(["name:elif", "name:else", "name:endif"]);
      const node: Stmt & { t: "if" } = { t: "if", test, body, else_: [] };
      const tok = this.next();
      if (tok.value === "elif") {
        this.pos--; // re-read "elif" as a nested if
        this.toks[this.pos] = { ...this.toks[this.pos], value: "if" };
        node.else_ = [this.parseIf()];
        return node;
      }
      if (tok.value === "else") node.else_ = this.parseStatements(["name:endif"], true);
      return node;
    });
  }

  private parseBlock(): Stmt {
    this.expect("name:block");
    const name = this.expect("name").value;
    const scoped = this.skipIf("name:scoped");
    const required = this.skipIf("name:required");
    if (this.cur.type === "sub")
      this.fail("Block names in Jinja have to be valid Python identifiers and may not contain hyphens, use an underscore instead.");
    const body = this.withSoft(false, () => this.parseStatements(["name:endblock"], true));
    // A required block is only a placeholder for a child template: whitespace and comments at most.
    if (required && body.some((st) => st.t !== "output" || st.nodes.some((n) => typeof n !== "string" || !n || ![...n].every(isPySpace)))) {
      this.fail("Required blocks can only contain comments or whitespace");
    }
    this.skipIf(`name:${name}`);
    return { t: "block", name, body, scoped, required };
  }

  private parsePrint(): Stmt {
    this.expect("name:print");
    const nodes: Expr[] = [];
    while (this.cur.type !== "block_end") {
      if (nodes.length) this.expect("comma");
      nodes.push(this.parseExpression());
    }
    return { t: "output", nodes };
  }

  private parseAutoescape(): Stmt {
    this.expect("name:autoescape");
    const value = this.parseExpression();
    const body = this.parseStatements(["name:endautoescape"], true);
    return { t: "autoescape", value, body };
  }

  /** include/import/from/extends need a template loader, which this engine does not have. */
  private parseLoaderStatement(keyword: string): Stmt {
    this.next();
    while (this.cur.type !== "block_end" && this.cur.type !== "eof") this.next();
    return {
      t: "unsupported",
      what: keyword,
      exc: "TypeError",
      message: "no loader for this environment specified",
    };
  }

  private parseSignature(): MacroSignature {
    const args: string[] = [];
    const defaults: Expr[] = [];
    this.expect("lparen");
    while (this.cur.type !== "rparen") {
      if (args.length) this.expect("comma");
      const arg = this.parseAssignTarget({ nameOnly: true }) as { t: "name"; name: string };
      if (this.skipIf("assign")) defaults.push(this.parseExpression());
      else if (defaults.length) this.fail("non-default argument follows default argument");
      args.push(arg.name);
    }
    this.expect("rparen");
    return { args, defaults };
  }

  private parseMacro(): Stmt {
    this.expect("name:macro");
    const name = (this.parseAssignTarget({ nameOnly: true }) as { name: string }).name;
    // Defaults belong to the macro's frame, which is never soft.
    const sig = this.withSoft(false, () => this.parseSignature());
    const body = this.withSoft(false, () => this.parseStatements(["name:endmacro"], true));
    return { t: "macro", name, sig, body };
  }

  private parseCallBlock(): Stmt {
    this.expect("name:call");
    const sig = this.cur.type === "lparen" ? this.withSoft(false, () => this.parseSignature()) : { args: [], defaults: [] };
    const callTok = this.cur;
    const call = this.parseExpression();
    if (call.t !== "call") this.fail("expected call", callTok);
    const body = this.withSoft(false, () => this.parseStatements(["name:endcall"], true));
    return { t: "callblock", call, sig, body };
  }

  private parseFilterBlock(): Stmt {
    this.expect("name:filter");
    // Jinja compiles the block's filter in the block's own (never soft) frame.
    const filter = this.withSoft(false, () => this.parseFilter(null, true)) as Expr & { t: "filter" };
    const body = this.withSoft(false, () => this.parseStatements(["name:endfilter"], true));
    return { t: "filterblock", filter, body };
  }

  private parseSet(): Stmt {
    this.expect("name:set");
    const target = this.parseAssignTarget({ withNamespace: true });
    if (this.skipIf("assign")) {
      const node = this.parseTuple();
      return { t: "assign", target, node };
    }
    const filter = this.cur.type === "pipe" ? (this.withSoft(false, () => this.parseFilter(null)) as Expr & { t: "filter" }) : null;
    const body = this.withSoft(false, () => this.parseStatements(["name:endset"], true));
    return { t: "assignblock", target, filter, body };
  }

  private parseWith(): Stmt {
    this.expect("name:with");
    const targets: Target[] = [];
    const values: Expr[] = [];
    while (this.cur.type !== "block_end") {
      if (targets.length) this.expect("comma");
      targets.push(this.parseAssignTarget());
      this.expect("assign");
      values.push(this.parseExpression());
    }
    const body = this.withSoft(false, () => this.parseStatements(["name:endwith"], true));
    return { t: "with", targets, values, body };
  }

  private parseAssignTarget(opts: { withTuple?: boolean; nameOnly?: boolean; withNamespace?: boolean } = {}): Target {
    const { withTuple = true, nameOnly = false, withNamespace = false } = opts;
    const startTok = this.cur;
    let expr: Expr;
    if (nameOnly) {
      const tok = this.expect("name");
      expr = { t: "name", name: tok.value };
    } else if (withTuple) {
      expr = this.parseTuple({ simplified: true, withNamespace });
    } else {
      expr = this.parsePrimary(withNamespace);
    }
    const target = this.toTarget(expr);
    if (!target) this.fail(`can't assign to '${expr.t === "const" ? "const" : expr.t}'`, startTok);
    return target;
  }

  private toTarget(expr: Expr): Target | null {
    if (expr.t === "getattr" && this.nsrefs.has(expr) && expr.node.t === "name") {
      return { t: "nsref", name: expr.node.name, attr: expr.attr };
    }
    if (expr.t === "name") return RESERVED_CONST.has(expr.name) ? null : { t: "name", name: expr.name };
    if (expr.t === "tuple") {
      const items: Target[] = [];
      for (const it of expr.items) {
        const t = this.toTarget(it);
        if (!t) return null;
        items.push(t);
      }
      return { t: "tuple", items };
    }
    return null;
  }

  // ---- expressions ----

  parseExpression(withCondexpr = true): Expr {
    return withCondexpr ? this.parseCondexpr() : this.parseOr();
  }

  private parseCondexpr(): Expr {
    let expr1 = this.parseOr();
    while (this.skipIf("name:if")) {
      const test = this.parseOr();
      const expr2 = this.skipIf("name:else") ? this.parseCondexpr() : null;
      markSoft(expr1);
      markSoft(test);
      if (expr2) markSoft(expr2);
      expr1 = { t: "condexpr", test, expr1, expr2 };
    }
    return expr1;
  }

  private parseOr(): Expr {
    let left = this.parseAnd();
    while (this.skipIf("name:or")) left = { t: "or", left, right: this.parseAnd() };
    return left;
  }

  private parseAnd(): Expr {
    let left = this.parseNot();
    while (this.skipIf("name:and")) left = { t: "and", left, right: this.parseNot() };
    return left;
  }

  private parseNot(): Expr {
    if (this.test(this.cur, "name:not")) {
      this.next();
      return { t: "unary", op: "not", node: this.parseNot() };
    }
    return this.parseCompare();
  }

  private parseCompare(): Expr {
    const expr = this.parseMath1();
    const ops: { op: CompareOp; expr: Expr }[] = [];
    for (;;) {
      const type = this.cur.type;
      if (type === "eq" || type === "ne" || type === "lt" || type === "lteq" || type === "gt" || type === "gteq") {
        this.next();
        ops.push({ op: type, expr: this.parseMath1() });
      } else if (this.skipIf("name:in")) {
        ops.push({ op: "in", expr: this.parseMath1() });
      } else if (this.test(this.cur, "name:not") && this.test(this.look(), "name:in")) {
        this.next();
        this.next();
        ops.push({ op: "notin", expr: this.parseMath1() });
      } else break;
    }
    return ops.length ? { t: "compare", expr, ops } : expr;
  }

  private parseMath1(): Expr {
    let left = this.parseConcat();
    while (this.cur.type === "add" || this.cur.type === "sub") {
      const op = this.next().type as BinOp;
      left = { t: "binop", op, left, right: this.parseConcat() };
    }
    return left;
  }

  private parseConcat(): Expr {
    const items = [this.parseMath2()];
    while (this.cur.type === "tilde") {
      this.next();
      items.push(this.parseMath2());
    }
    return items.length === 1 ? items[0] : { t: "concat", items };
  }

  private parseMath2(): Expr {
    let left = this.parsePow();
    while (["mul", "div", "floordiv", "mod"].includes(this.cur.type)) {
      const op = this.next().type as BinOp;
      left = { t: "binop", op, left, right: this.parsePow() };
    }
    return left;
  }

  private parsePow(): Expr {
    let left = this.parseUnary();
    while (this.cur.type === "pow") {
      this.next();
      left = { t: "binop", op: "pow", left, right: this.parseUnary() };
    }
    return left;
  }

  private parseUnary(withFilter = true): Expr {
    let node: Expr;
    if (this.cur.type === "sub") {
      this.next();
      node = { t: "unary", op: "neg", node: this.parseUnary(false) };
    } else if (this.cur.type === "add") {
      this.next();
      node = { t: "unary", op: "pos", node: this.parseUnary(false) };
    } else {
      node = this.parsePrimary();
    }
    node = this.parsePostfix(node);
    if (withFilter) node = this.parseFilterExpr(node);
    return node;
  }

  private parsePrimary(withNamespace = false): Expr {
    const tok = this.cur;
    if (tok.type === "name") {
      this.next();
      if (tok.value === "true" || tok.value === "True") return { t: "const", value: true };
      if (tok.value === "false" || tok.value === "False") return { t: "const", value: false };
      if (tok.value === "none" || tok.value === "None") return { t: "const", value: null };
      if (withNamespace && this.cur.type === "dot") {
        // `{% set ns.attr = ... %}`, also inside a target tuple (`ns.a, b = ...`).
        this.next();
        const attr = this.expect("name");
        const ref: Expr = { t: "getattr", node: { t: "name", name: tok.value }, attr: attr.value };
        this.nsrefs.add(ref);
        return ref;
      }
      return { t: "name", name: tok.value };
    }
    if (tok.type === "string") {
      let s = this.next().value;
      while (this.cur.type === "string") s += this.next().value;
      return { t: "const", value: s };
    }
    if (tok.type === "integer") {
      this.next();
      return { t: "const", value: parseIntLiteral(tok.value) };
    }
    if (tok.type === "float") {
      this.next();
      return { t: "const", value: mkFloat(Number(tok.value.replace(/_/g, ""))) };
    }
    if (tok.type === "lparen") {
      this.next();
      const node = this.parseTuple({ explicitParentheses: true });
      this.expect("rparen");
      return node;
    }
    if (tok.type === "lbracket") return this.parseList();
    if (tok.type === "lbrace") return this.parseDict();
    this.fail(`unexpected '${describe(tok)}'`);
  }

  parseTuple(opts: { simplified?: boolean; withCondexpr?: boolean; explicitParentheses?: boolean; withNamespace?: boolean } = {}): Expr {
    const { simplified = false, withCondexpr = true, explicitParentheses = false, withNamespace = false } = opts;
    const parseOne = (): Expr => (simplified ? this.parsePrimary(withNamespace) : this.parseExpression(withCondexpr));
    const args: Expr[] = [];
    let isTuple = false;
    for (;;) {
      if (args.length) this.expect("comma");
      if (this.isTupleEnd()) break;
      args.push(parseOne());
      if (this.cur.type === "comma") isTuple = true;
      else break;
    }
    if (!isTuple) {
      if (args.length) return args[0];
      if (!explicitParentheses) this.fail(`Expected an expression, got '${describe(this.cur)}'`);
    }
    return { t: "tuple", items: args };
  }

  private isTupleEnd(): boolean {
    // Jinja 3.1 passes its extra end rules ("in" for for-targets, "recursive" for for-iterables)
    // to Token.test_any as one tuple, so they never match: only `%}`, `}}` and `)` end a tuple
    // (`{% for a, in x %}` is a syntax error, as in Jinja). So none are passed here.
    const type = this.cur.type;
    return type === "variable_end" || type === "block_end" || type === "rparen";
  }

  private parseList(): Expr {
    this.expect("lbracket");
    const items: Expr[] = [];
    while (this.cur.type !== "rbracket") {
      if (items.length) this.expect("comma");
      if (this.cur.type === "rbracket") break;
      items.push(this.parseExpression());
    }
    this.expect("rbracket");
    return { t: "list", items };
  }

  private parseDict(): Expr {
    this.expect("lbrace");
    const items: [Expr, Expr][] = [];
    while (this.cur.type !== "rbrace") {
      if (items.length) this.expect("comma");
      if (this.cur.type === "rbrace") break;
      const key = this.parseExpression();
      this.expect("colon");
      items.push([key, this.parseExpression()]);
    }
    this.expect("rbrace");
    return { t: "dict", items };
  }

  private parsePostfix(node: Expr): Expr {
    for (;;) {
      const type = this.cur.type;
      if (type === "dot" || type === "lbracket") node = this.parseSubscript(node);
      else if (type === "lparen") node = { t: "call", node, args: this.parseCallArgs() };
      else return node;
    }
  }

  private parseFilterExpr(node: Expr): Expr {
    for (;;) {
      const type = this.cur.type;
      if (type === "pipe") node = this.parseFilter(node);
      else if (this.test(this.cur, "name:is")) node = this.parseTest(node);
      else if (type === "lparen") node = { t: "call", node, args: this.parseCallArgs() };
      else return node;
    }
  }

  private parseSubscript(node: Expr): Expr {
    const tok = this.next();
    if (tok.type === "dot") {
      const attr = this.cur;
      this.next();
      if (attr.type === "name") return { t: "getattr", node, attr: attr.value };
      if (attr.type !== "integer") this.fail("expected name or number", attr);
      return { t: "getitem", node, arg: { t: "const", value: parseIntLiteral(attr.value) } };
    }
    const args: Expr[] = [];
    while (this.cur.type !== "rbracket") {
      if (args.length) this.expect("comma");
      args.push(this.parseSubscribed());
    }
    this.expect("rbracket");
    const arg: Expr = args.length === 1 ? args[0] : { t: "tuple", items: args };
    return { t: "getitem", node, arg };
  }

  private parseSubscribed(): Expr {
    const parts: (Expr | null)[] = [];
    if (this.cur.type === "colon") {
      this.next();
      parts.push(null);
    } else {
      const node = this.parseExpression();
      if (this.cur.type !== "colon") return node;
      this.next();
      parts.push(node);
    }
    const curType = (): string => this.cur.type;
    if (curType() === "colon") parts.push(null);
    else if (curType() !== "rbracket" && curType() !== "comma") parts.push(this.parseExpression());
    else parts.push(null);
    if (curType() === "colon") {
      this.next();
      if (curType() !== "rbracket" && curType() !== "comma") parts.push(this.parseExpression());
      else parts.push(null);
    } else parts.push(null);
    return { t: "slice", start: parts[0], stop: parts[1], step: parts[2] };
  }

  private parseCallArgs(): CallSyntax {
    const tok = this.expect("lparen");
    const out: CallSyntax = { args: [], kwargs: [], dynArgs: null, dynKwargs: null };
    const ensure = (ok: boolean): void => {
      if (!ok) this.fail("invalid syntax for function call expression", tok);
    };
    let requireComma = false;
    while (this.cur.type !== "rparen") {
      if (requireComma) {
        this.expect("comma");
        if (this.cur.type === "rparen") break;
      }
      if (this.cur.type === "mul") {
        ensure(out.dynArgs === null && out.dynKwargs === null);
        this.next();
        out.dynArgs = this.parseExpression();
      } else if (this.cur.type === "pow") {
        ensure(out.dynKwargs === null);
        this.next();
        out.dynKwargs = this.parseExpression();
      } else if (this.cur.type === "name" && this.look().type === "assign") {
        ensure(out.dynKwargs === null);
        const key = this.cur.value;
        this.next();
        this.next();
        out.kwargs.push([key, this.parseExpression()]);
      } else {
        ensure(out.dynArgs === null && out.dynKwargs === null && out.kwargs.length === 0);
        out.args.push(this.parseExpression());
      }
      requireComma = true;
    }
    this.expect("rparen");
    return out;
  }

  private parseFilter(node: Expr | null, startInline = false): Expr {
    while (this.cur.type === "pipe" || startInline) {
      if (!startInline) this.next();
      const tok = this.expect("name");
      let name = tok.value;
      while (this.cur.type === "dot") {
        this.next();
        name += "." + this.expect("name").value;
      }
      const args = this.cur.type === "lparen" ? this.parseCallArgs() : emptyCall();
      node = { t: "filter", node, name, args, line: tok.line, column: tok.column, soft: this.isSoft };
      startInline = false;
    }
    return node as Expr;
  }

  private parseTest(node: Expr): Expr {
    const isTok = this.next();
    const negated = this.skipIf("name:not");
    const nameTok = this.expect("name");
    let name = nameTok.value;
    while (this.cur.type === "dot") {
      this.next();
      name += "." + this.expect("name").value;
    }
    let args = emptyCall();
    const c = this.cur;
    if (c.type === "lparen") args = this.parseCallArgs();
    else if (
      ["name", "string", "integer", "float", "lparen", "lbracket", "lbrace"].includes(c.type) &&
      !this.testAny(c, ["name:else", "name:or", "name:and"])
    ) {
      if (this.test(c, "name:is")) this.fail("You cannot chain multiple tests with is");
      const arg = this.parsePostfix(this.parsePrimary());
      args = { ...emptyCall(), args: [arg] };
    }
    let out: Expr = { t: "test", node, name, args, line: isTok.line, column: isTok.column, soft: this.isSoft };
    if (negated) out = { t: "unary", op: "not", node: out };
    return out;
  }
}

/** Marks every filter and test of an expression as soft (see Parser.soft). */
function markSoft(e: Expr | null): void {
  if (!e || typeof e !== "object") return;
  if (e.t === "filter" || e.t === "test") e.soft = true;
  for (const v of Object.values(e)) {
    if (Array.isArray(v)) {
      for (const x of v) {
        if (Array.isArray(x)) x.forEach((y) => markSoft(y as Expr));
        else if (x && typeof x === "object" && "t" in x) markSoft(x as Expr);
      }
    } else if (v && typeof v === "object") {
      if ("t" in v) markSoft(v as Expr);
      else if ("args" in v) {
        const c = v as CallSyntax;
        c.args.forEach(markSoft);
        c.kwargs.forEach(([, x]) => markSoft(x));
        markSoft(c.dynArgs);
        markSoft(c.dynKwargs);
      }
    }
  }
}

function emptyCall(): CallSyntax {
  return { args: [], kwargs: [], dynArgs: null, dynKwargs: null };
}

function parseIntLiteral(text: string): number | bigint {
  const clean = text.replace(/_/g, "").toLowerCase();
  let big: bigint;
  if (clean.startsWith("0b") || clean.startsWith("0o") || clean.startsWith("0x")) big = BigInt(clean);
  else big = BigInt(clean);
  return Number.isSafeInteger(Number(big)) ? Number(big) : big;
}
