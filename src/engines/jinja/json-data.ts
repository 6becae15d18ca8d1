// Parses the JSON that carries template data so that values keep their Python identity, as
// json.loads would produce them: 1.0 and 1e3 stay floats (print "1.0", "1000.0"), integers beyond
// 2**53 stay exact, and objects with integer-like keys keep their order (JavaScript objects would
// move such keys to the front). Plain JSON.parse is used whenever none of that can occur.

import { PyDict, PyFloat } from "./values.js";

/**
 * Over-approximation, anchored where JSON puts a number or a key (after `:`, `,`, `[` or `{`), so
 * that the hex digits, versions and timestamps inside MISP's strings ("55f6ea5e", "10:00:00.000000")
 * do not send every event down the slow path: exponents, integral floats, integers of 16 or more
 * digits, integer-like keys. Strings that happen to contain such text only cost speed, never
 * correctness.
 */
const NEEDS_FAITHFUL_PARSE = /[:,[{]\s*(?:-?(?:0|[1-9]\d*)(?:\.0+(?![0-9])|(?:\.\d+)?[eE])|-?\d{16}|"-?\d+"\s*:)/;

/** Exported for the tests: whether `text` may hold a value that JSON.parse would change. */
export function needsFaithfulParse(text: string): boolean {
  return NEEDS_FAITHFUL_PARSE.test(text);
}

export function parseTemplateJson(text: string): unknown {
  if (!NEEDS_FAITHFUL_PARSE.test(text)) return JSON.parse(text);
  return new FaithfulParser(text).parseDocument();
}

const INDEX_KEY = /^(?:0|[1-9]\d{0,9})$/;
const NUMBER = /-?(?:0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/y;
const STRING = /"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/y;

class FaithfulParser {
  private i = 0;
  constructor(private readonly s: string) {}

  parseDocument(): unknown {
    const v = this.value();
    this.ws();
    if (this.i !== this.s.length) this.fail();
    return v;
  }

  private fail(): never {
    throw new SyntaxError(`Unexpected token in JSON at position ${this.i}`);
  }

  private ws(): void {
    const s = this.s;
    while (this.i < s.length) {
      const c = s.charCodeAt(this.i);
      if (c === 32 || c === 9 || c === 10 || c === 13) this.i++;
      else break;
    }
  }

  private value(): unknown {
    this.ws();
    const c = this.s[this.i];
    if (c === "{") return this.object();
    if (c === "[") return this.array();
    if (c === '"') return this.string();
    if (c === "t" && this.s.startsWith("true", this.i)) return ((this.i += 4), true);
    if (c === "f" && this.s.startsWith("false", this.i)) return ((this.i += 5), false);
    if (c === "n" && this.s.startsWith("null", this.i)) return ((this.i += 4), null);
    return this.number();
  }

  private string(): string {
    STRING.lastIndex = this.i;
    const m = STRING.exec(this.s);
    if (!m) this.fail();
    this.i = STRING.lastIndex;
    return m[0].includes("\\") ? (JSON.parse(m[0]) as string) : m[0].slice(1, -1);
  }

  private number(): unknown {
    NUMBER.lastIndex = this.i;
    const m = NUMBER.exec(this.s);
    if (!m) this.fail();
    this.i = NUMBER.lastIndex;
    if (m[1] === undefined && m[2] === undefined) {
      const n = Number(m[0]);
      return Number.isSafeInteger(n) ? n : BigInt(m[0]);
    }
    const x = Number(m[0]);
    return Number.isInteger(x) ? new PyFloat(x) : x;
  }

  private array(): unknown[] {
    this.i++;
    const out: unknown[] = [];
    this.ws();
    if (this.s[this.i] === "]") {
      this.i++;
      return out;
    }
    for (;;) {
      out.push(this.value());
      this.ws();
      const c = this.s[this.i++];
      if (c === "]") return out;
      if (c !== ",") this.fail();
    }
  }

  private object(): unknown {
    this.i++;
    const entries: [string, unknown][] = [];
    let indexLike = false;
    this.ws();
    if (this.s[this.i] === "}") {
      this.i++;
      return {};
    }
    for (;;) {
      this.ws();
      if (this.s[this.i] !== '"') this.fail();
      const key = this.string();
      this.ws();
      if (this.s[this.i++] !== ":") this.fail();
      entries.push([key, this.value()]);
      if (INDEX_KEY.test(key)) indexLike = true;
      this.ws();
      const c = this.s[this.i++];
      if (c === "}") break;
      if (c !== ",") this.fail();
    }
    if (indexLike) {
      const d = new PyDict(false);
      for (const [k, v] of entries) d.set(k, v);
      return d;
    }
    const o: Record<string, unknown> = {};
    for (const [k, v] of entries) Object.defineProperty(o, k, { value: v, writable: true, enumerable: true, configurable: true });
    return o;
  }
}
