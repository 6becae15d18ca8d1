// JSON.stringify for data of any depth. V8's encoder recurses and throws "Maximum call stack
// size exceeded" somewhere past a few thousand levels, while MISP (and JSON.parse) accept
// deeper data; roaming data is attacker-influenced, so depth must not turn into a crash.

type Frame = { arr: unknown[]; i: number } | { obj: Record<string, unknown>; keys: string[]; i: number; first: boolean };

function toJsonValue(holder: unknown, key: string, value: unknown): unknown {
  if (value !== null && typeof value === "object" && typeof (value as { toJSON?: unknown }).toJSON === "function") {
    return (value as { toJSON(k: string): unknown }).toJSON.call(value, key);
  }
  void holder;
  return value;
}

/** The same text as JSON.stringify(value) (no replacer, no indent), built without recursion. */
export function stringifyIteratively(root: unknown): string | undefined {
  const out: string[] = [];
  const stack: Frame[] = [];
  const open = new Set<object>();
  // Writes a value; containers are opened and finished by the loop below. False: nothing to write.
  const write = (v: unknown): boolean => {
    if (v === null) {
      out.push("null");
      return true;
    }
    switch (typeof v) {
      case "undefined":
      case "function":
      case "symbol":
        return false;
      case "object": {
        // Boxed primitives encode as their value, like JSON.stringify.
        if (v instanceof Number || v instanceof String || v instanceof Boolean) {
          out.push(JSON.stringify(v));
          return true;
        }
        if (open.has(v)) throw new TypeError("Converting circular structure to JSON");
        open.add(v);
        if (Array.isArray(v)) {
          out.push("[");
          stack.push({ arr: v, i: 0 });
        } else {
          out.push("{");
          stack.push({ obj: v as Record<string, unknown>, keys: Object.keys(v), i: 0, first: true });
        }
        return true;
      }
      default:
        // Strings, numbers, booleans (and BigInt, which throws as in JSON.stringify).
        out.push(JSON.stringify(v));
        return true;
    }
  };
  if (!write(toJsonValue(undefined, "", root))) return undefined;
  while (stack.length > 0) {
    const f = stack[stack.length - 1]!;
    if ("arr" in f) {
      if (f.i >= f.arr.length) {
        out.push("]");
        open.delete(f.arr);
        stack.pop();
        continue;
      }
      if (f.i > 0) out.push(",");
      const i = f.i++;
      if (!write(toJsonValue(f.arr, String(i), f.arr[i]))) out.push("null");
    } else {
      if (f.i >= f.keys.length) {
        out.push("}");
        open.delete(f.obj);
        stack.pop();
        continue;
      }
      const k = f.keys[f.i++]!;
      const v = toJsonValue(f.obj, k, f.obj[k]);
      if (v === undefined || typeof v === "function" || typeof v === "symbol") continue;
      out.push(`${f.first ? "" : ","}${JSON.stringify(k)}:`);
      f.first = false;
      write(v);
    }
  }
  return out.join("");
}

/** JSON.stringify, falling back to the iterative encoder when V8's recursion runs out of stack. */
export function stringifyDeep(value: unknown): string | undefined {
  try {
    return JSON.stringify(value);
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
  }
  return stringifyIteratively(value);
}
