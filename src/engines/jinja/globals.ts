// Jinja's default globals (range, dict, lipsum, cycler, joiner, namespace) and the loop object.

import { bind } from "./callargs.js";
import { currentBudget } from "./current.js";
import { pyError } from "./errors.js";
import { eq, intArg, updateDict } from "./ops.js";
import { repr } from "./printing.js";
import { MISSING, PyCallable, PyDict, PyObject, PyRange, Undefined, tuple, type CallArgs } from "./values.js";

/** Every integer up to 2**53 is exact in a double. */
const RANGE_BOUND = 2n ** 53n;

function safeRange(call: CallArgs): PyRange {
  if (call.kwargs.size) throw pyError("TypeError", "range() takes no keyword arguments");
  const a = call.args.map((v) => {
    // Python's range is exact over any int; ours counts in doubles, so refuse rather than miscount.
    if (typeof v === "bigint" && (v > RANGE_BOUND || v < -RANGE_BOUND)) {
      throw pyError("OverflowError", "range() arguments beyond 2**53 are not supported by this engine");
    }
    return intArg(v);
  });
  if (a.length === 0) throw pyError("TypeError", "range expected at least 1 argument, got 0");
  if (a.length > 3) throw pyError("TypeError", `range expected at most 3 arguments, got ${a.length}`);
  const [start, stop, step] = a.length === 1 ? [0, a[0], 1] : [a[0], a[1], a[2] ?? 1];
  if (step === 0) throw pyError("ValueError", "range() arg 3 must not be zero");
  const r = new PyRange(start, stop, step);
  currentBudget().range(r.length);
  return r;
}

function makeDict(call: CallArgs): PyDict {
  const d = new PyDict();
  updateDict(d, call.args, call.kwargs, "dict");
  return d;
}

export class Cycler extends PyObject {
  readonly pyType = "Cycler";
  private pos = 0;
  constructor(private readonly items: unknown[]) {
    super();
    if (!items.length) throw pyError("RuntimeError", "at least one item has to be provided");
  }
  getAttr(name: string): unknown {
    switch (name) {
      case "items":
        return tuple([...this.items]);
      case "current":
        return this.items[this.pos];
      case "pos":
        return this.pos;
      case "next":
        return new PyCallable(
          "next",
          (c) => {
            bind("next", c, []);
            const v = this.items[this.pos];
            this.pos = (this.pos + 1) % this.items.length;
            return v;
          },
          "<bound method Cycler.next of <jinja2.utils.Cycler object at %ADDR%>>",
        );
      case "reset":
        return new PyCallable(
          "reset",
          (c) => {
            bind("reset", c, []);
            this.pos = 0;
            return null;
          },
          "<bound method Cycler.reset of <jinja2.utils.Cycler object at %ADDR%>>",
        );
    }
    return MISSING;
  }
  repr(): string {
    return "<jinja2.utils.Cycler object at %ADDR%>";
  }
}

export class Namespace extends PyObject {
  readonly pyType = "Namespace";
  readonly attrs = new PyDict();
  getAttr(name: string): unknown {
    return this.attrs.get(name);
  }
  setAttr(name: string, value: unknown): void {
    this.attrs.set(name, value);
  }
  repr(): string {
    return `<Namespace ${repr(this.attrs)}>`;
  }
}

function makeNamespace(call: CallArgs): Namespace {
  const ns = new Namespace();
  const d = makeDict(call);
  for (const [k, v] of d.entries()) ns.attrs.set(k, v);
  return ns;
}

function makeJoiner(call: CallArgs): PyCallable {
  const [sep] = bind("joiner", call, [["sep", ", "]]);
  let used = false;
  return new PyCallable(
    "joiner",
    (c) => {
      bind("__call__", c, []);
      if (!used) {
        used = true;
        return "";
      }
      return sep;
    },
    "<jinja2.utils.Joiner object at %ADDR%>",
  );
}

const LOREM_WORDS = (
  "a ac accumsan ad adipiscing aenean aliquam aliquet amet ante aptent arcu at auctor augue bibendum blandit class " +
  "commodo condimentum congue consectetuer consequat conubia convallis cras cubilia cum curabitur curae cursus dapibus " +
  "diam dictum dictumst dignissim dis dolor donec dui duis egestas eget eleifend elementum elit enim erat eros est et " +
  "etiam eu euismod facilisi facilisis fames faucibus felis fermentum feugiat fringilla fusce gravida habitant " +
  "habitasse hac hendrerit hymenaeos iaculis id imperdiet in inceptos integer interdum ipsum justo lacinia lacus " +
  "laoreet lectus leo libero ligula litora lobortis lorem luctus maecenas magna magnis malesuada massa mattis mauris " +
  "metus mi molestie mollis montes morbi mus nam nascetur natoque nec neque netus nibh nisi nisl non nonummy nostra " +
  "nulla nullam nunc odio orci ornare parturient pede pellentesque penatibus per pharetra phasellus placerat platea " +
  "porta porttitor posuere potenti praesent pretium primis proin pulvinar purus quam quis quisque rhoncus ridiculus " +
  "risus rutrum sagittis sapien scelerisque sed sem semper senectus sit sociis sociosqu sodales sollicitudin " +
  "suscipit suspendisse taciti tellus tempor tempus tincidunt torquent tortor tristique turpis ullamcorper ultrices " +
  "ultricies urna ut varius vehicula vel velit venenatis vestibulum vitae vivamus viverra volutpat vulputate"
).split(" ");

