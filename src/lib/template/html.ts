// HTML entity decoding, as Python's html.unescape does for the entities templates meet in practice.

const NAMED: Record<string, string> = {
  amp: "&", lt: "<", gt: ">", quot: '"', apos: "'", nbsp: "\u00a0", copy: "\u00a9", reg: "\u00ae",
  trade: "\u2122", hellip: "\u2026", mdash: "\u2014", ndash: "\u2013", lsquo: "\u2018", rsquo: "\u2019",
  ldquo: "\u201c", rdquo: "\u201d", laquo: "\u00ab", raquo: "\u00bb", euro: "\u20ac", pound: "\u00a3",
  yen: "\u00a5", cent: "\u00a2", sect: "\u00a7", deg: "\u00b0", plusmn: "\u00b1", times: "\u00d7",
  divide: "\u00f7", middot: "\u00b7", bull: "\u2022", para: "\u00b6", iexcl: "\u00a1", iquest: "\u00bf",
  shy: "\u00ad", uml: "\u00a8", acute: "\u00b4", cedil: "\u00b8", ordf: "\u00aa", ordm: "\u00ba",
  not: "\u00ac", macr: "\u00af", sup1: "\u00b9", sup2: "\u00b2", sup3: "\u00b3", frac14: "\u00bc",
  frac12: "\u00bd", frac34: "\u00be", micro: "\u00b5", eacute: "\u00e9", egrave: "\u00e8", agrave: "\u00e0",
  aacute: "\u00e1", ccedil: "\u00e7", uuml: "\u00fc", ouml: "\u00f6", auml: "\u00e4", szlig: "\u00df",
  Auml: "\u00c4", Ouml: "\u00d6", Uuml: "\u00dc", Eacute: "\u00c9", larr: "\u2190", rarr: "\u2192",
  uarr: "\u2191", darr: "\u2193", harr: "\u2194",
};

/** Characters that numeric references in the C1 range stand for (HTML5 rules). */
const C1: Record<number, number> = {
  0x80: 0x20ac, 0x82: 0x201a, 0x83: 0x0192, 0x84: 0x201e, 0x85: 0x2026, 0x86: 0x2020, 0x87: 0x2021,
  0x88: 0x02c6, 0x89: 0x2030, 0x8a: 0x0160, 0x8b: 0x2039, 0x8c: 0x0152, 0x8e: 0x017d, 0x91: 0x2018,
  0x92: 0x2019, 0x93: 0x201c, 0x94: 0x201d, 0x95: 0x2022, 0x96: 0x2013, 0x97: 0x2014, 0x98: 0x02dc,
  0x99: 0x2122, 0x9a: 0x0161, 0x9b: 0x203a, 0x9c: 0x0153, 0x9e: 0x017e, 0x9f: 0x0178,
};

export function htmlUnescape(s: string): string {
  if (!s.includes("&")) return s;
  return s.replace(/&(#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[A-Za-z][A-Za-z0-9]*;?)/g, (whole, ref: string) => {
    if (ref[0] === "#") {
      const hex = ref[1] === "x" || ref[1] === "X";
      const num = parseInt(ref.slice(hex ? 2 : 1).replace(";", ""), hex ? 16 : 10);
      if (C1[num]) return String.fromCodePoint(C1[num]);
      if ((num >= 0xd800 && num <= 0xdfff) || num > 0x10ffff || num === 0) return "\ufffd";
      return String.fromCodePoint(num);
    }
    const name = ref.endsWith(";") ? ref.slice(0, -1) : ref;
    if (Object.prototype.hasOwnProperty.call(NAMED, name) && (ref.endsWith(";") || ["amp", "lt", "gt", "quot", "nbsp", "copy", "reg"].includes(name))) {
      return NAMED[name];
    }
    return whole;
  });
}
