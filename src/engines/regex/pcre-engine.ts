/**
 * A backtracking matcher for PCRE2 patterns (the dialect of PHP's preg_*) with a step budget.
 *
 * V8's own engine cannot be bounded: its linear-time mode refuses the `i` flag, lookarounds,
 * back references and counted repetitions above a few dozen, which are what MISP users
 * write. So patterns that come from users (hash-path conditions, module parameters) run
 * here instead, the way PCRE itself bounds them with pcre.backtrack_limit: every step of
 * the match counts, and a match that needs more than the budget stops with
 * RegexLimitError instead of holding the event loop (docs/hash-paths.md, "Regular
 * expressions").
 *
 * Semantics follow PCRE2 as PHP configures it: without the u flag the subject is its UTF-8
 * bytes and only ASCII letters fold case; with u it is code points, and \d \w \s \b and
 * POSIX classes are Unicode-aware (PHP adds PCRE2_UCP to u); newline is "\n".
 */

export class RegexLimitError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RegexLimitError";
  }
}

/** A pattern PCRE would refuse to compile (PHP warns and preg_match returns false). */
export class RegexSyntaxError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(`${message} at offset ${offset}`);
    this.name = "RegexSyntaxError";
  }
}

export interface PcreOptions {
  caseless?: boolean; // i
  multiline?: boolean; // m
  dotAll?: boolean; // s
  extended?: boolean; // x
  anchored?: boolean; // A
  dollarEndOnly?: boolean; // D
  ungreedy?: boolean; // U
  utf?: boolean; // u (with UCP, as PHP sets it)
  noAutoCapture?: boolean; // n
}

// ---------------------------------------------------------------------------------------
// AST

type CharTest = (c: number) => boolean;

type Node =
  | { t: "empty" }
  | { t: "char"; test: CharTest; fixed: true; lit?: number[] }
  | { t: "seq"; items: Node[] }
  | { t: "alt"; alts: Node[] }
  | { t: "group"; index: number; body: Node } // index 0: non-capturing
  | { t: "repeat"; body: Node; min: number; max: number; mode: "greedy" | "lazy" | "possessive" }
  | { t: "assert"; kind: "start" | "end" | "mstart" | "mend" | "dend" | "absStart" | "absEnd" | "endNl" | "word" | "nonword" }
  | { t: "look"; ahead: boolean; negate: boolean; body: Node; minLen: number; maxLen: number }
  | { t: "atomic"; body: Node }
  | { t: "backref"; index: number; name?: string; caseless: boolean }
  | { t: "cond"; index: number; name?: string; look?: Node; yes: Node; no: Node }
  | { t: "fail" };

interface Flags {
  i: boolean;
  m: boolean;
  s: boolean;
  x: boolean;
  U: boolean;
  n: boolean;
}

const NL = 10;

function isAsciiDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}
function isAsciiWord(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
}
function isAsciiSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

const UNICODE_CACHE = new Map<string, RegExp>();
function unicodeTest(property: string): CharTest {
  let re = UNICODE_CACHE.get(property);
  if (re === undefined) {
    re = new RegExp(`^${property}$`, "u");
    UNICODE_CACHE.set(property, re);
  }
  const regex = re;
  return (c) => c >= 0 && c <= 0x10ffff && regex.test(String.fromCodePoint(c));
}

/** \d \w \s and friends for the current mode. */
function classEscape(letter: string, utf: boolean): CharTest | null {
  switch (letter) {
    case "d":
      return utf ? unicodeTest("\\p{Nd}") : isAsciiDigit;
    case "w": {
      if (!utf) return isAsciiWord;
      const letterOrNumber = unicodeTest("[\\p{L}\\p{N}_]");
      return (c) => isAsciiWord(c) || (c > 127 && letterOrNumber(c));
    }
    case "s": {
      if (!utf) return isAsciiSpace;
      const space = unicodeTest("[\\p{Z}\\u0085]");
      return (c) => isAsciiSpace(c) || (c > 127 && space(c));
    }
    case "h":
      return (c) =>
        c === 9 ||
        c === 32 ||
        c === 0xa0 ||
        (utf && (c === 0x1680 || c === 0x180e || (c >= 0x2000 && c <= 0x200a) || c === 0x202f || c === 0x205f || c === 0x3000));
    case "v":
      return (c) => (c >= 10 && c <= 13) || c === 0x85 || (utf && (c === 0x2028 || c === 0x2029));
    case "N":
      return (c) => c !== NL;
  }
  const lower = letter.toLowerCase();
  if (letter !== lower && "dwshv".includes(lower)) {
    const positive = classEscape(lower, utf)!;
    return (c) => !positive(c);
  }
  return null;
}

const POSIX_ASCII: Record<string, CharTest> = {
  alpha: (c) => (c >= 65 && c <= 90) || (c >= 97 && c <= 122),
  digit: isAsciiDigit,
  alnum: (c) => isAsciiDigit(c) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122),
  upper: (c) => c >= 65 && c <= 90,
  lower: (c) => c >= 97 && c <= 122,
  space: isAsciiSpace,
  blank: (c) => c === 32 || c === 9,
  punct: (c) => (c >= 33 && c <= 47) || (c >= 58 && c <= 64) || (c >= 91 && c <= 96) || (c >= 123 && c <= 126),
  xdigit: (c) => isAsciiDigit(c) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102),
  word: isAsciiWord,
  cntrl: (c) => c < 32 || c === 127,
  print: (c) => c >= 32 && c <= 126,
  graph: (c) => c >= 33 && c <= 126,
  ascii: (c) => c <= 127,
};
const POSIX_UCP: Record<string, string> = {
  alpha: "\\p{L}",
  digit: "\\p{Nd}",
  alnum: "[\\p{L}\\p{N}]",
  upper: "\\p{Lu}",
  lower: "\\p{Ll}",
  space: "[\\p{Z}\\t\\n\\v\\f\\r]",
  word: "[\\p{L}\\p{N}_]",
};

