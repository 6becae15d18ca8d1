// application/x-www-form-urlencoded the way PHP's http_build_query() writes it, so that
// receivers written for MISP's built-in webhook keep working: nested keys as a[b][0],
// booleans as 1/0, null left out, spaces as "+" (RFC 1738).

/** PHP urlencode(): everything except A-Z a-z 0-9 - _ . is %XX-encoded, spaces become "+". */
export function phpUrlencode(text: string): string {
  return encodeURIComponent(text)
    .replace(/[!'()*~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, "+");
}

function scalar(v: unknown): string | undefined {
  if (v === null || v === undefined) return undefined;
  if (typeof v === "boolean") return v ? "1" : "0";
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "bigint") return String(v);
  return undefined;
}

/** Encodes an object or list; a scalar is returned as its text (PHP would refuse it). */
export function httpBuildQuery(data: unknown): string {
  if (!(Array.isArray(data) || (typeof data === "object" && data !== null))) return scalar(data) ?? "";
  const out: string[] = [];
  // Depth-first with an explicit stack (roaming data may nest deeper than the call stack allows).
  const stack: Array<[string, unknown]> = Object.entries(data as Record<string, unknown>).reverse();
  while (stack.length > 0) {
    const [prefix, value] = stack.pop()!;
    if (Array.isArray(value) || (typeof value === "object" && value !== null)) {
      const entries = Object.entries(value as Record<string, unknown>);
      for (let i = entries.length - 1; i >= 0; i--) stack.push([`${prefix}[${entries[i]![0]}]`, entries[i]![1]]);
      continue;
    }
    const s = scalar(value);
    if (s !== undefined) out.push(`${phpUrlencode(prefix)}=${phpUrlencode(s)}`);
  }
  return out.join("&");
}
