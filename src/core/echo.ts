// Input echoed back in a reply or a log line (a module name, a URL, a value) is bounded: a
// 50 MB module name once produced a 52 MB reply and a 105 MB log line (docs/security.md,
// "Bounded echoes and logs").

/** Longest input shown as is. */
export const ECHO_LIMIT = 200;

/** `value` when short; else `"head…" (N chars)`, so the reader still knows what was sent. */
export function echoInput(value: string, max: number = ECHO_LIMIT): string {
  if (value.length <= max) return value;
  // Do not cut a surrogate pair in two.
  const end = /[\uD800-\uDBFF]/.test(value.charAt(max - 1)) ? max - 1 : max;
  return `"${value.slice(0, end)}…" (${value.length} chars)`;
}
