import { SECRET_NAME_RE, scrubSecrets } from "../services/secrets/scrub.js";

// Masking before anything reaches the store or the screen (docs/console.md, "Secrets"). A
// masked value is replaced by MASK; the originals of a recorded query stay in memory only, so a
// replay can reuse them (SecretVault).

export const MASK = "••••masked••••";
const MAX_MASK_DEPTH = 64;
export const TOO_DEEP = `[nested deeper than ${MAX_MASK_DEPTH} levels: not recorded]`;

/**
 * Parameter names of MISP's built-in workflow modules whose values are credentials even though
 * the name alone does not say so (webhook headers carry Authorization; see MISP's
 * Module_webhook.php, Module_splunk_hec_export.php, Module_telegram_send_alert.php).
 */
export const MISP_SECRET_PARAMS = new Set([
  "headers",
  "hec_token",
  "bot_token",
  "bot_access_token",
  "authorization",
  "cookie",
  "api_key",
  "apikey",
  "authkey",
]);

/** Header names whose values are credentials. */
const SECRET_HEADERS = /^(authorization|proxy-authorization|cookie|set-cookie|x-api-key|x-auth-token|x-misp-auth)$/i;

/** MISP_SECRET_PARAMS as one case-insensitive test (no lower-cased copy of every key). */
const MISP_SECRET_PARAM_RE = new RegExp(`^(?:${[...MISP_SECRET_PARAMS].join("|")})$`, "i");

/**
 * Answers for key names seen before. An event repeats a few dozen keys thousands of times, and
 * JSON.parse interns them, so a lookup is cheaper than the two tests: with the first-letter test
 * of values below, masking a 33 KiB event went from 250 to 146 µs. Bounded: past its size it is
 * emptied and starts again.
 */
const secretKeyAnswers = new Map<string, boolean>();

export function isSecretKey(key: string): boolean {
  let answer = secretKeyAnswers.get(key);
  if (answer === undefined) {
    answer = SECRET_NAME_RE.test(key) || MISP_SECRET_PARAM_RE.test(key);
    if (key.length <= 64) {
      if (secretKeyAnswers.size >= 4096) secretKeyAnswers.clear();
      secretKeyAnswers.set(key, answer);
    }
  }
  return answer;
}

function looksSecretValue(v: string): boolean {
  // Only "secret:…", "bearer …", "basic …" and "token …" qualify: most values fail on their first letter.
  const first = v.charCodeAt(0) | 0x20;
  if (first !== 0x73 /* s */ && first !== 0x62 /* b */ && first !== 0x74 /* t */) return false;
  return v.startsWith("secret:") || /^(bearer|basic|token)\s+\S/i.test(v);
}

/** Userinfo in a URL (https://user:pass@host) is a credential even under an innocent key. */
function maskUrlCredentials(v: string): string {
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(v)) return v;
  let out = v.includes("@") ? v.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@\s]*@/i, `$1${MASK}@`) : v;
  // Tokens in the query string (?token=..., &api_key=...).
  if (out.includes("?"))
    out = out.replace(/([?&])([^=&#\s]+)=([^&#\s]*)/g, (m, sep: string, k: string) =>
      isSecretKey(decodeURIComponentSafe(k)) ? `${sep}${k}=${MASK}` : m,
    );
  return out;
}

function decodeURIComponentSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

export interface MaskResult<T> {
  value: T;
  /** Originals of the masked values, keyed by their path ("params.api_key"). */
  originals: Record<string, unknown>;
}

/**
 * Returns a copy of `value` where values under secret-looking keys, declared-secret keys,
 * `secret:` references and credential-looking strings are masked. Depth and size bounded so a
 * hostile body cannot stall the loop.
 */
export function maskDeep(
  value: unknown,
  declared: ReadonlySet<string> = new Set(),
  path = "",
  originals: Record<string, unknown> = {},
): unknown {
  return new Masker(declared, path, originals).mask(value, 0);
}

/**
 * One masking walk, which is most of what recording a new request body costs (docs/console.md,
 * "Recording cost"). The path of a value ("params.api_key", "data.Event.Attribute.3.value") is
 * written out only for what is masked, not for every key of the event.
 */
class Masker {
  /** Keys and indexes from the root to the value being walked. */
  private readonly segments: Array<string | number> = [];
  constructor(
    private readonly declared: ReadonlySet<string>,
    private readonly root: string,
    private readonly originals: Record<string, unknown>,
  ) {}

  /** The current path, then `key` (an array index is always joined with a dot, a key only after something). */
  private pathTo(key?: string): string {
    let p = this.root;
    for (const seg of this.segments) p = typeof seg === "number" ? `${p}.${seg}` : p ? `${p}.${seg}` : seg;
    if (key === undefined) return p;
    return p ? `${p}.${key}` : key;
  }

  private secret(key: unknown): boolean {
    return typeof key === "string" && (isSecretKey(key) || this.declared.has(key));
  }

  mask(value: unknown, depth: number): unknown {
    if (typeof value === "string") {
      if (looksSecretValue(value)) {
        this.originals[this.pathTo()] = value;
        return MASK;
      }
      const masked = maskUrlCredentials(value);
      if (masked !== value) this.originals[this.pathTo()] = value;
      return masked;
    }
    if (value === null || typeof value !== "object") return value;
    // Deeper values are left out rather than stored unmasked (and a 10,000-deep event would
    // overflow JSON.stringify's stack when the record is written).
    if (depth > MAX_MASK_DEPTH) return TOO_DEEP;
    const segments = this.segments;
    if (Array.isArray(value)) {
      const out = new Array<unknown>(value.length);
      for (let i = 0; i < value.length; i++) {
        segments.push(i);
        out[i] = this.mask(value[i], depth + 1);
        segments.pop();
      }
      return out;
    }
    const out: Record<string, unknown> = {};
    const obj = value as Record<string, unknown>;
    // MISP's node definitions list parameters as {id, label, value}: the name is beside the value.
    const named = this.secret(obj.id) || this.secret(obj.name) || this.secret(obj.label);
    for (const k of Object.keys(obj)) {
      const v = obj[k];
      if (named && k === "value" && typeof v === "string" && v !== "") {
        this.originals[this.pathTo(k)] = v;
        out[k] = MASK;
      } else if (this.secret(k) && v !== "" && v !== null && v !== undefined && typeof v !== "boolean") {
        this.originals[this.pathTo(k)] = v;
        out[k] = MASK;
      } else {
        segments.push(k);
        out[k] = this.mask(v, depth + 1);
        segments.pop();
      }
    }
    return out;
  }
}

export function maskWithOriginals<T>(value: T, declared: ReadonlySet<string> = new Set(), path = ""): MaskResult<T> {
  const originals: Record<string, unknown> = {};
  return { value: maskDeep(value, declared, path, originals) as T, originals };
}

/** Request headers as stored: credentials masked. */
export function maskHeaders(headers: Record<string, string | string[] | undefined> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!headers) return out;
  for (const [k, v] of Object.entries(headers)) {
    if (v === undefined) continue;
    const text = Array.isArray(v) ? v.join(", ") : String(v);
    out[k] = SECRET_HEADERS.test(k) || isSecretKey(k) ? MASK : maskUrlCredentials(text);
  }
  return out;
}

