// The budget of the render in progress. Rendering is synchronous, so one slot per thread suffices;
// globals such as range() reach it here instead of through every call signature.

import { Budget, DEFAULT_RENDER_LIMITS } from "./budget.js";

let current: Budget | null = null;

export function currentBudget(): Budget {
  return current ?? (current = new Budget(DEFAULT_RENDER_LIMITS));
}

export function withBudget<T>(budget: Budget, fn: () => T): T {
  const saved = current;
  current = budget;
  try {
    return fn();
  } finally {
    current = saved;
  }
}

/** s.repeat(n) for widths and paddings a template chose: bounded like any other string it builds. */
export function repeatChecked(s: string, n: number): string {
  if (n <= 0 || !s) return "";
  currentBudget().checkString(s.length * n);
  return s.repeat(n);
}
