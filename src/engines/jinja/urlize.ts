// Jinja2's `urlize` filter (jinja2.utils.urlize, 3.1): escapes the text, then turns http(s)://,
// www., bare example.com-style domains, mailto: and e-mail addresses into links. Word by word:
// leading "(" / "<" and trailing ")" / ">" / "." / "," stay outside the link unless they balance
// an opening one inside it. Python's \w, \d and \s are Unicode-aware, hence the classes below.

import { intArg, order } from "./ops.js";

const W = String.raw`[\p{L}\p{N}_]`;
const D = String.raw`\p{Nd}`;
// str.isspace() characters, which Python's \s matches (JavaScript's \s differs at \x1c-\x1f, \ufeff).
const WHITESPACE_RUN = /([\t\n\v\f\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+)/u;

const HTTP_RE = new RegExp(
  "^(" +
    String.raw`(https?://|www\.)((${W.slice(0, -1)}%-]+\.)+)?([a-z]{2,63}|xn--${W.slice(0, -1)}%]{2,59})` +
    String.raw`|(${W.slice(0, -1)}%-]{2,63}\.)+(com|net|int|edu|gov|org|info|mil)` +
    String.raw`|(https?://)((${D}{1,3}(\.${D}{1,3}){3})|(\[([${D}a-f]{0,4}:){2}([${D}a-f]{0,4}:?){1,6}\]))` +
    ")" +
    String.raw`(?::${D}{1,5})?(?:[/?#]\S*)?$`,
  "iu",
);
const EMAIL_RE = new RegExp(String.raw`^\S+@${W}${W.slice(0, -1)}.-]*\.${W}+$`, "u");
const LEAD_RE = /^(?:[(<]|&lt;)+/;
const TRAIL_RE = /(?:[)>.,\n]|&gt;)+$/;
const TRAIL_ENDINGS = [")", ">", ".", ",", "\n", "&gt;"];
const PAIRS: ReadonlyArray<[string, string]> = [
  ["(", ")"],
  ["<", ">"],
  ["&lt;", "&gt;"],
];
/** Python's `_uri_scheme_re`, which every `extra_schemes` entry must match in full. */
export const URI_SCHEME_RE = new RegExp(String.raw`^(${W.slice(0, -1)}.+-]{2,}:(/){0,2})$`, "u");

export interface UrlizeOptions {
  /** Any value: Jinja compares and slices with it only when a link is found. */
  trimUrlLimit: unknown;
  /** Already escaped `rel` attribute value, or null for none. */
  rel: string | null;
  /** Already escaped `target` attribute value, or null for none. */
  target: string | null;
  extraSchemes: readonly string[] | null;
}

function count(haystack: string, needle: string): number {
  return haystack.split(needle).length - 1;
}

/** Links in `escaped`, text that has already been HTML-escaped (as markupsafe.escape does first). */
export function urlize(escaped: string, o: UrlizeOptions): string {
  const trim = (x: string): string => {
    if (o.trimUrlLimit === null) return x;
    const chars = [...x];
    // len(x) > limit, then x[:limit] (a negative limit counts from the end).
    if (!order("gt", chars.length, o.trimUrlLimit)) return x;
    return `${chars.slice(0, intArg(o.trimUrlLimit)).join("")}...`;
  };
  const attrs = `${o.rel ? ` rel="${o.rel}"` : ""}${o.target ? ` target="${o.target}"` : ""}`;
  const words = escaped.split(WHITESPACE_RUN);
  for (let i = 0; i < words.length; i += 2) {
    let middle = words[i];
    let head = "";
    let tail = "";
    const lead = LEAD_RE.exec(middle);
    if (lead) {
      head = lead[0];
      middle = middle.slice(head.length);
    }
    if (TRAIL_ENDINGS.some((end) => middle.endsWith(end))) {
      const trail = TRAIL_RE.exec(middle);
      if (trail) {
        tail = trail[0];
        middle = middle.slice(0, trail.index);
      }
    }
    // Prefer balancing brackets inside the URL to leaving a closing one outside.
    for (const [open, close] of PAIRS) {
      const opened = count(middle, open);
      if (opened <= count(middle, close)) continue;
      for (let n = Math.min(opened, count(tail, close)); n > 0; n--) {
        const end = tail.indexOf(close) + close.length;
        middle += tail.slice(0, end);
        tail = tail.slice(end);
      }
    }
    if (HTTP_RE.test(middle)) {
      const href = middle.startsWith("https://") || middle.startsWith("http://") ? middle : `https://${middle}`;
      middle = `<a href="${href}"${attrs}>${trim(middle)}</a>`;
    } else if (middle.startsWith("mailto:") && EMAIL_RE.test(middle.slice(7))) {
      middle = `<a href="${middle}">${middle.slice(7)}</a>`;
    } else if (
      middle.includes("@") &&
      !middle.startsWith("www.") &&
      !middle.startsWith("@") &&
      !middle.includes(":") &&
      EMAIL_RE.test(middle)
    ) {
      middle = `<a href="mailto:${middle}">${middle}</a>`;
    } else if (o.extraSchemes) {
      for (const scheme of o.extraSchemes) {
        if (middle !== scheme && middle.startsWith(scheme)) middle = `<a href="${middle}"${attrs}>${middle}</a>`;
      }
    }
    words[i] = `${head}${middle}${tail}`;
  }
  return words.join("");
}
