import { Worker } from "node:worker_threads";
import { LARGE_BODY_BYTES } from "./body.js";
import { nextTurn, turnUsed } from "./slices.js";

// Parses /query bodies with JSON.parse's exact results without stalling the event loop.
//
// Small bodies (the usual MISP query) take the fast path: one JSON.parse. A large body is
// parsed in slices between which other requests run: a first pass finds the containers and
// strings too big for one slice; a second pass builds those itself and hands every run of
// smaller members to JSON.parse. Values therefore come from JSON.parse itself (numbers,
// escapes, duplicate keys, "__proto__" keys behave the same). Parsing on a worker thread
// would not help: moving the parsed object back to this thread costs as much as parsing it.
//
// Anything the slicer does not expect (invalid JSON included) is handed to a worker thread
// that runs the plain `JSON.parse` on the whole text, so the error message is exactly the one
// the fast path gives, and is produced off the main thread.

/** Bytes handed to one JSON.parse call (well under a millisecond of work on an idle core). */
const SLICE = 128 * 1024;
/** Bytes the first pass scans between looks at the clock. */
const SCAN_STEP = 256 * 1024;

const SPACE = 0x20,
  TAB = 0x09,
  LF = 0x0a,
  CR = 0x0d,
  QUOTE = 0x22,
  BACKSLASH = 0x5c;
const LBRACE = 0x7b,
  RBRACE = 0x7d,
  LBRACKET = 0x5b,
  RBRACKET = 0x5d,
  COMMA = 0x2c,
  COLON = 0x3a;

/** Raised internally when the slicer meets something it does not handle; the worker decides. */
class Unsliceable extends Error {}

function isWs(c: number): boolean {
  return c === SPACE || c === LF || c === CR || c === TAB;
}

/** Index after the closing quote of the string whose content starts at `i`, or -1. */
function stringEnd(buf: Buffer, i: number): number {
  for (;;) {
    const q = buf.indexOf(QUOTE, i);
    if (q < 0) return -1;
    let k = q - 1;
    while (buf[k] === BACKSLASH) k--;
    if ((q - 1 - k) % 2 === 0) return q + 1;
    i = q + 1;
  }
}

/** The semantics of the original parser: blank text is "no body", anything else is JSON.parse. */
function parseText(text: string): unknown {
  if (text.trim() === "") return undefined;
  return JSON.parse(text);
}

/**
 * Large bodies parsed at the same time. More would not finish sooner (the work shares one
 * thread) but would keep more parsed events alive at once: with twenty 20 MB bodies parsed
 * together the heap grew past 1 GB and its collections paused the event loop for seconds.
 */
const MAX_CONCURRENT = 2;
let active = 0;
const waitingForSlot: (() => void)[] = [];

/** Parses a request body exactly like `text.trim() === "" ? undefined : JSON.parse(text)`. */
export async function parseJsonBody(buf: Buffer): Promise<unknown> {
  if (buf.length < LARGE_BODY_BYTES) return parseText(buf.toString("utf8"));
  if (active >= MAX_CONCURRENT) await new Promise<void>((resolve) => waitingForSlot.push(resolve));
  active++;
  try {
    return await parseSliced(buf);
  } catch (e) {
    if (!(e instanceof Unsliceable) && !(e instanceof SyntaxError)) throw e;
    return checkOffThread(buf);
  } finally {
    active--;
    waitingForSlot.shift()?.();
  }
}

interface Extents {
  /** Start offset → end offset (exclusive) of containers and strings longer than a slice. */
  containers: Map<number, number>;
  strings: Map<number, number>;
  root: number;
}

/** First pass: bracket matching, string ends, and which values are too big for one slice. */
async function index(buf: Buffer): Promise<Extents> {
  const containers = new Map<number, number>();
  const strings = new Map<number, number>();
  const opens: number[] = [];
  const kinds: number[] = [];
  const n = buf.length;
  let i = 0;
  while (i < n && isWs(buf[i]!)) i++;
  const root = i;
  const first = buf[root];
  if (first !== LBRACE && first !== LBRACKET) throw new Unsliceable();
  let stepEnd = SCAN_STEP;
  while (i < n) {
    if (i >= stepEnd) {
      stepEnd = i + SCAN_STEP;
      if (turnUsed()) await nextTurn();
    }
    const c = buf[i]!;
    if (c === QUOTE) {
      const end = stringEnd(buf, i + 1);
      if (end < 0) throw new Unsliceable();
      if (end - i > SLICE) strings.set(i, end);
      i = end;
      continue;
    }
    if (c === LBRACE || c === LBRACKET) {
      opens.push(i);
      kinds.push(c);
    } else if (c === RBRACE || c === RBRACKET) {
      const start = opens.pop();
      const kind = kinds.pop();
      if (start === undefined || kind !== (c === RBRACE ? LBRACE : LBRACKET)) throw new Unsliceable();
      if (i + 1 - start > SLICE) containers.set(start, i + 1);
      if (opens.length === 0) {
        // The root closed: only whitespace may follow.
        for (let j = i + 1; j < n; j++) if (!isWs(buf[j]!)) throw new Unsliceable();
        if (!containers.has(root)) throw new Unsliceable();
        return { containers, strings, root };
      }
    }
    i++;
  }
  throw new Unsliceable();
}

