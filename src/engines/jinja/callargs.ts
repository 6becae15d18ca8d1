// Binding Python-style call arguments (positional + keyword) to parameter names.

import { pyError } from "./errors.js";
import type { CallArgs } from "./values.js";

export const NO_DEFAULT: unique symbol = Symbol("required");

/**
 * Binds call arguments to `params` (name -> default, NO_DEFAULT when required).
 * Returns the values in parameter order; raises TypeError like Python for bad calls.
 */
export function bind(fname: string, call: CallArgs, params: [string, unknown][]): unknown[] {
  const { args, kwargs } = call;
  if (args.length > params.length) {
    throw pyError(
      "TypeError",
      `${fname}() takes at most ${params.length} argument${params.length === 1 ? "" : "s"} (${args.length} given)`,
    );
  }
  const out: unknown[] = [];
  for (let i = 0; i < params.length; i++) {
    const [name, dflt] = params[i];
    if (i < args.length) {
      if (kwargs.has(name)) throw pyError("TypeError", `${fname}() got multiple values for argument '${name}'`);
      out.push(args[i]);
    } else if (kwargs.has(name)) {
      out.push(kwargs.get(name));
    } else if (dflt === NO_DEFAULT) {
      throw pyError("TypeError", `${fname}() missing required argument '${name}' (pos ${i + 1})`);
    } else {
      out.push(dflt);
    }
  }
  for (const k of kwargs.keys()) {
    if (!params.some(([n]) => n === k)) throw pyError("TypeError", `${fname}() got an unexpected keyword argument '${k}'`);
  }
  return out;
}

export function noKwargs(fname: string, call: CallArgs): void {
  if (call.kwargs.size) throw pyError("TypeError", `${fname}() takes no keyword arguments`);
}

export function callArgs(args: unknown[] = [], kwargs?: Record<string, unknown>): CallArgs {
  return { args, kwargs: new Map(Object.entries(kwargs ?? {})) };
}