function posixClass(name: string, utf: boolean): CharTest | null {
  const ascii = POSIX_ASCII[name];
  if (ascii === undefined) return null;
  const ucp = POSIX_UCP[name];
  if (!utf || ucp === undefined) return ascii;
  const test = unicodeTest(ucp);
  return (c) => ascii(c) || (c > 127 && test(c));
}

function unicodeProperty(name: string, negate: boolean): CharTest {
  let spec = name;
  let neg = negate;
  if (spec.startsWith("^")) {
    neg = !neg;
    spec = spec.slice(1);
  }
  const candidates = spec === "Any" ? ["[\\s\\S]"] : spec === "L&" ? ["[\\p{Lu}\\p{Ll}\\p{Lt}]"] : [`\\p{${spec}}`, `\\p{Script=${spec}}`];
  for (const candidate of candidates) {
    try {
      const test = unicodeTest(candidate);
      return neg ? (c) => !test(c) : test;
    } catch {
      // try the next spelling
    }
  }
  throw new Error(`unknown property name after \\P or \\p`);
}

/** Other-case variants of a character, as PCRE folds them in this mode. */
function otherCases(c: number, utf: boolean): number[] {
  if (!utf || c < 128) {
    if (c >= 65 && c <= 90) return [c + 32];
    if (c >= 97 && c <= 122) return [c - 32];
    return [];
  }
  const s = String.fromCodePoint(c);
  const out = new Set<number>();
  for (const v of [s.toLowerCase(), s.toUpperCase()]) {
    const cp = v.codePointAt(0)!;
    if (v.length === String.fromCodePoint(cp).length && cp !== c) out.add(cp);
  }
  // Characters that share a fold (e.g. K, k and the Kelvin sign).
  const lower = s.toLowerCase();
  if (lower.length === 1 || lower.length === 2) {
    const l = lower.codePointAt(0)!;
    if (String.fromCodePoint(l) === lower) for (const extra of FOLD_EXTRAS.get(l) ?? []) if (extra !== c) out.add(extra);
  }
  return [...out];
}
const FOLD_EXTRAS = new Map<number, number[]>([
  [0x6b, [0x212a]],
  [0x73, [0x17f]],
  [0xe5, [0x212b]],
  [0x3c9, [0x2126]],
]);

function caseless(test: CharTest, utf: boolean): CharTest {
  return (c) => {
    if (test(c)) return true;
    for (const o of otherCases(c, utf)) if (test(o)) return true;
    return false;
  };
}

// ---------------------------------------------------------------------------------------
// Parser

class Parser {
  private i = 0;
  groupCount = 0;
  readonly names = new Map<string, number>();
  private readonly pendingNamedRefs: Array<{ t: "backref" | "cond"; name?: string; index: number }> = [];

  constructor(
    private readonly p: number[],
    private readonly utf: boolean,
  ) {}

  private error(message: string, at = this.i): never {
    throw new RegexSyntaxError(message, at);
  }

  private peek(o = 0): number | undefined {
    return this.p[this.i + o];
  }

  parse(flags: Flags): Node {
    const node = this.alternation(flags);
    if (this.i < this.p.length) this.error("unmatched closing parenthesis");
    for (const ref of this.numberedRefs) {
      if (ref.index > this.groupCount) this.error("reference to non-existent subpattern", ref.at);
    }
    for (const ref of this.pendingNamedRefs) {
      const index = this.names.get(ref.name!);
      if (index === undefined) this.error(`reference to non-existent subpattern`, 0);
      ref.index = index;
    }
    return node;
  }

  private alternation(flags: Flags): Node {
    // (?i) inside a group changes the flags for the rest of that group, across '|'.
    const state = { ...flags };
    const alts: Node[] = [this.sequence(state)];
    while (this.peek() === 0x7c /* | */) {
      this.i++;
      alts.push(this.sequence(state));
    }
    return alts.length === 1 ? alts[0]! : { t: "alt", alts };
  }

  private skipExtended(flags: Flags): void {
    if (!flags.x) return;
    for (;;) {
      const c = this.peek();
      if (c === undefined) return;
      if (isAsciiSpace(c)) this.i++;
      else if (c === 0x23 /* # */) {
        while (this.i < this.p.length && this.p[this.i] !== NL) this.i++;
      } else return;
    }
  }

  private sequence(flags: Flags): Node {
    const items: Node[] = [];
    for (;;) {
      this.skipExtended(flags);
      const c = this.peek();
      if (c === undefined || c === 0x7c || c === 0x29 /* ) */) break;
      const atom = this.atom(flags);
      if (atom === null) continue;
      items.push(this.quantified(atom, flags));
    }
    if (items.length === 0) return { t: "empty" };
    return items.length === 1 ? items[0]! : { t: "seq", items };
  }

  private quantified(atomNode: Node, flags: Flags): Node {
    let atom = atomNode;
    for (;;) {
      this.skipExtended(flags);
      const c = this.peek();
      let min: number;
      let max: number;
      if (c === 0x2a /* * */) [min, max] = [0, Infinity];
      else if (c === 0x2b /* + */) [min, max] = [1, Infinity];
      else if (c === 0x3f /* ? */) [min, max] = [0, 1];
      else if (c === 0x7b /* { */) {
        const m = /^\{(\d+)(,(\d*))?\}/.exec(String.fromCharCode(...this.p.slice(this.i, this.i + 24)));
        if (!m) return atom;
        min = Number(m[1]);
        max = m[2] === undefined ? min : m[3] === "" ? Infinity : Number(m[3]);
        if (min > 65535 || (max !== Infinity && max > 65535)) this.error("number too big in {} quantifier");
        if (max < min) this.error("numbers out of order in {} quantifier");
        this.i += m[0].length - 1;
      } else return atom;
      this.i++;
      if (atom.t === "assert" || atom.t === "look") {
        // PCRE allows a quantified assertion; only whether it may be skipped matters.
        if (min === 0) atom = { t: "empty" };
        continue;
      }
      let mode: "greedy" | "lazy" | "possessive" = flags.U ? "lazy" : "greedy";
      if (this.peek() === 0x3f) {
        this.i++;
        mode = flags.U ? "greedy" : "lazy";
      } else if (this.peek() === 0x2b) {
        this.i++;
        mode = "possessive";
      }
      atom = { t: "repeat", body: atom, min, max, mode };
      this.skipExtended(flags);
      const after = this.peek();
      if (
        after === 0x2a ||
        after === 0x2b ||
        after === 0x3f ||
        (after === 0x7b && /^\{\d+(,\d*)?\}/.test(String.fromCharCode(...this.p.slice(this.i, this.i + 24))))
      ) {
        this.error("quantifier does not follow a repeatable item");
      }
      return atom;
    }
  }

