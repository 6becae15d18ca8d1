// Keeping credentials out of error messages. Messages built by the HTTP layer name only
// the origin of a URL; as a second line of defence every message is scrubbed of the
// caller's secrets, URL credentials and the values of token-like query parameters.

import { scrubSecrets, urlCredentialParts } from "../secrets/scrub.js";

/** Values found in a URL that must never be shown: userinfo (and its Basic form) and token-like query values. */
export function urlSecrets(url: URL): string[] {
  return urlCredentialParts(url.href);
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