/** End of a value that is not in the big-value maps (so at most a slice long), or Unsliceable. */
function smallValueEnd(buf: Buffer, i: number): number {
  const c = buf[i];
  if (c === QUOTE) {
    const end = stringEnd(buf, i + 1);
    if (end < 0) throw new Unsliceable();
    return end;
  }
  if (c === LBRACE || c === LBRACKET) {
    let depth = 0;
    for (let j = i; j < buf.length; ) {
      const d = buf[j]!;
      if (d === QUOTE) {
        j = stringEnd(buf, j + 1);
        if (j < 0) throw new Unsliceable();
        continue;
      }
      if (d === LBRACE || d === LBRACKET) depth++;
      else if (d === RBRACE || d === RBRACKET) {
        depth--;
        if (depth === 0) return j + 1;
      }
      j++;
    }
    throw new Unsliceable();
  }
  // A number or a literal: validated by JSON.parse with its batch.
  if (c === undefined || !(c === 0x2d || (c >= 0x30 && c <= 0x39) || c === 0x74 || c === 0x66 || c === 0x6e)) throw new Unsliceable();
  let j = i + 1;
  while (j < buf.length) {
    const d = buf[j]!;
    if (d === COMMA || d === RBRACE || d === RBRACKET || isWs(d)) break;
    j++;
  }
  return j;
}

/** A cut point at or before `p` (and after `from`) that splits neither an escape nor a UTF-8 character. */
function safeCut(buf: Buffer, from: number, p: number): number {
  let back = -1;
  for (let k = p - 1; k >= p - 6 && k > from; k--) {
    if (buf[k] === BACKSLASH) {
      back = k;
      break;
    }
  }
  if (back < 0) {
    // No escape can cover p; step back to the first byte of a UTF-8 sequence.
    let q = p;
    while (q > from + 1 && (buf[q]! & 0xc0) === 0x80) q--;
    return q;
  }
  // Cut before the run of backslashes holding `back` (the run starts an escape), or after
  // whole `\\` pairs of a run that starts at `from`.
  let run = back;
  while (run > from && buf[run - 1] === BACKSLASH) run--;
  if (run > from) return run;
  const q = run + 2 * Math.floor((p - run) / 2);
  return q > from ? q : p;
}

/** Decodes a string longer than a slice piece by piece (a rope: no copy until it is read). */
async function bigString(buf: Buffer, start: number, end: number): Promise<string> {
  let out = "";
  const last = end - 1;
  for (let a = start + 1; a < last; ) {
    let b = Math.min(last, a + SLICE);
    if (b < last) b = safeCut(buf, a, b);
    out += JSON.parse('"' + buf.toString("utf8", a, b) + '"') as string;
    a = b;
    if (turnUsed()) await nextTurn();
  }
  return out;
}

function setMember(target: Record<string, unknown>, key: string, value: unknown): void {
  // Assignment would set the prototype; JSON.parse makes an own property.
  if (key === "__proto__") Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
  else target[key] = value;
}

interface Frame {
  value: Record<string, unknown> | unknown[];
  isArray: boolean;
  /** Offset after the closing bracket. */
  end: number;
  /** Next byte to read. */
  pos: number;
  /** Members seen so far (a comma must precede every later one). */
  count: number;
  /** Byte range of the pending run of small members (runStart -1: none). */
  runStart: number;
  runEnd: number;
  /** Key under which the frame goes into its parent object. */
  key?: string;
}

function flushRun(buf: Buffer, f: Frame): void {
  if (f.runStart < 0) return;
  const text = buf.toString("utf8", f.runStart, f.runEnd);
  f.runStart = -1;
  if (f.isArray) {
    const items = JSON.parse("[" + text + "]") as unknown[];
    const arr = f.value as unknown[];
    for (let k = 0; k < items.length; k++) arr.push(items[k]);
  } else {
    const part = JSON.parse("{" + text + "}") as Record<string, unknown>;
    const obj = f.value as Record<string, unknown>;
    for (const k of Object.keys(part)) setMember(obj, k, part[k]);
  }
}

function skipWs(buf: Buffer, i: number): number {
  while (isWs(buf[i]!)) i++;
  return i;
}

