// Removes secret values from text that leaves the server (error replies, logs).

const MIN_SECRET_LENGTH = 4;

export function scrubSecrets(text: string, secrets: Iterable<string>): string {
  let out = text;
  for (const s of secrets) {
    if (!s || s.length < MIN_SECRET_LENGTH) continue;
    out = out.split(s).join("***");
    // URL-encoded forms appear when a token travels in a URL.
    const enc = encodeURIComponent(s);
    if (enc !== s) out = out.split(enc).join("***");
  }
  return out;
}

/** Parameter/setting names that suggest a credential (MODULES §0.4). */
export const SECRET_NAME_RE = /token|secret|password|passwd|key|auth|credential/i;

/** A shallow copy of `values` with secret-looking keys replaced, for debug logging. */
export function redactByName(values: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(values)) out[k] = SECRET_NAME_RE.test(k) && v !== "" ? "[redacted]" : v;
  return out;
}