  private literal(c: number, flags: Flags): Node {
    const others = flags.i ? otherCases(c, this.utf) : [];
    if (others.length === 0) return { t: "char", test: (x) => x === c, fixed: true, lit: [c] };
    const set = [c, ...others];
    return { t: "char", test: (x) => set.includes(x), fixed: true, lit: set };
  }

  /** Parses one atom; null for things that match nothing themselves (comments, option settings). */
  private atom(flags: Flags): Node | null {
    const start = this.i;
    const c = this.p[this.i++]!;
    switch (c) {
      case 0x5c /* \ */:
        return this.escape(flags, false) as Node;
      case 0x5b /* [ */:
        return this.characterClass(flags);
      case 0x2e /* . */:
        return { t: "char", test: flags.s ? () => true : (x) => x !== NL, fixed: true };
      case 0x5e /* ^ */:
        return { t: "assert", kind: flags.m ? "mstart" : "start" };
      case 0x24 /* $ */:
        return { t: "assert", kind: flags.m ? "mend" : "dend" };
      case 0x28 /* ( */:
        return this.group(flags, start);
      case 0x2a:
      case 0x2b:
      case 0x3f:
        return this.error("quantifier does not follow a repeatable item", start);
      default:
        // Includes a '{' that does not start a valid quantifier: PCRE2 takes it literally.
        return this.literal(c, flags);
    }
  }