/** Second pass: builds the big containers; JSON.parse does every run of small members. */
async function parseSliced(buf: Buffer): Promise<unknown> {
  const ext = await index(buf);
  const open = (start: number, key?: string): Frame => {
    const isArray = buf[start] === LBRACKET;
    return { value: isArray ? [] : {}, isArray, end: ext.containers.get(start)!, pos: start + 1, count: 0, runStart: -1, runEnd: -1, key };
  };
  const attach = (f: Frame, key: string | undefined, value: unknown) => {
    if (f.isArray) (f.value as unknown[]).push(value);
    else setMember(f.value as Record<string, unknown>, key!, value);
  };
  const stack: Frame[] = [open(ext.root)];
  for (;;) {
    if (turnUsed()) await nextTurn();
    const f = stack[stack.length - 1]!;
    let i = skipWs(buf, f.pos);
    if (buf[i] === (f.isArray ? RBRACKET : RBRACE)) {
      if (i + 1 !== f.end) throw new Unsliceable();
      flushRun(buf, f);
      stack.pop();
      const parent = stack[stack.length - 1];
      if (!parent) return f.value;
      attach(parent, f.key, f.value);
      continue;
    }
    if (f.count > 0) {
      if (buf[i] !== COMMA) throw new Unsliceable();
      i = skipWs(buf, i + 1);
    }
    f.count++;
    const memberStart = i;
    let key: string | undefined;
    if (!f.isArray) {
      if (buf[i] !== QUOTE) throw new Unsliceable();
      const bigKeyEnd = ext.strings.get(i);
      const keyEnd = bigKeyEnd ?? stringEnd(buf, i + 1);
      if (keyEnd < 0) throw new Unsliceable();
      i = skipWs(buf, keyEnd);
      if (buf[i] !== COLON) throw new Unsliceable();
      i = skipWs(buf, i + 1);
      const bigValue = ext.containers.has(i) || ext.strings.has(i);
      if (bigKeyEnd !== undefined || bigValue) {
        flushRun(buf, f);
        key =
          bigKeyEnd !== undefined
            ? await bigString(buf, memberStart, keyEnd)
            : (JSON.parse(buf.toString("utf8", memberStart, keyEnd)) as string);
        if (!bigValue) {
          const vEnd = smallValueEnd(buf, i);
          setMember(f.value as Record<string, unknown>, key, JSON.parse(buf.toString("utf8", i, vEnd)));
          f.pos = vEnd;
          continue;
        }
      }
    }
    const containerEnd = ext.containers.get(i);
    if (containerEnd !== undefined) {
      flushRun(buf, f);
      f.pos = containerEnd;
      stack.push(open(i, key));
      continue;
    }
    const stringEndAt = ext.strings.get(i);
    if (stringEndAt !== undefined) {
      flushRun(buf, f);
      attach(f, key, await bigString(buf, i, stringEndAt));
      f.pos = stringEndAt;
      continue;
    }
    const vEnd = smallValueEnd(buf, i);
    if (f.runStart < 0) f.runStart = memberStart;
    f.runEnd = vEnd;
    f.pos = vEnd;
    if (f.runEnd - f.runStart >= SLICE) flushRun(buf, f);
  }
}

// ---------------------------------------------------------------------------------------------
// The fallback: plain JSON.parse of the whole text on a worker thread, for its exact verdict.

const CHECKER_SOURCE = `
const { parentPort } = require("node:worker_threads");
parentPort.on("message", ({ id, bytes }) => {
  try {
    const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("utf8");
    if (text.trim() === "") return parentPort.postMessage({ id, empty: true });
    const value = JSON.parse(text);
    parentPort.postMessage(value !== null && typeof value === "object" ? { id, container: true } : { id, value });
  } catch (e) {
    parentPort.postMessage({ id, error: String(e && e.message) });
  }
});
`;

interface CheckReply {
  id: number;
  empty?: boolean;
  container?: boolean;
  value?: unknown;
  error?: string;
}

let checker: Worker | undefined;
let nextId = 0;
const waiting = new Map<number, (r: CheckReply) => void>();
let idleTimer: NodeJS.Timeout | undefined;

function getChecker(): Worker {
  if (checker) return checker;
  const w = new Worker(CHECKER_SOURCE, { eval: true });
  w.unref();
  w.on("message", (r: CheckReply) => {
    const cb = waiting.get(r.id);
    waiting.delete(r.id);
    cb?.(r);
    if (waiting.size === 0) {
      // The thread is only kept while bad large bodies keep coming.
      clearTimeout(idleTimer);
      idleTimer = setTimeout(() => {
        if (waiting.size === 0 && checker === w) {
          checker = undefined;
          void w.terminate();
        }
      }, 10_000).unref();
    }
  });
  const fail = (err: Error) => {
    if (checker === w) checker = undefined;
    for (const cb of waiting.values()) cb({ id: -1, error: `body could not be checked: ${err.message}` });
    waiting.clear();
  };
  w.on("error", fail);
  w.on("exit", (code) => fail(new Error(`checker exited with code ${code}`)));
  checker = w;
  return w;
}

async function checkOffThread(buf: Buffer): Promise<unknown> {
  const w = getChecker();
  const id = nextId++;
  const reply = await new Promise<CheckReply>((resolve) => {
    waiting.set(id, resolve);
    // A copy: the caller keeps the bytes (req.rawBody).
    w.postMessage({ id, bytes: new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength) });
  });
  if (reply.error !== undefined) throw new SyntaxError(reply.error);
  if (reply.empty) return undefined;
  if (!reply.container) return reply.value;
  // Valid JSON the slicer did not take (huge whitespace around a small root): parse it here.
  return JSON.parse(buf.toString("utf8"));
}
