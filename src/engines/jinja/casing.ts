// Python's per-character case mappings (title, swapcase, casefold, final sigma) on top of
// JavaScript's toUpperCase/toLowerCase, which give the same full mappings for whole characters.

/** Digraph letters whose title case is a third letter (neither the upper nor the lower one). */
const DIGRAPH_TITLE: Record<string, string> = {
  ǆ: "ǅ",
  Ǆ: "ǅ",
  ǅ: "ǅ",
  ǉ: "ǈ",
  Ǉ: "ǈ",
  ǈ: "ǈ",
  ǌ: "ǋ",
  Ǌ: "ǋ",
  ǋ: "ǋ",
  ǳ: "ǲ",
  Ǳ: "ǲ",
  ǲ: "ǲ",
};
const CAPITAL_IOTA = "\u0399";
const YPOGEGRAMMENI = "\u0345";

/** Python's title-case mapping of one character (full mapping: 'ß' is 'Ss', 'ﬁ' is 'Fi'). */
export function toTitleChar(c: string): string {
  const digraph = DIGRAPH_TITLE[c];
  if (digraph) return digraph;
  const cp = c.codePointAt(0) ?? 0;
  // Georgian Mkhedruli letters have an upper case (Mtavruli) but are their own title case.
  if ((cp >= 0x10d0 && cp <= 0x10fa) || (cp >= 0x10fd && cp <= 0x10ff)) return c;
  if (cp === 0x149) return "\u02bcN";
  const upper = [...c.toUpperCase()];
  if (upper.length === 1) return upper[0];
  if (cp >= 0x1f80 && cp <= 0x1fff && upper[upper.length - 1] === CAPITAL_IOTA) {
    // Greek with iota subscript: title case keeps the subscript (prosgegrammeni) instead of a capital iota.
    if (cp <= 0x1faf) return String.fromCodePoint(cp | 0x8);
    if ((cp & 0xf) === 0x3 || (cp & 0xf) === 0xc) return String.fromCodePoint((cp & ~0xf) | 0xc);
    return upper.slice(0, -1).join("") + YPOGEGRAMMENI;
  }
  return upper[0] + upper.slice(1).join("").toLowerCase();
}

const FINAL_BEFORE = /\p{Cased}\p{Case_Ignorable}*$/u;
const CASED_AFTER = /^\p{Case_Ignorable}*\p{Cased}/u;

/** Lower case of cps[i] in its string: a capital sigma ending a word becomes final sigma 'ς'. */
export function lowerAt(cps: readonly string[], i: number): string {
  const c = cps[i];
  if (c !== "\u03a3") return c.toLowerCase();
  const before = cps.slice(Math.max(0, i - 64), i).join("");
  const after = cps.slice(i + 1, i + 65).join("");
  return FINAL_BEFORE.test(before) && !CASED_AFTER.test(after) ? "\u03c2" : "\u03c3";
}

const UPPER = /\p{Uppercase}/u;
const LOWER = /\p{Lowercase}/u;

/** str.swapcase(): upper-case letters go down, lower-case ones up; title-case letters stay. */
export function swapcase(s: string): string {
  const cps = [...s];
  let out = "";
  for (let i = 0; i < cps.length; i++) {
    const c = cps[i];
    out += UPPER.test(c) ? lowerAt(cps, i) : LOWER.test(c) ? c.toUpperCase() : c;
  }
  return out;
}

/** Cherokee folds to its upper-case letters (the lower-case ones are the later addition). */
function isCherokee(cp: number): boolean {
  return (cp >= 0x13a0 && cp <= 0x13fd) || (cp >= 0xab70 && cp <= 0xabbf);
}

/** str.casefold(): full case folding, per character ('ß' is 'ss', 'ς' is 'σ'). */
export function casefold(s: string): string {
  let out = "";
  for (const c of s) {
    const cp = c.codePointAt(0) ?? 0;
    if (cp < 0x80) out += c.toLowerCase();
    else if (cp === 0x131)
      out += c; // dotless i has no folding (its upper case is the ASCII I)
    else if (cp === 0x1e9e)
      out += "ss"; // capital sharp s lower-cases to ß, which folds further
    else if (isCherokee(cp)) out += c.toUpperCase();
    else out += c.toUpperCase().toLowerCase();
  }
  return out;
}