  private readName(close: number): string {
    const start = this.i;
    while (this.i < this.p.length && this.p[this.i] !== close) this.i++;
    if (this.i >= this.p.length) this.error("syntax error in subpattern name (missing terminator?)", start);
    const name = String.fromCodePoint(...this.p.slice(start, this.i));
    this.i++;
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name) && !/^-?\d+$/.test(name)) this.error("subpattern name expected", start);
    return name;
  }

  private group(flags: Flags, start: number): Node | null {
    if (this.peek() === 0x2a /* * */) this.error("verbs such as (*FAIL) are not supported", start);
    if (this.peek() !== 0x3f /* ? */) {
      const index = flags.n ? 0 : ++this.groupCount;
      return this.closeGroup({ t: "group", index, body: this.alternation(flags) }, start);
    }
    this.i++;
    const d = this.peek();
    const body = (f: Flags = flags) => this.alternation(f);
    if (d === 0x3a /* : */) {
      this.i++;
      return this.closeGroup({ t: "group", index: 0, body: body() }, start);
    }
    if (d === 0x23 /* # */) {
      while (this.i < this.p.length && this.p[this.i] !== 0x29) this.i++;
      if (this.i >= this.p.length) this.error("missing ) after (?# comment", start);
      this.i++;
      return null;
    }
    if (d === 0x3e /* > */) {
      this.i++;
      return this.closeGroup({ t: "atomic", body: body() }, start);
    }
    if (d === 0x3d /* = */ || d === 0x21 /* ! */) {
      this.i++;
      return this.closeGroup(this.look(true, d === 0x21, body()), start);
    }
    if (d === 0x3c /* < */ && (this.peek(1) === 0x3d || this.peek(1) === 0x21)) {
      const negate = this.peek(1) === 0x21;
      this.i += 2;
      const inner = body();
      const look = this.look(false, negate, inner);
      if (look.maxLen === Infinity) this.error("lookbehind assertion is not fixed length", start);
      return this.closeGroup(look, start);
    }
    if (d === 0x50 /* P */ && this.peek(1) === 0x3c) {
      this.i += 2;
      return this.namedGroup(this.readName(0x3e), flags, start);
    }
    if (d === 0x3c /* < */ || d === 0x27 /* ' */) {
      this.i++;
      return this.namedGroup(this.readName(d === 0x3c ? 0x3e : 0x27), flags, start);
    }
    if (d === 0x50 /* P */ && this.peek(1) === 0x3d /* = */) {
      this.i += 2;
      const name = this.readName(0x29);
      const ref: Node = { t: "backref", index: -1, name, caseless: flags.i };
      this.pendingNamedRefs.push(ref as { t: "backref"; name: string; index: number });
      return ref;
    }
    if (d === 0x28 /* ( */) return this.conditional(flags, start);
    if (d === 0x7c /* | */) this.error("branch reset groups (?| are not supported", start);
    if (
      d === 0x52 /* R */ ||
      d === 0x26 /* & */ ||
      (d !== undefined && (isAsciiDigit(d) || d === 0x2b || d === 0x2d) && this.isRecursionCall())
    ) {
      this.error("recursion and subroutine calls are not supported", start);
    }
    if (d === 0x50 /* P */ && this.peek(1) === 0x3e) this.error("recursion and subroutine calls are not supported", start);
    // Option setting: (?imsxnU-imsxnU) or (?flags:...)
    const next = { ...flags };
    let on = true;
    let any = false;
    for (;;) {
      const f = this.p[this.i++];
      if (f === undefined) this.error("missing closing parenthesis", start);
      const ch = String.fromCharCode(f);
      if (ch === ")") {
        Object.assign(flags, next); // applies to the rest of the enclosing group
        return null;
      }
      if (ch === ":") return this.closeGroup({ t: "group", index: 0, body: body(next) }, start);
      if (ch === "-" && on) {
        on = false;
        continue;
      }
      if (ch === "^" && !any) {
        Object.assign(next, { i: false, m: false, s: false, x: false, U: false, n: false });
        continue;
      }
      any = true;
      if (ch === "i") next.i = on;
      else if (ch === "m") next.m = on;
      else if (ch === "s") next.s = on;
      else if (ch === "x") next.x = on;
      else if (ch === "U") next.U = on;
      else if (ch === "n") next.n = on;
      else if (ch === "J") continue;
      else this.error("unrecognized character after (? or (?-", this.i - 1);
    }
  }

  private isRecursionCall(): boolean {
    let k = this.i;
    if (this.p[k] === 0x2b || this.p[k] === 0x2d) k++;
    while (k < this.p.length && isAsciiDigit(this.p[k]!)) k++;
    return this.p[k] === 0x29;
  }

  private namedGroup(name: string, flags: Flags, start: number): Node {
    const index = ++this.groupCount;
    if (this.names.has(name)) this.error("two named subpatterns have the same name (PCRE2_DUPNAMES not set)", start);
    this.names.set(name, index);
    return this.closeGroup({ t: "group", index, body: this.alternation(flags) }, start);
  }

  private conditional(flags: Flags, start: number): Node {
    this.i++; // the '(' of the condition
    let cond: { t: "cond"; index: number; name?: string; look?: Node; yes: Node; no: Node };
    const d = this.peek();
    if (d === 0x3f /* ? */ && (this.peek(1) === 0x3d || this.peek(1) === 0x21 || this.peek(1) === 0x3c)) {
      const inner = this.group(flags, this.i - 1);
      cond = { t: "cond", index: 0, look: inner!, yes: { t: "empty" }, no: { t: "empty" } };
    } else if (d !== undefined && isAsciiDigit(d)) {
      let n = 0;
      while (isAsciiDigit(this.peek() ?? -1)) n = n * 10 + (this.p[this.i++]! - 48);
      if (this.p[this.i++] !== 0x29) this.error("malformed number or name after (?(", start);
      cond = { t: "cond", index: n, yes: { t: "empty" }, no: { t: "empty" } };
      this.numberedRefs.push({ index: n, at: start + 3 });
    } else if (d === 0x3c || d === 0x27) {
      this.i++;
      const name = this.readName(d === 0x3c ? 0x3e : 0x27);
      if (this.p[this.i++] !== 0x29) this.error("malformed number or name after (?(", start);
      cond = { t: "cond", index: -1, name, yes: { t: "empty" }, no: { t: "empty" } };
      this.pendingNamedRefs.push(cond as { t: "cond"; name: string; index: number });
    } else {
      this.error("conditions other than a group number, a group name or an assertion are not supported", start);
    }
    const state = { ...flags };
    cond.yes = this.sequence(state);
    if (this.peek() === 0x7c) {
      this.i++;
      cond.no = this.sequence(state);
      if (this.peek() === 0x7c) this.error("conditional subpattern contains more than two branches", start);
    }
    if (this.p[this.i++] !== 0x29) this.error("missing closing parenthesis", start);
    return cond;
  }

  private look(ahead: boolean, negate: boolean, body: Node): Node & { t: "look" } {
    const [minLen, maxLen] = lengthRange(body);
    return { t: "look", ahead, negate, body, minLen, maxLen };
  }

  private closeGroup(node: Node, _start: number): Node {
    if (this.peek() !== 0x29) this.error("missing closing parenthesis");
    this.i++;
    return node;
  }

  private readonly numberedRefs: Array<{ index: number; at: number }> = [];

  private backrefNode(index: number, flags: Flags): Node {
    this.numberedRefs.push({ index, at: this.i });
    return { t: "backref", index, caseless: flags.i };
  }

  /** An escape after '\'; inside a class it returns a CharTest or a code point. */
  private escape(flags: Flags, inClass: boolean): Node | CharTest | number | null {
    const at = this.i - 1;
    const c = this.p[this.i++];
    if (c === undefined) this.error("\\ at end of pattern", at);
    const ch = String.fromCharCode(c);
    const cls = classEscape(ch, this.utf);
    if (cls !== null && ch !== "N") return inClass ? cls : { t: "char", test: cls, fixed: true };
    if (ch === "N" && !inClass) return { t: "char", test: (x) => x !== NL, fixed: true };
    if (ch === "p" || ch === "P") {
      let name: string;
      if (this.peek() === 0x7b) {
        this.i++;
        const end = this.p.indexOf(0x7d, this.i);
        if (end < 0) this.error("malformed \\P or \\p sequence", at);
        name = String.fromCodePoint(...this.p.slice(this.i, end));
        this.i = end + 1;
      } else {
        const n = this.p[this.i++];
        if (n === undefined) this.error("malformed \\P or \\p sequence", at);
        name = String.fromCharCode(n);
      }
      let test: CharTest;
      try {
        test = unicodeProperty(name, ch === "P");
      } catch {
        this.error("unknown property name after \\P or \\p", at);
      }
      return inClass ? test : { t: "char", test, fixed: true };
    }
    const code = this.escapeCode(ch, at, inClass);
    if (code !== null) {
      if (inClass) return code;
      return this.literal(code, flags);
    }
    if (inClass) {
      if (ch === "b") return 8;
      if (/[A-Za-z]/.test(ch)) this.error(`unrecognized character follows \\`, at);
      return c;
    }
    switch (ch) {
      case "b":
        return { t: "assert", kind: "word" };
      case "B":
        return { t: "assert", kind: "nonword" };
      case "A":
      case "G": // preg_match starts at offset 0, where \G is the start of the subject
        return { t: "assert", kind: "absStart" };
      case "z":
        return { t: "assert", kind: "absEnd" };
      case "Z":
        return { t: "assert", kind: "endNl" };
      case "K":
        return { t: "empty" }; // only moves the reported match start; a yes/no test ignores it
      case "R":
        return {
          t: "alt",
          alts: [
            {
              t: "seq",
              items: [
                { t: "char", test: (x) => x === 13, fixed: true },
                { t: "char", test: (x) => x === NL, fixed: true },
              ],
            },
            { t: "char", test: (x) => (x >= 10 && x <= 13) || x === 0x85 || (this.utf && (x === 0x2028 || x === 0x2029)), fixed: true },
          ],
        };
      case "X":
      case "C":
        return this.error(`\\${ch} is not supported`, at);
      case "Q": {
        const items: Node[] = [];
        while (this.i < this.p.length && !(this.p[this.i] === 0x5c && this.p[this.i + 1] === 0x45))
          items.push(this.literal(this.p[this.i++]!, flags));
        if (this.i < this.p.length) this.i += 2;
        return items.length === 0 ? null : { t: "seq", items };
      }
      case "E":
        return null;
      case "g":
      case "k":
        return this.reference(ch, flags, at);
    }
    if (isAsciiDigit(c)) {
      // \1-\9 and numbers up to the group count are back references; others are octal.
      let digits = ch;
      while (isAsciiDigit(this.peek() ?? -1)) digits += String.fromCharCode(this.p[this.i++]!);
      const n = Number(digits);
      if (n < 10 || n <= this.groupCount) return this.backrefNode(n, flags);
      this.i = at + 2;
      return this.literal(this.octal(c), flags);
    }
    if (/[A-Za-z]/.test(ch)) this.error("unrecognized character follows \\", at);
    return this.literal(c, flags);
  }

  private octal(first: number): number {
    let value = first - 48;
    let n = 1;
    while (n < 3 && (this.peek() ?? -1) >= 48 && this.peek()! <= 55) {
      value = value * 8 + (this.p[this.i++]! - 48);
      n++;
    }
    return value;
  }

  /** Code point of a character escape, or null when the escape is something else. */
  private escapeCode(ch: string, at: number, inClass: boolean): number | null {
    switch (ch) {
      case "t":
        return 9;
      case "n":
        return 10;
      case "r":
        return 13;
      case "f":
        return 12;
      case "e":
        return 27;
      case "a":
        return 7;
      case "0":
        return this.octal(48);
      case "o": {
        if (this.peek() !== 0x7b) this.error("missing opening brace after \\o", at);
        const end = this.p.indexOf(0x7d, this.i);
        const value = parseInt(String.fromCharCode(...this.p.slice(this.i + 1, end)), 8);
        this.i = end + 1;
        return this.checkCode(value, at);
      }
      case "x": {
        if (this.peek() === 0x7b) {
          const end = this.p.indexOf(0x7d, this.i);
          if (end < 0) this.error("missing terminating } for \\x{", at);
          const text = String.fromCharCode(...this.p.slice(this.i + 1, end));
          if (!/^[0-9a-fA-F]+$/.test(text)) this.error("non-hex character in \\x{} (closing brace missing?)", at);
          this.i = end + 1;
          return this.checkCode(parseInt(text, 16), at);
        }
        let digits = "";
        while (digits.length < 2 && /[0-9a-fA-F]/.test(String.fromCharCode(this.peek() ?? 0)))
          digits += String.fromCharCode(this.p[this.i++]!);
        return digits === "" ? 0 : parseInt(digits, 16);
      }
      case "c": {
        const n = this.p[this.i++];
        if (n === undefined || n > 126 || n < 32) this.error("\\c must be followed by a printable ASCII character", at);
        return String.fromCharCode(n).toUpperCase().charCodeAt(0) ^ 0x40;
      }
    }
    if (inClass && /[1-7]/.test(ch)) return this.octal(ch.charCodeAt(0));
    return null;
  }

  private checkCode(value: number, at: number): number {
    if (Number.isNaN(value) || value > (this.utf ? 0x10ffff : 0xff))
      this.error("character code point value in \\x{} or \\o{} is too large", at);
    return value;
  }

  private reference(kind: string, flags: Flags, at: number): Node {
    const open = this.peek();
    if (kind === "g" && open !== undefined && (isAsciiDigit(open) || open === 0x2d || open === 0x2b)) {
      let text = "";
      while ((this.peek() ?? -1) === 0x2d || (this.peek() ?? -1) === 0x2b || isAsciiDigit(this.peek() ?? -1))
        text += String.fromCharCode(this.p[this.i++]!);
      return this.numberedRef(text, flags, at);
    }
    const close = open === 0x7b ? 0x7d : open === 0x3c ? 0x3e : open === 0x27 ? 0x27 : undefined;
    if (close === undefined) this.error(`a numbered reference must not be zero`, at);
    if (kind === "g" && open !== 0x7b) this.error("recursion and subroutine calls are not supported", at);
    this.i++;
    const start = this.i;
    while (this.i < this.p.length && this.p[this.i] !== close) this.i++;
    const ref = String.fromCodePoint(...this.p.slice(start, this.i));
    this.i++;
    if (/^[-+]?\d+$/.test(ref)) return this.numberedRef(ref, flags, at);
    const node: Node = { t: "backref", index: -1, name: ref, caseless: flags.i };
    this.pendingNamedRefs.push(node as { t: "backref"; name: string; index: number });
    return node;
  }

  private numberedRef(text: string, flags: Flags, at: number): Node {
    let n = Number(text);
    if (text.startsWith("-")) n = this.groupCount + 1 + n;
    else if (text.startsWith("+")) this.error("recursion and subroutine calls are not supported", at);
    if (!Number.isInteger(n) || n <= 0) this.error("a numbered reference must not be zero", at);
    return this.backrefNode(n, flags);
  }

  private characterClass(flags: Flags): Node {
    const start = this.i - 1;
    let negate = false;
    if (this.peek() === 0x5e) {
      negate = true;
      this.i++;
    }
    const tests: CharTest[] = [];
    const ranges: number[] = [];
    let first = true;
    for (;;) {
      const c = this.p[this.i];
      if (c === undefined) this.error("missing terminating ] for character class", start);
      if (c === 0x5d && !first) {
        this.i++;
        break;
      }
      first = false;
      if (c === 0x5b && this.peek(1) === 0x3a) {
        const end = this.p.indexOf(0x5d, this.i + 2);
        const spec = end > 0 ? String.fromCharCode(...this.p.slice(this.i + 2, end)) : "";
        const m = /^(\^?)([a-z]+):$/.exec(spec);
        if (m) {
          const test = posixClass(m[2]!, this.utf);
          if (test === null) this.error("unknown POSIX class name", this.i);
          tests.push(m[1] ? (x) => !test(x) : test);
          this.i = end + 1;
          continue;
        }
      }
      this.i++;
      let low: number;
      if (c === 0x5c) {
        const e = this.escape(flags, true);
        if (typeof e === "function") {
          tests.push(e);
          continue;
        }
        if (e === null) continue;
        low = e as number;
      } else low = c;
      // A range a-z (a '-' before ']' or after a class escape is literal).
      if (this.peek() === 0x2d && this.peek(1) !== undefined && this.peek(1) !== 0x5d) {
        const save = this.i;
        this.i++;
        let high: number | null = null;
        const h = this.p[this.i++]!;
        if (h === 0x5c) {
          const e = this.escape(flags, true);
          if (typeof e === "number") high = e;
        } else if (h === 0x5b && this.peek() === 0x3a) high = null;
        else high = h;
        if (high === null) {
          this.i = save;
          ranges.push(low, low);
          continue;
        }
        if (high < low) this.error("range out of order in character class", save);
        ranges.push(low, high);
        continue;
      }
      ranges.push(low, low);
    }
    const inRanges: CharTest = (x) => {
      for (let k = 0; k < ranges.length; k += 2) if (x >= ranges[k]! && x <= ranges[k + 1]!) return true;
      return false;
    };
    let test: CharTest = tests.length === 0 ? inRanges : (x) => inRanges(x) || tests.some((t) => t(x));
    if (flags.i) test = caseless(test, this.utf);
    const positive = test;
    return { t: "char", test: negate ? (x) => !positive(x) : positive, fixed: true };
  }
}

