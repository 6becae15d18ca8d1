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

function walk(prefix: string, value: unknown, out: string[]): void {
  if (Array.isArray(value) || (typeof value === "object" && value !== null)) {
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) walk(`${prefix}[${k}]`, v, out);
    return;
  }
  const s = scalar(value);
  if (s !== undefined) out.push(`${phpUrlencode(prefix)}=${phpUrlencode(s)}`);
}

/** Encodes an object or list; a scalar is returned as its text (PHP would refuse it). */
export function httpBuildQuery(data: unknown): string {
  if (!(Array.isArray(data) || (typeof data === "object" && data !== null))) return scalar(data) ?? "";
  const out: string[] = [];
  for (const [k, v] of Object.entries(data as Record<string, unknown>)) walk(k, v, out);
  return out.join("&");
}
