// Keeping credentials out of error messages. Messages built by the HTTP layer name only
// the origin of a URL; as a second line of defence every message is scrubbed of the
// caller's secrets, URL credentials and the values of token-like query parameters.

import { scrubSecrets } from "../secrets/scrub.js";

const SECRET_QUERY_NAME = /token|sig|key|secret|passw|auth|credential/i;

/** Values found in a URL that must never be shown: userinfo and token-like query values. */
export function urlSecrets(url: URL): string[] {
  const out: string[] = [];
  if (url.username) out.push(url.username, safeDecode(url.username));
  if (url.password) out.push(url.password, safeDecode(url.password));
  for (const [name, value] of url.searchParams) if (SECRET_QUERY_NAME.test(name) && value) out.push(value);
  return out;
}

/** "https://host:port" without credentials, path or query: safe to show. */
export function safeOrigin(url: URL): string {
  return `${url.protocol}//${url.host}`;
}

/** The port a URL connects to (default ports filled in). */
export function portOf(url: URL): number {
  return url.port ? Number(url.port) : url.protocol === "https:" ? 443 : 80;
}

/** "host:port" as used in messages. */
export function hostPort(url: URL): string {
  return `${url.hostname}:${portOf(url)}`;
}

export function scrubMessage(message: string, secrets: readonly string[]): string {
  return scrubSecrets(message, secrets);
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