/** Minimum and maximum length a node can match (Infinity when unbounded). */
function lengthRange(node: Node): [number, number] {
  switch (node.t) {
    case "empty":
    case "assert":
    case "look":
      return [0, 0];
    case "fail":
      return [0, 0];
    case "char":
      return [1, 1];
    case "seq": {
      let min = 0;
      let max = 0;
      for (const item of node.items) {
        const [a, b] = lengthRange(item);
        min += a;
        max += b;
      }
      return [min, max];
    }
    case "alt":
    case "cond": {
      const alts = node.t === "alt" ? node.alts : [node.yes, node.no];
      let min = Infinity;
      let max = 0;
      for (const alt of alts) {
        const [a, b] = lengthRange(alt);
        min = Math.min(min, a);
        max = Math.max(max, b);
      }
      return [min, max];
    }
    case "group":
    case "atomic":
      return lengthRange(node.body);
    case "repeat": {
      const [a, b] = lengthRange(node.body);
      return [a * node.min, b === 0 ? 0 : b * node.max];
    }
    case "backref":
      return [0, Infinity];
  }
}

// ---------------------------------------------------------------------------------------
// Matcher

type Cont = (pos: number) => boolean;
type Matcher = (pos: number, k: Cont) => boolean;

interface MatchState {
  s: ArrayLike<number>;
  caps: Int32Array;
  steps: number;
  limit: number;
}

