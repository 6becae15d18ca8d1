import { performance } from "node:perf_hooks";

// Cooperative time slicing for long CPU work on the main thread (parsing large bodies): each
// event-loop turn gives one waiting job at most TURN_MS, then lets I/O run (/healthcheck,
// /modules, other requests) before the next job's turn. Jobs take turns in arrival order, so
// twenty concurrent large bodies cannot each take a slice in the same turn.

const TURN_MS = 3;

let turnStart = -Infinity;
const queue: (() => void)[] = [];
let scheduled = false;

function runTurn(): void {
  scheduled = false;
  const next = queue.shift();
  if (!next) return;
  turnStart = performance.now();
  next();
  if (queue.length > 0) schedule();
}

function schedule(): void {
  if (scheduled) return;
  scheduled = true;
  setImmediate(runTurn);
}

/** True when the current job has used its turn and should `await nextTurn()`. */
export function turnUsed(): boolean {
  return performance.now() - turnStart > TURN_MS;
}

/** Waits for this job's next turn (behind every job already waiting). */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => {
    queue.push(resolve);
    schedule();
  });
}
