// Changes a render makes to the context data, undone when the render ends.
//
// Jinja's SandboxedEnvironment lets a template modify the lists and dicts of its context
// (`Event.Tag.append(...)`, `Event.update(...)`); only the ImmutableSandboxedEnvironment refuses.
// Here the data may be shared with later renders (the worker keeps parsed events for the next
// parameter of the same node), so each container the template changes is saved, shallowly, just
// before its first change, and put back when the render ends, whether it succeeded or not. Within
// the render every alias sees the change, as in Python; a render that changes nothing copies nothing.

import { pyError } from "./errors.js";
import { PyDict, isOwned } from "./values.js";

type Saved = unknown[] | [unknown, [unknown, unknown]][] | [string, unknown][];

export class DataJournal {
  private saved: Map<object, Saved> | null = null;

  /** Called before a list or dict changes; containers the template built itself need no saving. */
  touch(obj: object): void {
    if (isOwned(obj)) return;
    const saved = (this.saved ??= new Map());
    if (saved.has(obj)) return;
    // A caller of renderJinja may hand over frozen data: refuse the change rather than fail inside.
    if (Object.isFrozen(obj)) throw pyError("SecurityError", "this context data is read-only (frozen by the caller)");
    if (Array.isArray(obj)) saved.set(obj, obj.slice());
    else if (obj instanceof PyDict)
      saved.set(
        obj,
        [...obj.m].map(([h, e]) => [h, [e[0], e[1]]]),
      );
    else
      saved.set(
        obj,
        Object.keys(obj).map((k) => [k, (obj as Record<string, unknown>)[k]]),
      );
  }

  /** Puts every changed container back as it was before the render. */
  restore(): void {
    const saved = this.saved;
    if (!saved) return;
    this.saved = null;
    for (const [obj, content] of saved) {
      if (Array.isArray(obj)) {
        obj.length = 0;
        for (const x of content) obj.push(x);
      } else if (obj instanceof PyDict) {
        obj.m.clear();
        for (const [h, [k, v]] of content as [unknown, [unknown, unknown]][]) obj.m.set(h, [k, v]);
      } else {
        const rec = obj as Record<string, unknown>;
        for (const k of Object.keys(rec)) delete rec[k];
        for (const [k, v] of content as [string, unknown][]) defineKey(rec, k, v);
      }
    }
  }
}

/** rec[k] = v as an own data property, even for names such as `__proto__`. */
export function defineKey(rec: Record<string, unknown>, k: string, v: unknown): void {
  Object.defineProperty(rec, k, { value: v, writable: true, enumerable: true, configurable: true });
}