/** lipsum(): random placeholder text, like Jinja's (the words differ from run to run there too). */
function lipsum(call: CallArgs): string {
  const [n, html, min, max] = bind("generate_lorem_ipsum", call, [
    ["n", 5],
    ["html", true],
    ["min", 20],
    ["max", 100],
  ]);
  const count = Math.min(intArg(n), 100);
  const paragraphs: string[] = [];
  for (let p = 0; p < count; p++) {
    const words: string[] = [];
    const len = intArg(min) + Math.floor(Math.random() * Math.max(1, intArg(max) - intArg(min)));
    currentBudget().checkItems(len);
    for (let i = 0; i < len; i++) words.push(LOREM_WORDS[Math.floor(Math.random() * LOREM_WORDS.length)]);
    let text = words.join(" ");
    text = text[0].toUpperCase() + text.slice(1) + ".";
    paragraphs.push(html ? `<p>${text}</p>` : text);
  }
  return paragraphs.join("\n\n");
}

/** Marks "no further item" in LoopContext's look-ahead slot. */
const DONE: unique symbol = Symbol("done");

export const GLOBALS: Record<string, unknown> = Object.freeze({
  __proto__: null,
  range: new PyCallable("range", safeRange, "<function safe_range at %ADDR%>"),
  dict: new PyCallable("dict", makeDict, "<class 'dict'>", true),
  lipsum: new PyCallable("lipsum", lipsum, "<function generate_lorem_ipsum at %ADDR%>"),
  cycler: new PyCallable("cycler", (c) => new Cycler([...c.args]), "<class 'jinja2.utils.Cycler'>", true),
  joiner: new PyCallable("joiner", makeJoiner, "<class 'jinja2.utils.Joiner'>", true),
  namespace: new PyCallable("namespace", makeNamespace, "<class 'jinja2.utils.Namespace'>", true),
}) as Record<string, unknown>;

/** The `loop` variable inside a for-loop; looks ahead only when asked (length, last, nextitem). */
export class LoopContext extends PyObject {
  readonly pyType = "LoopContext";
  index0 = -1;
  private current: unknown = MISSING;
  private before: unknown = MISSING;
  private after: unknown = MISSING;
  private lastChanged: unknown[] | typeof MISSING = MISSING;
  constructor(
    private iterator: Iterator<unknown>,
    private knownLength: number | null,
    private readonly depth0: number,
    private readonly recurse: PyCallable | null,
  ) {
    super();
  }

  /** Moves to the next item. */
  advance(): IteratorResult<unknown> {
    let v: unknown;
    if (this.after === DONE) return { done: true, value: undefined };
    if (this.after !== MISSING) {
      v = this.after;
      this.after = MISSING;
    } else {
      const r = this.iterator.next();
      if (r.done) return r;
      v = r.value;
    }
    this.index0++;
    this.before = this.current;
    this.current = v;
    return { done: false, value: v };
  }

  private peek(): unknown {
    if (this.after === MISSING) {
      const r = this.iterator.next();
      this.after = r.done ? DONE : r.value;
    }
    return this.after;
  }

  private get length(): number {
    if (this.knownLength === null) {
      const rest: unknown[] = [];
      if (this.after !== MISSING && this.after !== DONE) rest.push(this.after);
      this.after = MISSING;
      for (let r = this.iterator.next(); !r.done; r = this.iterator.next()) {
        currentBudget().work(1);
        rest.push(r.value);
      }
      this.iterator = rest[Symbol.iterator]();
      this.knownLength = rest.length + this.index0 + 1;
    }
    return this.knownLength;
  }

  getAttr(name: string): unknown {
    const i = this.index0;
    switch (name) {
      case "index0":
        return i;
      case "index":
        return i + 1;
      case "revindex":
        return this.length - i;
      case "revindex0":
        return this.length - i - 1;
      case "first":
        return i === 0;
      case "last":
        return this.peek() === DONE;
      case "length":
        return this.length;
      case "depth":
        return this.depth0 + 1;
      case "depth0":
        return this.depth0;
      case "previtem":
        return this.before !== MISSING ? this.before : new Undefined("there is no previous item", MISSING, "previtem");
      case "nextitem": {
        const next = this.peek();
        return next !== DONE ? next : new Undefined("there is no next item", MISSING, "nextitem");
      }
      case "cycle":
        return new PyCallable(
          "cycle",
          (c) => {
            if (!c.args.length) throw pyError("TypeError", "no items for cycling given");
            return c.args[i % c.args.length];
          },
          "<bound method LoopContext.cycle>",
        );
      case "changed":
        return new PyCallable(
          "changed",
          (c) => {
            const cur = c.args;
            const prev = this.lastChanged;
            if (prev !== MISSING && prev.length === cur.length && prev.every((x, k) => eq(x, cur[k]))) return false;
            this.lastChanged = [...cur];
            return true;
          },
          "<bound method LoopContext.changed>",
        );
      case "__call__":
        if (this.recurse) return this.recurse;
        throw pyError("TypeError", "The loop must have the 'recursive' marker to be called recursively.");
    }
    return MISSING;
  }
  repr(): string {
    return `<LoopContext ${this.index0 + 1}/${this.length}>`;
  }
}