const LIMIT_HIT = Symbol("regex step limit");

/** The match in progress (matching is synchronous, so one slot suffices; nested calls save it). */
let S: MatchState = { s: new Uint8Array(0), caps: new Int32Array(2), steps: 0, limit: 0 };
const st = (): MatchState => S;

function compileNode(node: Node, utf: boolean): Matcher {
  const tick = (state: MatchState) => {
    if (++state.steps > state.limit) throw LIMIT_HIT;
  };
  switch (node.t) {
    case "empty":
      return (pos, k) => k(pos);
    case "fail":
      return () => false;
    case "char": {
      const test = node.test;
      return (pos, k) => {
        const state = S;
        if (++state.steps > state.limit) throw LIMIT_HIT;
        return pos < state.s.length && test(state.s[pos]!) && k(pos + 1);
      };
    }
    case "seq": {
      const items = node.items.map((item) => compileNode(item, utf));
      // Right fold: each item continues with the rest of the sequence.
      return items.reduceRight<Matcher>(
        (rest, item) => (pos, k) => item(pos, (p) => rest(p, k)),
        (pos, k) => k(pos),
      );
    }
    case "alt": {
      const alts = node.alts.map((alt) => compileNode(alt, utf));
      return (pos, k) => {
        for (const alt of alts) if (alt(pos, k)) return true;
        return false;
      };
    }
    case "group": {
      const body = compileNode(node.body, utf);
      if (node.index === 0) return body;
      const at = node.index * 2;
      return (pos, k) => {
        const caps = st().caps;
        const oldStart = caps[at]!;
        const oldEnd = caps[at + 1]!;
        if (
          body(pos, (end) => {
            const innerStart = caps[at]!;
            const innerEnd = caps[at + 1]!;
            caps[at] = pos;
            caps[at + 1] = end;
            if (k(end)) return true;
            caps[at] = innerStart;
            caps[at + 1] = innerEnd;
            return false;
          })
        )
          return true;
        caps[at] = oldStart;
        caps[at + 1] = oldEnd;
        return false;
      };
    }
    case "atomic": {
      const body = compileNode(node.body, utf);
      return (pos, k) => {
        let end = -1;
        const caps = st().caps;
        const saved = caps.slice();
        if (!body(pos, (p) => ((end = p), true))) return false;
        if (k(end)) return true;
        caps.set(saved);
        return false;
      };
    }
    case "look": {
      const body = compileNode(node.body, utf);
      const { ahead, negate, minLen, maxLen } = node;
      return (pos, k) => {
        const state = st();
        tick(state);
        const saved = state.caps.slice();
        let found = false;
        if (ahead) found = body(pos, () => true);
        else {
          for (let len = minLen; len <= maxLen && !found; len++) {
            if (pos - len < 0) break;
            found = body(pos - len, (end) => end === pos);
          }
        }
        if (negate) {
          state.caps.set(saved);
          return !found && k(pos);
        }
        if (!found) return false;
        if (k(pos)) return true;
        state.caps.set(saved);
        return false;
      };
    }
    case "backref": {
      const ref = node;
      return (pos, k) => {
        const state = st();
        tick(state);
        const start = state.caps[ref.index * 2];
        const end = state.caps[ref.index * 2 + 1];
        // PCRE2: a reference to a group that has not been set fails.
        if (start === undefined || start < 0) return false;
        const len = end! - start;
        if (pos + len > state.s.length) return false;
        for (let j = 0; j < len; j++) {
          const a = state.s[start + j]!;
          const b = state.s[pos + j]!;
          if (a !== b && !(ref.caseless && otherCases(a, utf).includes(b))) return false;
        }
        return k(pos + len);
      };
    }
    case "cond": {
      const yes = compileNode(node.yes, utf);
      const no = compileNode(node.no, utf);
      const look = node.look ? compileNode(node.look, utf) : null;
      const cond = node;
      return (pos, k) => {
        let holds: boolean;
        if (look) holds = look(pos, () => true);
        else holds = (st().caps[cond.index * 2] ?? -1) >= 0;
        return holds ? yes(pos, k) : no(pos, k);
      };
    }
    case "assert":
      return assertion(node.kind, utf);
    case "repeat":
      return repeat(node, utf);
  }
}

