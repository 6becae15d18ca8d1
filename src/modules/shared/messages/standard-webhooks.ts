import { createHmac } from "node:crypto";

// Standard Webhooks v1 signatures (docs/delivery.md, "Signed webhooks"): HMAC-SHA256 over
// `<id>.<timestamp>.<body>`, sent as `v1,<base64>` next to webhook-id (the same on every retry)
// and webhook-timestamp (this attempt, Unix seconds).

const SECRET_PREFIX = "whsec_";

/** The HMAC key: a `whsec_` secret is base64 after the prefix; any other text is used as its UTF-8 bytes. */
export function signingKey(secret: string): Buffer {
  const s = secret.trim();
  return s.startsWith(SECRET_PREFIX) ? Buffer.from(s.slice(SECRET_PREFIX.length), "base64") : Buffer.from(s, "utf8");
}

export function signatureV1(secret: string, id: string, timestamp: number, body: string): string {
  const mac = createHmac("sha256", signingKey(secret)).update(`${id}.${timestamp}.${body}`).digest("base64");
  return `v1,${mac}`;
}

/** The three headers for one attempt; `webhook-signature` only with a secret. */
export function standardWebhookHeaders(id: string, body: string, secret?: string, now = Date.now()): Record<string, string> {
  const timestamp = Math.floor(now / 1000);
  const headers: Record<string, string> = { "webhook-id": id, "webhook-timestamp": String(timestamp) };
  if (secret) headers["webhook-signature"] = signatureV1(secret, id, timestamp, body);
  return headers;
}