/** All string leaves of the masked originals (to scrub them from free text such as errors). */
export function secretStrings(originals: Record<string, unknown>): string[] {
  const out: string[] = [];
  const walk = (v: unknown) => {
    if (typeof v === "string") {
      out.push(v);
      // A header block "Authorization: Bearer x\nX-Key: y" leaks its parts one by one too.
      for (const line of v.split(/\r?\n/)) {
        const m = /^[^:]+:\s*(.+)$/.exec(line);
        if (m && m[1]!.length >= 4) out.push(m[1]!.trim());
        const b = /^(?:bearer|basic|token)\s+(\S+)/i.exec(line.replace(/^[^:]+:\s*/, ""));
        if (b) out.push(b[1]!);
      }
      if (v.startsWith("secret:")) out.push(v.slice(7));
      if (/^[a-z][a-z0-9+.-]*:\/\//i.test(v)) {
        const u = /^[a-z][a-z0-9+.-]*:\/\/([^/@\s]*)@/i.exec(v);
        if (u) out.push(...u[1]!.split(":").map(decodeURIComponentSafe));
        for (const m of v.matchAll(/[?&]([^=&#\s]+)=([^&#\s]*)/g))
          if (isSecretKey(decodeURIComponentSafe(m[1]!))) out.push(decodeURIComponentSafe(m[2]!), m[2]!);
      }
    } else if (v && typeof v === "object") for (const x of Object.values(v)) walk(x);
  };
  walk(originals);
  return out.filter((s) => s.length >= 4);
}

export function scrub(text: string, secrets: readonly string[]): string {
  return secrets.length ? scrubSecrets(text, secrets) : text;
}

/**
 * Originals of masked values, in memory only (never stored), so a replay can reuse them. Bounded:
 * the oldest entries go first; after a restart a replay must supply the secrets again.
 * Two generations of `max` entries each: when the newer one is full it becomes the older and the
 * old one is dropped whole. Evicting one entry at a time from a 5,000-entry Map walks the holes
 * that earlier deletions left at its front (V8's ordered hash table): ~4 µs per recorded query
 * on the writer thread, a tenth of its time (docs/console.md, "Recording cost").
 */
export class SecretVault {
  private current = new Map<number, Record<string, unknown>>();
  private previous = new Map<number, Record<string, unknown>>();
  constructor(private readonly max = 5000) {}
  set(id: number, originals: Record<string, unknown>): void {
    if (Object.keys(originals).length === 0) return;
    if (this.current.size >= this.max) {
      this.previous = this.current;
      this.current = new Map();
    }
    this.current.set(id, originals);
  }
  get(id: number): Record<string, unknown> | undefined {
    return this.current.get(id) ?? this.previous.get(id);
  }
}
