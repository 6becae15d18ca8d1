// CakePHP 2.x Inflector semantics that MISP applies to module and parameter names
// (docs/protocol.md#inflector). MISP derives node ids with slug(underscore(name)) and matchingData
// keys with humanize(name); we must derive exactly the same strings to map them back.

/** Insert "_" before an ASCII capital preceded by a word character, then lower-case everything. */
export function underscore(s: string): string {
  return s.replace(/(?<=[A-Za-z0-9_])([A-Z])/g, "_$1").toLowerCase();
}

// CakePHP's fixed transliteration table (Inflector::$_transliteration), the entries that matter
// for Latin scripts. Applied before the non-letter characters are replaced.
const TRANSLITERATION: Array<[RegExp, string]> = [
  [/[ÀÁÂÃÅǺĀĂĄǍ]/g, "A"],
  [/[àáâãåǻāăąǎª]/g, "a"],
  [/[ÄÆǼ]/g, "AE"],
  [/[äæǽ]/g, "ae"],
  [/[ÇĆĈĊČ]/g, "C"],
  [/[çćĉċč]/g, "c"],
  [/[ÐĎĐ]/g, "D"],
  [/[ðďđ]/g, "d"],
  [/[ÈÉÊËĒĔĖĘĚ]/g, "E"],
  [/[èéêëēĕėęě]/g, "e"],
  [/[ĜĞĠĢ]/g, "G"],
  [/[ĝğġģ]/g, "g"],
  [/[ĤĦ]/g, "H"],
  [/[ĥħ]/g, "h"],
  [/[ÌÍÎÏĨĪĬǏĮİ]/g, "I"],
  [/[ìíîïĩīĭǐįı]/g, "i"],
  [/Ĳ/g, "IJ"],
  [/ĳ/g, "ij"],
  [/Ĵ/g, "J"],
  [/ĵ/g, "j"],
  [/Ķ/g, "K"],
  [/ķ/g, "k"],
  [/[ĹĻĽĿŁ]/g, "L"],
  [/[ĺļľŀł]/g, "l"],
  [/[ÑŃŅŇ]/g, "N"],
  [/[ñńņňŉ]/g, "n"],
  [/[ÒÓÔÕŌŎǑŐƠØǾ]/g, "O"],
  [/[òóôõōŏǒőơøǿº]/g, "o"],
  [/[ÖŒ]/g, "OE"],
  [/[öœ]/g, "oe"],
  [/[ŔŖŘ]/g, "R"],
  [/[ŕŗř]/g, "r"],
  [/[ŚŜŞȘŠ]/g, "S"],
  [/[śŝşșšſ]/g, "s"],
  [/ß/g, "ss"],
  [/[ŢȚŤŦ]/g, "T"],
  [/[ţțťŧ]/g, "t"],
  [/[ÙÚÛŨŪŬŮŰŲƯǓǕǗǙǛ]/g, "U"],
  [/[ùúûũūŭůűųưǔǖǘǚǜ]/g, "u"],
  [/Ü/g, "UE"],
  [/ü/g, "ue"],
  [/[ÝŸŶ]/g, "Y"],
  [/[ýÿŷ]/g, "y"],
  [/Ŵ/g, "W"],
  [/ŵ/g, "w"],
  [/[ŹŻŽ]/g, "Z"],
  [/[źżž]/g, "z"],
  [/Þ/g, "TH"],
  [/þ/g, "th"],
];

/** Inflector::slug with "_" as separator. Case is preserved. */
export function slug(s: string): string {
  let out = s;
  for (const [re, rep] of TRANSLITERATION) out = out.replace(re, rep);
  out = out.replace(/[^\s\p{Ll}\p{Lm}\p{Lo}\p{Lt}\p{Lu}\p{Nd}]/gu, " ");
  out = out.replace(/\s+/gu, "_");
  return out.replace(/^_+|_+$/g, "");
}

/** Inflector::humanize: "_" becomes a space, each space-separated piece gets an upper-case first letter. */
export function humanize(s: string): string {
  return s
    .replace(/_/g, " ")
    .split(" ")
    .map((w) => (w === "" ? w : w.charAt(0).toLocaleUpperCase() + w.slice(1)))
    .join(" ");
}

/** The id MISP gives a workflow node parameter (key of `params` in /query). */
export const paramId = (name: string): string => slug(underscore(name));
/** The label MISP shows and uses as the key of `matchingData`. */
export const paramLabel = (name: string): string => humanize(name);
