import { describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { moduleGuides, moduleReferenceMarkdown } from "../../src/core/introspection/module-reference.js";
import { builtinRoot, loadRoot } from "../../src/core/registry/loader.js";
import { ModuleRegistry } from "../../src/core/registry/registry.js";

const repo = fileURLToPath(new URL("../..", import.meta.url));

// docs/modules.md is generated from the declarations; a module change must regenerate it.
describe("modules --reference", () => {
  it("docs/modules.md is up to date (regenerate with `npx tsx src/cli.ts modules --reference > docs/modules.md`)", async () => {
    const registry = new ModuleRegistry();
    await loadRoot(builtinRoot(), "builtin", registry, { allowShadowing: false, log: { info() {}, warn() {}, error() {} } });
    const modules = registry.all();
    const guides = moduleGuides(
      join(repo, "docs"),
      modules.map((m) => m.name),
      ["modules.md", "protocol.md"],
    );
    const page = moduleReferenceMarkdown(modules, guides);
    // Every module has its anchor, and every declared parameter and setting is on the page.
    for (const m of modules) {
      expect(page).toContain(`<a id="${m.name}"></a>`);
      for (const p of m.params) expect(page).toContain(`| \`${p.name}\` | \`${p.id}\` |`);
    }
    expect(page).toContain('<a id="action-modules"></a>');
    expect(readFileSync(join(repo, "docs/modules.md"), "utf8")).toBe(page);
    // Loads every built-in module: generous under a loaded machine.
  }, 90_000);

  it("the command prints that page", async () => {
    const out = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, ["--import", "tsx", "src/cli.ts", "modules", "--reference"], { cwd: repo });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (d: Buffer) => (stdout += d));
      child.stderr.on("data", (d: Buffer) => (stderr += d));
      child.on("close", (code) => resolve({ code, stdout, stderr }));
    });
    expect(out.stderr).toBe("");
    expect(out.code).toBe(0);
    expect(out.stdout).toBe(readFileSync(join(repo, "docs/modules.md"), "utf8"));
    // A child process loading every module: generous under a loaded machine.
  }, 90_000);

  it("modules --json arrives whole through a pipe read late (more than the pipe's 64 KiB)", async () => {
    const out = await new Promise<{ code: number | null; stdout: string }>((resolve) => {
      const child = spawn(process.execPath, ["--import", "tsx", "src/cli.ts", "modules", "--json"], { cwd: repo });
      let stdout = "";
      // Nothing is read for a while: the pipe fills up before the command is done writing.
      child.stdout.pause();
      setTimeout(() => child.stdout.resume(), 1000);
      child.stdout.on("data", (d: Buffer) => (stdout += d));
      child.on("close", (code) => resolve({ code, stdout }));
    });
    expect(out.code).toBe(0);
    expect(out.stdout.length).toBeGreaterThan(65_536);
    const listed = JSON.parse(out.stdout) as Array<{ name: string }>;
    expect(listed.map((m) => m.name)).toContain("testaction");
  }, 90_000);
});
