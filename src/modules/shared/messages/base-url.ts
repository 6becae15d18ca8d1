// Base URLs of self-hosted services (Mattermost, Nextcloud) as users type them: with or
// without scheme, with a port or a path prefix, with a trailing slash.

export class BaseUrlError extends Error {}

/** Adds https:// when no scheme is given; keeps scheme, host, port and path prefix; no trailing "/". */
export function normaliseBaseUrl(input: string): string {
  const raw = input.trim();
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `https://${raw}`;
  let u: URL;
  try {
    u = new URL(withScheme);
  } catch {
    throw new BaseUrlError("is not a host name or URL");
  }
  if (u.protocol !== "http:" && u.protocol !== "https:") throw new BaseUrlError("must be an http:// or https:// URL");
  if (u.username || u.password) throw new BaseUrlError("must not contain credentials");
  return `${u.protocol}//${u.host}${u.pathname.replace(/\/+$/, "")}`;
}
