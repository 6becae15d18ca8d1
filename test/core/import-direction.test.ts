import { readdirSync, readFileSync } from "node:fs";
import { join, posix, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { describe, expect, it } from "vitest";

// Imports run one way (docs/architecture.md, "What may import what"): modules → SDK, services,
// engines and their shared helpers; the core never imports a module, the console or a command.
// Every relative import in src/ (static, `import()` and re-exports) is checked against the
// tier table below.

const SRC = fileURLToPath(new URL("../../src", import.meta.url));

type Tier = "package-info" | "entry" | "core" | "sdk" | "engines" | "services" | "modules" | "console" | "commands";

/** The tier of a path relative to src/ (posix separators). */
function tierOf(path: string): Tier {
  if (path === "package-info.ts") return "package-info";
  if (path === "cli.ts" || path === "index.ts") return "entry";
  const top = path.split("/")[0];
  const tiers: Tier[] = ["core", "sdk", "engines", "services", "modules", "console", "commands"];
  if ((tiers as string[]).includes(top)) return top as Tier;
  throw new Error(`src/${path}: not in any tier of docs/architecture.md (add the folder there and here)`);
}

/** Tiers each tier may import; package-info.ts (where the package lives) may be imported by all. */
const ALLOWED: Record<Tier, Tier[]> = {
  "package-info": [],
  engines: ["engines", "package-info"],
  services: ["services", "package-info"],
  sdk: ["sdk", "services", "engines", "package-info"],
  core: ["core", "sdk", "services", "engines", "package-info"],
  modules: ["modules", "sdk", "services", "engines", "package-info"],
  console: ["console", "core", "sdk", "services", "engines", "package-info"],
  commands: ["commands", "console", "core", "sdk", "services", "engines", "package-info"],
  entry: ["commands", "core", "sdk", "services", "engines", "modules", "package-info"],
};

/**
 * Inside modules/, a file may import modules/shared/ and helper folders (a path segment starting
 * with `_`, which the loader never takes for a module), never another module's file. A module
 * folder of kind K is modules/K/; its helpers live in modules/K/_name/.
 */
function moduleTargetProblem(target: string): string | undefined {
  const parts = target.split("/");
  if (parts[1] === "shared") return undefined;
  if (parts.slice(2, -1).some((p) => p.startsWith("_")) || parts[2]?.startsWith("_")) return undefined;
  return "a module file may import only modules/shared/ and `_helper` folders, not another module";
}

function sourceFiles(dir: string, out: string[] = []): string[] {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, e.name);
    if (e.isDirectory()) sourceFiles(full, out);
    else if (/\.(ts|mts|mjs|js)$/.test(e.name) && !e.name.endsWith(".d.ts")) out.push(full);
  }
  return out;
}

interface Edge {
  file: string;
  spec: string;
  target: string;
}

function edges(): Edge[] {
  const out: Edge[] = [];
  for (const full of sourceFiles(SRC)) {
    const file = relative(SRC, full).split(sep).join("/");
    const info = ts.preProcessFile(readFileSync(full, "utf8"), true, true);
    for (const ref of info.importedFiles) {
      const spec = ref.fileName;
      if (!spec.startsWith(".")) continue;
      const target = posix.normalize(posix.join(posix.dirname(file), spec));
      out.push({ file, spec, target });
    }
  }
  return out;
}

/** The rule an import breaks, or undefined. */
function violation(e: Edge): string | undefined {
  if (e.target.startsWith("..")) return "imports from outside src/";
  const from = tierOf(e.file);
  const to = tierOf(e.target.replace(/\.js$/, ".ts"));
  if (!ALLOWED[from].includes(to)) return `${from} may not import ${to}`;
  if (from === "modules" && to === "modules") {
    const sameHelper =
      e.file.split("/").slice(0, 3).join("/") === e.target.split("/").slice(0, 3).join("/") && e.file.split("/")[2]?.startsWith("_");
    if (!sameHelper) return moduleTargetProblem(e.target);
  }
  return undefined;
}

describe("import direction", () => {
  const all = edges();

  it("finds the imports it checks", () => {
    // A parser that finds nothing would pass every rule.
    expect(all.length).toBeGreaterThan(300);
    expect(all.some((e) => e.file.startsWith("modules/") && e.target.startsWith("sdk/"))).toBe(true);
  });

  it("every import in src/ follows docs/architecture.md", () => {
    const bad = all.flatMap((e) => {
      const why = violation(e);
      return why ? [`src/${e.file} imports "${e.spec}" (src/${e.target}): ${why}`] : [];
    });
    expect(bad, bad.join("\n")).toEqual([]);
  });

  it("reports a core file importing a module, naming file and import", () => {
    const why = violation({ file: "core/runtime/run-query.ts", spec: "../../modules/action/mail.js", target: "modules/action/mail.js" });
    expect(why).toBe("core may not import modules");
    expect(violation({ file: "modules/action/slack.ts", spec: "./mail.js", target: "modules/action/mail.js" })).toMatch(/another module/);
    expect(
      violation({ file: "modules/action/mail.ts", spec: "./_mail/subject.js", target: "modules/action/_mail/subject.js" }),
    ).toBeUndefined();
    expect(violation({ file: "engines/jinja/pool.ts", spec: "../../core/config.js", target: "core/config.js" })).toBe(
      "engines may not import core",
    );
  });
});
