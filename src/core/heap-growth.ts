import { setFlagsFromString } from "node:v8";

// Bounds how far V8 lets the heaps grow between full collections (docs/operations-runtime.md,
// "Memory"). With the 2 MB semi-space the server is started with, a query's objects and body
// Buffers outlive a few young collections and end up in the old generation; V8 would let that
// garbage pile up to ~4× the live heap before a full collection, and the Buffers' C memory with it.
// The flag is process-wide (render workers and other threads included) and, unlike the
// semi-space size, read at every full collection, so it can be set from inside the process.

/** The V8 flag that applies `percent` (0: none, V8 keeps its own growth factor). */
export function heapGrowthFlag(percent: number): string | undefined {
  return percent > 0 ? `--heap-growing-percent=${Math.floor(percent)}` : undefined;
}

/** Applies the bound to this process; returns the flag set, if any. */
export function applyHeapGrowth(percent: number, set: (flag: string) => void = setFlagsFromString): string | undefined {
  const flag = heapGrowthFlag(percent);
  if (flag) set(flag);
  return flag;
}
