// HTML entity decoding like Python's html.unescape: its rules in full, named entities for the ones
// templates meet in practice (all of Latin-1, typography, arrows). And the escaping Jinja's
// autoescape and Markup apply (markupsafe's five characters).

/** markupsafe's escape of a plain string: `& < > " '`. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&#34;", "'": "&#39;" })[c]!);
}

const NAMED: Record<string, string> = {
  amp: "&",
  lt: "<",
  gt: ">",
  quot: '"',
  apos: "'",
  nbsp: "\u00a0",
  copy: "\u00a9",
  reg: "\u00ae",
  trade: "\u2122",
  hellip: "\u2026",
  mdash: "\u2014",
  ndash: "\u2013",
  lsquo: "\u2018",
  rsquo: "\u2019",
  ldquo: "\u201c",
  rdquo: "\u201d",
  laquo: "\u00ab",
  raquo: "\u00bb",
  euro: "\u20ac",
  pound: "\u00a3",
  yen: "\u00a5",
  cent: "\u00a2",
  sect: "\u00a7",
  deg: "\u00b0",
  plusmn: "\u00b1",
  times: "\u00d7",
  divide: "\u00f7",
  middot: "\u00b7",
  bull: "\u2022",
  para: "\u00b6",
  iexcl: "\u00a1",
  iquest: "\u00bf",
  shy: "\u00ad",
  uml: "\u00a8",
  acute: "\u00b4",
  cedil: "\u00b8",
  ordf: "\u00aa",
  ordm: "\u00ba",
  not: "\u00ac",
  macr: "\u00af",
  sup1: "\u00b9",
  sup2: "\u00b2",
  sup3: "\u00b3",
  frac14: "\u00bc",
  frac12: "\u00bd",
  frac34: "\u00be",
  micro: "\u00b5",
  eacute: "\u00e9",
  egrave: "\u00e8",
  agrave: "\u00e0",
  aacute: "\u00e1",
  ccedil: "\u00e7",
  uuml: "\u00fc",
  ouml: "\u00f6",
  auml: "\u00e4",
  szlig: "\u00df",
  Auml: "\u00c4",
  Ouml: "\u00d6",
  Uuml: "\u00dc",
  Eacute: "\u00c9",
  larr: "\u2190",
  rarr: "\u2192",
  uarr: "\u2191",
  darr: "\u2193",
  harr: "\u2194",
};

/** HTML 4's Latin-1 entities, U+00A0 to U+00FF in order: HTML5 also accepts these without ";". */
const LATIN1 = (
  "nbsp iexcl cent pound curren yen brvbar sect uml copy ordf laquo not shy reg macr deg plusmn sup2 sup3 acute " +
  "micro para middot cedil sup1 ordm raquo frac14 frac12 frac34 iquest Agrave Aacute Acirc Atilde Auml Aring AElig " +
  "Ccedil Egrave Eacute Ecirc Euml Igrave Iacute Icirc Iuml ETH Ntilde Ograve Oacute Ocirc Otilde Ouml times Oslash " +
  "Ugrave Uacute Ucirc Uuml Yacute THORN szlig agrave aacute acirc atilde auml aring aelig ccedil egrave eacute ecirc " +
  "euml igrave iacute icirc iuml eth ntilde ograve oacute ocirc otilde ouml divide oslash ugrave uacute ucirc uuml " +
  "yacute thorn yuml"
).split(" ");

/** Names HTML5 (and so html.unescape) resolves without the closing ";". */
const LEGACY = new Map<string, string>([
  ...LATIN1.map((name, i) => [name, String.fromCharCode(0xa0 + i)] as [string, string]),
  ["AMP", "&"],
  ["amp", "&"],
  ["LT", "<"],
  ["lt", "<"],
  ["GT", ">"],
  ["gt", ">"],
  ["QUOT", '"'],
  ["quot", '"'],
  ["COPY", "\u00a9"],
  ["REG", "\u00ae"],
]);

function named(name: string): string | undefined {
  return Object.prototype.hasOwnProperty.call(NAMED, name) ? NAMED[name] : LEGACY.get(name);
}

/** Numeric references that HTML5 maps elsewhere (C1 controls as windows-1252, NUL, CR). */
const INVALID_CHARREFS: Record<number, number> = {
  0x00: 0xfffd,
  0x0d: 0x0d,
  0x80: 0x20ac,
  0x81: 0x81,
  0x82: 0x201a,
  0x83: 0x0192,
  0x84: 0x201e,
  0x85: 0x2026,
  0x86: 0x2020,
  0x87: 0x2021,
  0x88: 0x02c6,
  0x89: 0x2030,
  0x8a: 0x0160,
  0x8b: 0x2039,
  0x8c: 0x0152,
  0x8d: 0x8d,
  0x8e: 0x017d,
  0x8f: 0x8f,
  0x90: 0x90,
  0x91: 0x2018,
  0x92: 0x2019,
  0x93: 0x201c,
  0x94: 0x201d,
  0x95: 0x2022,
  0x96: 0x2013,
  0x97: 0x2014,
  0x98: 0x02dc,
  0x99: 0x2122,
  0x9a: 0x0161,
  0x9b: 0x203a,
  0x9c: 0x0153,
  0x9d: 0x9d,
  0x9e: 0x017e,
  0x9f: 0x0178,
};

/** Code points a numeric reference may not produce: they decode to nothing. */
function isInvalidCodepoint(n: number): boolean {
  return (
    (n >= 0x1 && n <= 0x8) ||
    n === 0xb ||
    (n >= 0xe && n <= 0x1f) ||
    (n >= 0x7f && n <= 0x9f) ||
    (n >= 0xfdd0 && n <= 0xfdef) ||
    (n & 0xfffe) === 0xfffe
  );
}

/** Python's html.unescape. */
export function htmlUnescape(s: string): string {
  if (!s.includes("&")) return s;
  return s.replace(/&(#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[^\t\n\f <&#;]{1,32};?)/gu, (_whole, ref: string) => {
    if (ref[0] === "#") {
      const hex = ref[1] === "x" || ref[1] === "X";
      const num = parseInt(ref.slice(hex ? 2 : 1).replace(";", ""), hex ? 16 : 10);
      if (Object.prototype.hasOwnProperty.call(INVALID_CHARREFS, num)) return String.fromCodePoint(INVALID_CHARREFS[num]);
      if ((num >= 0xd800 && num <= 0xdfff) || num > 0x10ffff) return "\ufffd";
      if (isInvalidCodepoint(num)) return "";
      return String.fromCodePoint(num);
    }
    const whole = ref.endsWith(";") ? named(ref.slice(0, -1)) : LEGACY.get(ref);
    if (whole !== undefined) return whole;
    // The longest name (of those valid without ";") that starts the reference.
    const cs = Array.from(ref);
    for (let x = cs.length - 1; x > 1; x--) {
      const hit = LEGACY.get(cs.slice(0, x).join(""));
      if (hit !== undefined) return hit + cs.slice(x).join("");
    }
    return "&" + ref;
  });
}
