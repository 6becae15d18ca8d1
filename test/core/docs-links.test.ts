import { describe, expect, it } from "vitest";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, normalize } from "node:path";
import { fileURLToPath } from "node:url";
import { anchorsOf } from "../helpers/markdown.js";

// Every relative link and every repository path named in README.md, docs/*.md, test/README.md
// and the READMEs under src/ exists, and every #anchor of a link to a Markdown page is defined
// there, so a move or a renamed heading cannot leave the documentation pointing nowhere.

const repo = fileURLToPath(new URL("../..", import.meta.url));
const pages = [
  "README.md",
  "test/README.md",
  ...readdirSync(join(repo, "docs"))
    .filter((f) => f.endsWith(".md"))
    .map((f) => `docs/${f}`),
  // The READMEs beside the code (src/engines/jinja, src/services/http...).
  ...(readdirSync(join(repo, "src"), { recursive: true }) as string[]).filter((f) => f.endsWith("README.md")).map((f) => `src/${f}`),
];

const anchorCache = new Map<string, Set<string>>();
function anchors(file: string): Set<string> {
  if (!anchorCache.has(file)) anchorCache.set(file, anchorsOf(readFileSync(join(repo, file), "utf8")));
  return anchorCache.get(file)!;
}

/** A path as written in the docs exists: TypeScript sources are imported with a `.js` suffix. */
function exists(path: string): boolean {
  const full = join(repo, path);
  return existsSync(full) || (path.endsWith(".js") && existsSync(full.replace(/\.js$/, ".ts")));
}

const lineOf = (text: string, index: number) => text.slice(0, index).split("\n").length;

describe("documentation links", () => {
  it("relative links point at files and anchors that exist", () => {
    const broken: string[] = [];
    let links = 0;
    for (const page of pages) {
      const text = readFileSync(join(repo, page), "utf8");
      for (const m of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        const target = m[1]!;
        if (/^(?:[a-z]+:|\/\/)/i.test(target)) continue;
        links++;
        const [path, anchor] = target.split("#", 2) as [string, string | undefined];
        const file = path === "" ? page : normalize(join(dirname(page), path));
        const where = `${page}:${lineOf(text, m.index)}: ${target}`;
        if (!exists(file)) broken.push(`${where} (no such file)`);
        else if (anchor && file.endsWith(".md") && !anchors(file).has(anchor)) broken.push(`${where} (no such anchor)`);
      }
    }
    expect(broken).toEqual([]);
    expect(links).toBeGreaterThan(50);
  });

  it("repository paths they name exist", () => {
    const missing: string[] = [];
    for (const page of pages) {
      const text = readFileSync(join(repo, page), "utf8");
      for (const m of text.matchAll(/(?<![\w./-])((?:src|test|docs|examples|bench|scripts|bin)\/[\w./<>*{}-]*[\w/])/g)) {
        const path = m[1]!;
        // Patterns (`src/modules/action/<name>.ts`, `test/reliability/*`) are not paths.
        if (/[<>*{}]/.test(path)) continue;
        if (!exists(path)) missing.push(`${page}:${lineOf(text, m.index)}: ${path}`);
      }
    }
    expect(missing).toEqual([]);
  });
});
