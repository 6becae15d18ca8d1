// Removes secret values from text that leaves the server (error replies, logs).
//
// A remote side that echoes our request gives a secret back in whatever form it travelled or
// was re-encoded in: as sent, percent-encoded (either hex case), form-encoded, JSON-escaped
// (with PHP's "\/"), HTML-escaped or upper/lower-cased. Every such form is replaced, and a secret
// that is an http(s) URL also stands for its credential-bearing parts (urlCredentialParts).

const MIN_SECRET_LENGTH = 4;

/**
 * Parameter/setting names that suggest a credential (docs/writing-modules.md#calling-other-services).
 * "auth" but not a whole "author" or "authors": MISP events carry galaxy clusters' `authors`
 * (people's names), which were masked in the console and then scrubbed from every text.
 */
export const SECRET_NAME_RE = /token|secret|password|passwd|key|auth(?!ors?\b)|credential/i;

/** Query parameter names whose values are credentials whatever their length. */
const CREDENTIAL_QUERY_NAME = /token|sig|key|secret|passw|auth|credential|session|code|jwt|hmac|hash|access|private/i;
/** Other query values are treated as credentials from this length on (ids, nonces, keys). */
const LONG_QUERY_VALUE = 8;

/**
 * Fixed words of incoming-webhook paths (Slack, Mattermost, Teams, Power Automate, Discord...).
 * Every other path segment of a secret URL counts as a credential.
 */
const PUBLIC_PATH_WORDS = new Set([
  "api",
  "hooks",
  "hook",
  "services",
  "webhook",
  "webhooks",
  "webhookb2",
  "incomingwebhook",
  "workflows",
  "triggers",
  "manual",
  "paths",
  "invoke",
  "slack",
  "github",
]);

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function addPart(out: Set<string>, v: string | undefined): void {
  if (!v || v.length < MIN_SECRET_LENGTH) return;
  out.add(v);
  const decoded = safeDecode(v.replace(/\+/g, " "));
  if (decoded.length >= MIN_SECRET_LENGTH) out.add(decoded);
  const plain = safeDecode(v);
  if (plain.length >= MIN_SECRET_LENGTH) out.add(plain);
}

/**
 * The parts of an http(s) URL that carry credentials: userinfo (and the Basic authorization the
 * HTTP client makes of it), query values (credential-named ones always, others from 8
 * characters) and, when the URL itself is a secret (incoming webhooks), its whole path and query
 * and every path segment but the fixed words of webhook URLs. [] for text that is not a URL.
 */
export function urlCredentialParts(raw: string, urlIsSecret = false): string[] {
  let u: URL;
  try {
    u = new URL(raw.trim());
  } catch {
    return [];
  }
  if (u.protocol !== "http:" && u.protocol !== "https:") return [];
  const out = new Set<string>();
  if (u.username || u.password) {
    addPart(out, u.username);
    addPart(out, u.password);
    const pair = `${safeDecode(u.username)}:${safeDecode(u.password)}`;
    addPart(out, pair);
    // The HTTP client sends userinfo as Basic authorization; an echoed header shows this.
    out.add(Buffer.from(pair).toString("base64"));
  }
  // Raw (as written) and decoded forms of each query value.
  const query = u.search.slice(1);
  for (const pair of query.split("&")) {
    if (pair === "") continue;
    const eq = pair.indexOf("=");
    const name = safeDecode((eq < 0 ? pair : pair.slice(0, eq)).replace(/\+/g, " "));
    const value = eq < 0 ? "" : pair.slice(eq + 1);
    const decoded = safeDecode(value.replace(/\+/g, " "));
    if (urlIsSecret || CREDENTIAL_QUERY_NAME.test(name) || decoded.length >= LONG_QUERY_VALUE) addPart(out, value);
  }
  if (urlIsSecret) {
    addPart(out, u.pathname.length > 1 ? u.pathname : undefined);
    addPart(out, query);
    addPart(out, `${u.host}${u.pathname}`);
    for (const segment of u.pathname.split("/")) {
      if (!PUBLIC_PATH_WORDS.has(safeDecode(segment).toLowerCase())) addPart(out, segment);
    }
  }
  return [...out];
}

