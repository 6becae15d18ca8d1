import { describe, expect, it } from "vitest";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { anchorsOf } from "../helpers/markdown.js";

// Code comments cite the project's own documentation (docs/*.md in this repository), never the
// specifications kept outside it; and every docs/<page>.md#<anchor> they cite exists.

const repo = fileURLToPath(new URL("../..", import.meta.url));
const self = relative(repo, fileURLToPath(import.meta.url));

function* sourceFiles(dir: string): Generator<string> {
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) {
      if (entry !== "node_modules") yield* sourceFiles(path);
    } else if (/\.(ts|mts|js|mjs|html|css|md)$/.test(entry)) yield path;
  }
}

const files = ["src", "test"]
  .flatMap((top) => [...sourceFiles(join(repo, top))])
  .map((f) => relative(repo, f))
  .filter((f) => f !== self && !f.startsWith("test/fixtures/"));

// Built from parts so this file does not match itself.
const SPEC = ["PROTOCOL", "MODULES", "CONSOLE", "BLUEPRINTS", "INTEGRATIONS", "ARCHITECTURE"].join("|");
const OUTSIDE = [
  new RegExp(`\\b(?:${SPEC})(?:\\.md\\b|[ \\t]*(?:\\r?\\n[ \\t]*(?://|\\*)?[ \\t]*)?\\u00a7)`),
  new RegExp(["shared", "docs", ""].join("/")),
];

function lineOf(text: string, index: number): number {
  return text.slice(0, index).split("\n").length;
}

describe("citations in src/ and test/", () => {
  it("cite no document outside the repository (rewrite with docs/*.md links)", () => {
    const offenders: string[] = [];
    for (const file of files) {
      const text = readFileSync(join(repo, file), "utf8");
      for (const re of OUTSIDE) {
        const m = new RegExp(re.source, "g");
        for (const hit of text.matchAll(m)) offenders.push(`${file}:${lineOf(text, hit.index)}: ${hit[0].replace(/\s+/g, " ")}`);
      }
    }
    expect(offenders).toEqual([]);
  });

  it("cite docs pages and anchors that exist", () => {
    const pages = new Map<string, Set<string>>();
    const anchors = (page: string) => {
      if (!pages.has(page)) pages.set(page, anchorsOf(readFileSync(join(repo, "docs", page), "utf8")));
      return pages.get(page)!;
    };
    const broken: string[] = [];
    let cited = 0;
    for (const file of files.filter((f) => f.startsWith("src/"))) {
      const text = readFileSync(join(repo, file), "utf8");
      for (const hit of text.matchAll(/\bdocs\/([\w.-]+\.md)(?:#([\w-]+))?/g)) {
        const [, page, anchor] = hit;
        cited++;
        const where = `${file}:${lineOf(text, hit.index)}: docs/${page}${anchor ? `#${anchor}` : ""}`;
        if (!existsSync(join(repo, "docs", page!))) broken.push(`${where} (no such page)`);
        else if (anchor && !anchors(page!).has(anchor)) broken.push(`${where} (no such anchor)`);
      }
    }
    expect(broken).toEqual([]);
    // The check ran on real citations.
    expect(cited).toBeGreaterThan(50);
  });
});
