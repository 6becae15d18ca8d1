// The text/plain alternative of an HTML mail: tags stripped, block elements turned into
// line breaks, links kept as "text (url)", entities decoded. Good enough for the short
// notification bodies workflows produce; not a general HTML renderer.

const NAMED_ENTITIES: Readonly<Record<string, string>> = {
  amp: "&",
  lt: "<",
  gt: ">",
  quot: '"',
  apos: "'",
  nbsp: " ",
  copy: "©",
  reg: "®",
  hellip: "…",
  mdash: "—",
  ndash: "–",
  laquo: "«",
  raquo: "»",
  lsquo: "‘",
  rsquo: "’",
  ldquo: "“",
  rdquo: "”",
  bull: "•",
  middot: "·",
};

export function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/gi, (whole, name: string) => {
    if (name[0] === "#") {
      const code = name[1] === "x" || name[1] === "X" ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
      return code > 0 && code <= 0x10ffff && !(code >= 0xd800 && code <= 0xdfff) ? String.fromCodePoint(code) : whole;
    }
    return NAMED_ENTITIES[name.toLowerCase()] ?? whole;
  });
}

/** Escapes text for inclusion in HTML. */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;");
}

const BLOCK = "p|div|h[1-6]|ul|ol|table|blockquote|pre|section|article|header|footer|dl|dt|dd|hr";

export function htmlToText(html: string): string {
  let s = html.replace(/\r\n?/g, "\n");
  s = s.replace(/<!--[\s\S]*?-->/g, "");
  s = s.replace(/<(script|style|head|title)\b[^>]*>[\s\S]*?<\/\1\s*>/gi, "");
  // <pre> keeps its spacing; elsewhere source whitespace collapses as in a browser.
  const pres: string[] = [];
  s = s.replace(/<pre\b[^>]*>([\s\S]*?)<\/pre\s*>/gi, (_m, inner: string) => {
    pres.push(
      decodeEntities(inner.replace(/<[^>]*>/g, ""))
        .replace(/^\n/, "")
        .replace(/\s+$/, ""),
    );
    return `\u0001${pres.length - 1}\u0001`;
  });
  s = s.replace(/\s+/g, " ");
  s = s.replace(/\u0001(\d+)\u0001/g, "\n\u0001$1\u0001\n");
  s = s.replace(
    /<a\b[^>]*?\bhref\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))[^>]*>([\s\S]*?)<\/a\s*>/gi,
    (_m, d: string, q: string, b: string, inner: string) => {
      const href = decodeEntities(d ?? q ?? b ?? "").trim();
      const label = inner.replace(/<[^>]*>/g, "").trim();
      if (!href || href.startsWith("#") || decodeEntities(label) === href || href === `mailto:${decodeEntities(label)}`) return label;
      return label ? `${label} (${href})` : href;
    },
  );
  s = s.replace(/<br\s*\/?>/gi, "\n");
  s = s.replace(/<li\b[^>]*>/gi, "\n- ");
  // A table row is one line, its cells separated by tabs.
  s = s.replace(/<\/(td|th)\s*>/gi, "\t");
  s = s.replace(/<tr\b[^>]*>/gi, "");
  s = s.replace(/<\/tr\s*>/gi, "\n");
  s = s.replace(new RegExp(`</?(${BLOCK})\\b[^>]*>`, "gi"), "\n");
  s = s.replace(/<\/?[a-z][^>]*>/gi, "");
  s = decodeEntities(s);
  return s
    .split("\n")
    .map((line) => line.replace(/[ \t]+$/g, "").replace(/^ +/, ""))
    .join("\n")
    .replace(/\n{3,}/g, "\n\n")
    .trim()
    .replace(/\u0001(\d+)\u0001/g, (_m, i: string) => pres[Number(i)] ?? "");
}
