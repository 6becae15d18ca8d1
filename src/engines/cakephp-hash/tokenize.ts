/**
 * CakeText::tokenize($path, '.', '[', ']') as Hash::extract uses it for paths containing '[':
 * dots inside brackets do not split, every token is trimmed. The bracket depth is a plain
 * counter, so a stray ']' makes it negative and stops later dots from splitting, as in PHP.
 */
const PHP_TRIM = /^[ \t\n\r\0\x0B]+|[ \t\n\r\0\x0B]+$/g;
const PHP_TRIM_LEFT = /^[ \t\n\r\0\x0B]*/;

export function phpTrim(s: string): string {
  return s.replace(PHP_TRIM, "");
}

/** A token with the index in the path where its (trimmed) text starts. */
export interface PositionedToken {
  readonly text: string;
  readonly start: number;
}

export function tokenizePathWithOffsets(path: string): PositionedToken[] {
  if (path === "" || path === "0") return [];
  const results: PositionedToken[] = [];
  let depth = 0;
  let bufferStart = 0;
  const push = (end: number) => {
    const raw = path.slice(bufferStart, end);
    results.push({ text: phpTrim(raw), start: bufferStart + PHP_TRIM_LEFT.exec(raw)![0].length });
  };
  for (let i = 0; i < path.length; i++) {
    const char = path[i]!;
    // `!$depth` in PHP: a negative depth is truthy, so it does not split either.
    if (char === "." && depth === 0) {
      push(i);
      bufferStart = i + 1;
      continue;
    }
    if (char === "[") depth++;
    else if (char === "]") depth--;
  }
  push(path.length);
  return results;
}

export function tokenizePath(path: string): string[] {
  return tokenizePathWithOffsets(path).map((token) => token.text);
}
