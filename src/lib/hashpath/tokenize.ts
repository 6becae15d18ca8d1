/**
 * CakeText::tokenize($path, '.', '[', ']') as Hash::extract uses it for paths containing '[':
 * dots inside brackets do not split, every token is trimmed. The bracket depth is a plain
 * counter, so a stray ']' makes it negative and stops later dots from splitting, as in PHP.
 */
const PHP_TRIM = /^[ \t\n\r\0\x0B]+|[ \t\n\r\0\x0B]+$/g;

export function phpTrim(s: string): string {
  return s.replace(PHP_TRIM, "");
}

export function tokenizePath(path: string): string[] {
  if (path === "" || path === "0") return [];
  const results: string[] = [];
  let depth = 0;
  let buffer = "";
  for (let i = 0; i < path.length; i++) {
    const char = path[i]!;
    if (char === "." && depth === 0) {
      results.push(buffer);
      buffer = "";
      continue;
    }
    buffer += char;
    if (char === "[") depth++;
    else if (char === "]") depth--;
  }
  results.push(buffer);
  return results.map(phpTrim);
}