function assertion(kind: Node & { t: "assert" } extends { kind: infer K } ? K : never, utf: boolean): Matcher {
  const word = (c: number | undefined) => c !== undefined && classEscape("w", utf)!(c);
  return (pos, k) => {
    const s = st().s;
    const n = s.length;
    let ok: boolean;
    switch (kind) {
      case "start":
      case "absStart":
        ok = pos === 0;
        break;
      case "mstart":
        ok = pos === 0 || s[pos - 1] === NL;
        break;
      case "absEnd":
      case "end":
        ok = pos === n;
        break;
      case "endNl":
      case "dend":
        ok = pos === n || (pos === n - 1 && s[pos] === NL);
        break;
      case "mend":
        ok = pos === n || s[pos] === NL;
        break;
      case "word":
      case "nonword": {
        const boundary = word(pos > 0 ? s[pos - 1] : undefined) !== word(pos < n ? s[pos] : undefined);
        ok = kind === "word" ? boundary : !boundary;
        break;
      }
    }
    return ok && k(pos);
  };
}

function repeat(node: Node & { t: "repeat" }, utf: boolean): Matcher {
  const { min, max, mode } = node;
  const body = compileNode(node.body, utf);
  if (node.body.t === "char") {
    // One character per iteration: count the run, then back off without recursion.
    const test = node.body.test;
    return (pos, k) => {
      const state = st();
      const s = state.s;
      let count = 0;
      const limit = Math.min(max, s.length - pos);
      if (mode === "lazy") {
        for (;;) {
          state.steps++;
          if (state.steps > state.limit) throw LIMIT_HIT;
          if (count >= min && k(pos + count)) return true;
          if (count >= limit || !test(s[pos + count]!)) return false;
          count++;
        }
      }
      while (count < limit && test(s[pos + count]!)) count++;
      state.steps += count;
      if (state.steps > state.limit) throw LIMIT_HIT;
      if (count < min) return false;
      if (mode === "possessive") return k(pos + count);
      for (; count >= min; count--) {
        if (++state.steps > state.limit) throw LIMIT_HIT;
        if (k(pos + count)) return true;
      }
      return false;
    };
  }
  if (mode === "possessive") {
    // X*+ is (?>X*): no backtracking into the run once it is taken.
    const greedy = repeat({ ...node, mode: "greedy" }, utf);
    return (pos, k) => {
      let end = -1;
      const caps = st().caps;
      const saved = caps.slice();
      if (!greedy(pos, (p) => ((end = p), true))) return false;
      if (k(end)) return true;
      caps.set(saved);
      return false;
    };
  }
  const iterate = (pos: number, count: number, k: Cont): boolean => {
    const state = S;
    if (++state.steps > state.limit) throw LIMIT_HIT;
    if (count >= min && mode === "lazy" && k(pos)) return true;
    if (
      count < max &&
      body(pos, (next) => {
        // An iteration that matched nothing ends the loop (PCRE's empty-iteration rule).
        if (next === pos && count + 1 >= min) return false;
        return iterate(next, count + 1, k);
      })
    )
      return true;
    return count >= min && mode !== "lazy" && k(pos);
  };
  return (pos, k) => iterate(pos, 0, k);
}

// ---------------------------------------------------------------------------------------
// Public API

/**
 * Matching steps left for one evaluation (a hash path over a whole document, one module
 * call). Sharing it across every subject bounds the total, not just each match.
 */
export interface RegexBudget {
  readonly limit: number;
  remaining: number;
}

export interface CompiledRegex {
  /** preg_match() === 1; throws RegexLimitError when the budget runs out. */
  test(subject: string, budget?: RegexBudget): boolean;
  readonly utf: boolean;
}

/** The default budget: ~0.1–0.3 s of matching at worst, far beyond what sane patterns need on MISP data. */
export const DEFAULT_STEP_LIMIT = 1_000_000;

let defaultStepLimit = readLimitFromEnv();

function readLimitFromEnv(): number {
  const raw = process.env.MISP_MODULES_REGEX_STEP_LIMIT;
  if (raw === undefined || raw.trim() === "") return DEFAULT_STEP_LIMIT;
  const n = Number(raw);
  return Number.isInteger(n) && n > 0 ? n : DEFAULT_STEP_LIMIT;
}

/** Changes the default step budget (tests, configuration); returns the previous one. */
export function setRegexStepLimit(limit: number): number {
  const previous = defaultStepLimit;
  if (Number.isInteger(limit) && limit > 0) defaultStepLimit = limit;
  return previous;
}

