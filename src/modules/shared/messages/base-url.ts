// Base URLs of self-hosted services (Mattermost, Nextcloud) as users type them: with or
// without scheme, with a port or a path prefix, with a trailing slash.
import { checkHttpUrl, type HttpUrlProblem } from "../../../sdk/http-url.js";

export class BaseUrlError extends Error {}

const PROBLEMS: Record<HttpUrlProblem, string> = {
  not_a_url: "is not a host name or URL",
  not_http: "must be an http:// or https:// URL",
  credentials: "must not contain credentials",
};

/** Adds https:// when no scheme is given; keeps scheme, host, port and path prefix; no trailing "/". */
export function normaliseBaseUrl(input: string): string {
  const raw = input.trim();
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `https://${raw}`;
  const checked = checkHttpUrl(withScheme);
  if ("problem" in checked) throw new BaseUrlError(PROBLEMS[checked.problem]);
  const u = checked.url;
  return `${u.protocol}//${u.host}${u.pathname.replace(/\/+$/, "")}`;
}