function jsonEscaped(s: string): string {
  return JSON.stringify(s).slice(1, -1);
}

function asciiJsonEscaped(s: string): string {
  return jsonEscaped(s).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

function htmlEscaped(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;");
}

/** Every form in which `s` may come back in a remote reply or error text. */
export function secretForms(s: string): string[] {
  const forms = new Set<string>();
  const component = encodeURIComponent(s);
  let uri = s;
  try {
    uri = encodeURI(s);
  } catch {
    // Lone surrogates: the other forms still apply.
  }
  // RFC 3986 encoders (PHP's rawurlencode, Python's quote) also encode !'()*.
  const strict = component.replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  const bases = [s, component, uri, strict, strict.replace(/%20/g, "+"), component.replace(/%20/g, "+"), encodeURIComponent(component)];
  for (const b of bases) {
    forms.add(b);
    for (const j of [jsonEscaped(b), asciiJsonEscaped(b)]) {
      forms.add(j);
      forms.add(j.replace(/\//g, "\\/"));
    }
    forms.add(htmlEscaped(b));
  }
  return [...forms].filter((f) => f.length >= MIN_SECRET_LENGTH);
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
}

/** The secrets to look for: each one, the credential parts of URL-shaped ones, in all their forms. */
function expand(secrets: Iterable<string>): string[] {
  const all = new Set<string>();
  for (const s of secrets) {
    if (typeof s !== "string" || s.length < MIN_SECRET_LENGTH) continue;
    all.add(s);
    if (/^https?:\/\//i.test(s.trim())) for (const p of urlCredentialParts(s, true)) all.add(p);
  }
  const forms = new Set<string>();
  for (const s of all) for (const f of secretForms(s)) forms.add(f);
  // Longest first, so a whole URL is replaced before its parts.
  return [...forms].sort((a, b) => b.length - a.length);
}

// The same secrets are scrubbed several times per failed query (HTTP layer, module, runtime):
// building their forms and pattern once saves a millisecond or more each time.
const patternCache = new Map<string, RegExp | null>();
const PATTERN_CACHE_SIZE = 64;

function patternFor(secrets: Iterable<string>): RegExp | null {
  const list = [...secrets].filter((s) => typeof s === "string" && s.length >= MIN_SECRET_LENGTH);
  if (list.length === 0) return null;
  const key = list.join("\0");
  let re = patternCache.get(key);
  if (re !== undefined) return re;
  const forms = expand(list);
  // Case-insensitive: percent-encoding may come back with lower-case hex, a host may upper-case.
  re = forms.length === 0 ? null : new RegExp(forms.map(escapeRegExp).join("|"), "gi");
  if (patternCache.size >= PATTERN_CACHE_SIZE) patternCache.delete(patternCache.keys().next().value!);
  patternCache.set(key, re);
  return re;
}

export function scrubSecrets(text: string, secrets: Iterable<string>): string {
  if (text === "") return text;
  const re = patternFor(secrets);
  return re ? text.replace(re, "***") : text;
}

/** A shallow copy of `values` with secret-looking keys replaced, for debug logging. */
export function redactByName(values: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(values)) out[k] = SECRET_NAME_RE.test(k) && v !== "" ? "[redacted]" : v;
  return out;
}

/**
 * A URL safe to log: userinfo and every query value replaced by ***; the path is kept (use
 * "[redacted]" for URLs that are secrets as a whole). Text that is not a URL is returned as is.
 */
export function redactUrl(raw: string): string {
  let u: URL;
  try {
    u = new URL(raw.trim());
  } catch {
    return raw;
  }
  if (u.protocol !== "http:" && u.protocol !== "https:") return raw;
  if (u.username) u.username = "***";
  if (u.password) u.password = "***";
  const search = u.search
    .slice(1)
    .split("&")
    .filter((p) => p !== "")
    .map((p) => (p.includes("=") ? `${p.slice(0, p.indexOf("="))}=***` : p))
    .join("&");
  u.search = search;
  return u.href;
}
