// The one check of an http(s) URL that parameters, settings and base URLs share: it parses,
// its scheme is http or https, and (when asked) it carries no credentials.

export type HttpUrlProblem = "not_a_url" | "not_http" | "credentials";

/** The parsed URL, or why `text` is not an acceptable http(s) URL. */
export function checkHttpUrl(text: string, o: { allowCredentials?: boolean } = {}): { url: URL } | { problem: HttpUrlProblem } {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { problem: "not_a_url" };
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return { problem: "not_http" };
  if (!o.allowCredentials && (url.username || url.password)) return { problem: "credentials" };
  return { url };
}
