import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

// A full garbage collection on demand, without --expose-gc on the command line: after a burst of
// large bodies (inbound/memory.ts), and in a custom module's isolate to tell the Buffers it
// holds from garbage (isolation/worker.ts).

let gcFn: (() => void) | undefined | null;

/** V8's full collection for this thread, or null when it cannot be had. */
export function fullGc(): (() => void) | null {
  if (gcFn !== undefined) return gcFn;
  const exposed = (globalThis as { gc?: () => void }).gc;
  if (typeof exposed === "function") return (gcFn = exposed);
  try {
    // The collector is reachable without --expose-gc on the command line: expose it and take
    // it from a fresh context (the flag only affects contexts created afterwards).
    setFlagsFromString("--expose-gc");
    const fn = runInNewContext("gc") as unknown;
    gcFn = typeof fn === "function" ? (fn as () => void) : null;
  } catch {
    gcFn = null;
  }
  return gcFn;
}
