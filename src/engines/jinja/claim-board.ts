// Shared memory between the template pool and its workers: which side gets a posted render.

/**
 * Who runs a posted render, decided without messages (a worker cannot take back a message once
 * posted). A cell holds the render's id while it waits in a worker's inbox; the worker claims it
 * (id -> -id) just before running it, or the pool withdraws it first (id -> 0) to time it out or
 * move it to another worker. A message whose cell no longer holds its id is skipped.
 */
export class ClaimBoard {
  readonly cells: Int32Array;
  private readonly free: number[] = [];

  constructor(size: number) {
    this.cells = new Int32Array(new SharedArrayBuffer(4 * size));
    for (let cell = size - 1; cell >= 0; cell--) this.free.push(cell);
  }

  /** A cell for render `id`, or -1 when all are in use. */
  take(id: number): number {
    const cell = this.free.pop();
    if (cell === undefined) return -1;
    Atomics.store(this.cells, cell, id);
    return cell;
  }

  /** True when the render will never run where it was posted (withdrawn in time). */
  withdraw(cell: number, id: number): boolean {
    return Atomics.compareExchange(this.cells, cell, id, 0) === id;
  }

  /** True when a worker has started the render. */
  claimed(cell: number, id: number): boolean {
    return Atomics.load(this.cells, cell) === -id;
  }

  release(cell: number): void {
    Atomics.store(this.cells, cell, 0);
    this.free.push(cell);
  }
}