/** A fresh budget of the configured size. */
export function newRegexBudget(limit = defaultStepLimit): RegexBudget {
  return { limit, remaining: limit };
}

export function regexStepLimit(): number {
  return defaultStepLimit;
}

function subjectUnits(subject: string, utf: boolean): ArrayLike<number> {
  if (!utf) {
    for (let i = 0; i < subject.length; i++) {
      if (subject.charCodeAt(i) > 0x7f) return Buffer.from(subject, "utf8");
    }
    const out = new Uint8Array(subject.length);
    for (let i = 0; i < subject.length; i++) out[i] = subject.charCodeAt(i);
    return out;
  }
  const out: number[] = [];
  for (const ch of subject) out.push(ch.codePointAt(0)!);
  return out;
}

function patternUnits(body: string, utf: boolean): number[] {
  // Without u the pattern is bytes too: a literal "é" is the two bytes C3 A9.
  if (!utf) return [...Buffer.from(body, "utf8")];
  return Array.from(body, (ch) => ch.codePointAt(0)!);
}

/** Compiles a pattern body with its options; throws RegexSyntaxError like PCRE's compiler. */
export function compilePcrePattern(body: string, options: PcreOptions = {}): CompiledRegex {
  const utf = options.utf ?? false;
  const parser = new Parser(patternUnits(body, utf), utf);
  const flags: Flags = {
    i: !!options.caseless,
    m: !!options.multiline,
    s: !!options.dotAll,
    x: !!options.extended,
    U: !!options.ungreedy,
    n: !!options.noAutoCapture,
  };
  let ast: Node;
  try {
    ast = parser.parse(flags);
  } catch (e) {
    if (e instanceof RegexSyntaxError) throw e;
    throw new RegexSyntaxError((e as Error).message, 0);
  }
  // D: a non-multiline '$' no longer matches before a final newline.
  if (options.dollarEndOnly) ast = replaceDollar(ast);
  const matcher = compileNode(ast, utf);
  const groups = parser.groupCount;
  const anchored = !!options.anchored || startsAnchored(ast);
  const required: number[][] = [];
  requiredLiterals(ast, required);
  const first = firstLiteral(ast);
  return {
    utf,
    test(subject: string, budget: RegexBudget = newRegexBudget()): boolean {
      const previous = S;
      const state: MatchState = {
        s: subjectUnits(subject, utf),
        caps: new Int32Array((groups + 1) * 2).fill(-1),
        steps: 0,
        limit: budget.remaining,
      };
      S = state;
      try {
        // Like PCRE's "required code unit" check: a literal every match must contain.
        for (const set of required) {
          let found = false;
          for (let j = 0; j < state.s.length && !found; j++) found = set.includes(state.s[j]!);
          if (!found) return false;
        }
        const last = anchored ? 0 : state.s.length;
        const s = state.s;
        for (let start = 0; start <= last; start++) {
          // A match must begin with this literal: skip other start positions cheaply.
          if (first !== null && (start >= s.length || !first.includes(s[start]!))) continue;
          if (matcher(start, () => true)) return true;
        }
        return false;
      } catch (e) {
        if (e === LIMIT_HIT) {
          state.steps = budget.remaining;
          throw new RegexLimitError(
            `the regular expression needs more than ${budget.limit.toLocaleString("en-US")} matching steps (the bound that keeps a backtracking pattern from stalling the server)`,
          );
        }
        if (e instanceof RangeError)
          throw new RegexLimitError("the regular expression nests too deeply for this value (the subject is too long for this pattern)");
        throw e;
      } finally {
        budget.remaining = Math.max(0, budget.remaining - state.steps);
        S = previous;
      }
    },
  };
}

function replaceDollar(node: Node): Node {
  switch (node.t) {
    case "assert":
      return node.kind === "dend" ? { t: "assert", kind: "end" } : node;
    case "seq":
      return { ...node, items: node.items.map(replaceDollar) };
    case "alt":
      return { ...node, alts: node.alts.map(replaceDollar) };
    case "group":
    case "atomic":
    case "repeat":
      return { ...node, body: replaceDollar(node.body) } as Node;
    case "look": {
      return { ...node, body: replaceDollar(node.body) };
    }
    case "cond":
      return { ...node, yes: replaceDollar(node.yes), no: replaceDollar(node.no), look: node.look ? replaceDollar(node.look) : undefined };
    default:
      return node;
  }
}

/** Literal characters every match contains (outside optional parts and alternatives). */
function requiredLiterals(node: Node, out: number[][]): void {
  if (out.length >= 4) return;
  switch (node.t) {
    case "char":
      if (node.lit) out.push(node.lit);
      return;
    case "seq":
      for (const item of node.items) requiredLiterals(item, out);
      return;
    case "group":
    case "atomic":
      requiredLiterals(node.body, out);
      return;
    case "repeat":
      if (node.min > 0) requiredLiterals(node.body, out);
      return;
    default:
      return;
  }
}

/** The literal a match must start with, when the pattern begins with one. */
function firstLiteral(node: Node): number[] | null {
  switch (node.t) {
    case "char":
      return node.lit ?? null;
    case "seq":
      return node.items.length > 0 ? firstLiteral(node.items[0]!) : null;
    case "group":
    case "atomic":
      return firstLiteral(node.body);
    case "repeat":
      return node.min > 0 ? firstLiteral(node.body) : null;
    default:
      return null;
  }
}

/** True when every match must start at offset 0 (a leading ^ or \A outside multiline mode). */
function startsAnchored(node: Node): boolean {
  switch (node.t) {
    case "assert":
      return node.kind === "start" || node.kind === "absStart";
    case "seq":
      return node.items.length > 0 && startsAnchored(node.items[0]!);
    case "alt":
      return node.alts.every(startsAnchored);
    case "group":
    case "atomic":
      return startsAnchored(node.body);
    default:
      return false;
  }
}
