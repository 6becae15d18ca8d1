// Per-render resource accounting: output size, loop iterations, range sizes, big intermediate values.

import { limitError } from "./errors.js";
import { DataJournal } from "./journal.js";

export interface RenderLimits {
  maxOutputBytes: number;
  maxRangeSize: number;
  maxLoopIterations: number;
}

export const DEFAULT_RENDER_LIMITS: RenderLimits = Object.freeze({
  maxOutputBytes: 1024 * 1024,
  maxRangeSize: 100_000,
  maxLoopIterations: 1_000_000,
});

/** Filters and methods may touch many items per loop iteration; this factor bounds their total work. */
const WORK_PER_ITERATION = 50;
/** Macro recursion deeper than this is stopped (Python would hit its recursion limit). */
export const MAX_CALL_DEPTH = 300;

export class Budget {
  private iterations = 0;
  private workDone = 0;
  private readonly maxWork: number;
  /** Largest string or list an expression may build (intermediate values included). */
  readonly maxStringLength: number;
  readonly maxItems: number;
  depth = 0;
  /** The render's changes to the context data, undone when it ends (see journal.ts). */
  readonly journal = new DataJournal();

  constructor(readonly limits: RenderLimits) {
    this.maxWork = limits.maxLoopIterations * WORK_PER_ITERATION;
    this.maxStringLength = Math.max(limits.maxOutputBytes, 1024) * 4;
    this.maxItems = Math.max(limits.maxLoopIterations, limits.maxRangeSize);
  }

  loop(): void {
    if (++this.iterations > this.limits.maxLoopIterations) {
      throw limitError("LoopLimitExceeded", `loop iteration limit exceeded (${this.limits.maxLoopIterations})`);
    }
  }

  work(n: number): void {
    this.workDone += n;
    if (this.workDone > this.maxWork) throw limitError("WorkLimitExceeded", "template does too much work");
  }

  range(size: number): void {
    if (size > this.limits.maxRangeSize) {
      throw limitError("OverflowError", `Range too big. The sandbox blocks ranges larger than MAX_RANGE (${this.limits.maxRangeSize}).`);
    }
  }

  checkString(length: number): void {
    if (length > this.maxStringLength) throw limitError("MemoryError", `string too large (${length} characters)`);
    this.work(Math.ceil(length / 1024));
  }

  /** A list about to hold n items: bounded in size, and each item costs work. */
  checkItems(n: number): void {
    if (n > this.maxItems) throw limitError("MemoryError", `sequence too large (${n} items)`);
    this.work(1);
  }

  checkIntBits(bits: number): void {
    if (bits > 100_000) throw limitError("MemoryError", "integer result too large");
  }

  enter(): void {
    if (++this.depth > MAX_CALL_DEPTH) throw limitError("RecursionError", "maximum recursion depth exceeded");
  }
  leave(): void {
    this.depth--;
  }
}
