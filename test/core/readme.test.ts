import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { builtinRoot, loadRoot } from "../../src/registry/loader.js";
import { ModuleRegistry } from "../../src/registry/registry.js";
import { moduleTableMarkdown } from "../../src/introspection/module-table.js";

// The README's module list is generated from the modules' declarations; this keeps it in sync.
describe("README", () => {
  it("lists every built-in module with its current parameters (regenerate with `misp-modules-ts modules --markdown`)", async () => {
    const registry = new ModuleRegistry();
    const log = { info() {}, warn() {}, error() {} };
    await loadRoot(builtinRoot(), "builtin", registry, { allowShadowing: false, log });
    const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
    const section = /<!-- modules:start -->\n([\s\S]*?)\n<!-- modules:end -->/.exec(readme)?.[1];
    expect(section).toBe(moduleTableMarkdown(registry.all().map((m) => m.descriptor)));
  });
});
