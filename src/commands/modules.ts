import type { Command } from "commander";
import { join, resolve } from "node:path";
import { loadConfig } from "../core/config.js";
import { builtinRoot, loadRoot } from "../core/registry/loader.js";
import { IsolationHost } from "../core/isolation/host.js";
import { ModuleRegistry } from "../core/registry/registry.js";
import { installSdkResolution } from "../core/registry/sdk-resolution.js";
import { moduleTableMarkdown, serverSettingKeys } from "../core/introspection/module-table.js";
import { moduleGuides, moduleReferenceMarkdown } from "../core/introspection/module-reference.js";
import { PACKAGE_ROOT } from "../package-info.js";
import { exitAfterOutput } from "./exit.js";

// `misp-modules-ts modules`: what the server would list, without starting it.

export function registerModulesCommand(program: Command): void {
  program
    .command("modules")
    .description("list the built-in modules (and those of -c folders) as GET /modules would, without serving")
    .option("-c, --custom <dir...>", "custom module root(s) to include")
    .option("--markdown", "print Markdown tables (the README's module list)")
    .option("--json", "print the /modules JSON")
    .option("--reference", "print the module reference page (docs/modules.md)")
    .action(async (opts: { custom?: string[]; markdown?: boolean; json?: boolean; reference?: boolean }) => {
      const registry = new ModuleRegistry();
      const log = { info() {}, warn() {}, error: (o: object, m?: string) => process.stderr.write(`${m}: ${JSON.stringify(o)}\n`) };
      await loadRoot(builtinRoot(), "builtin", registry, { allowShadowing: false, log });
      const roots = (opts.custom ?? []).map((d) => resolve(d));
      // Custom modules are imported as the server imports them: each in an isolate (a module that
      // loops or hangs at import is reported instead of hanging the command). Scaffolded modules
      // (`misp-modules-ts new`) import "misp-modules-ts", as under `serve`.
      const config = loadConfig({ flags: { custom: roots } });
      const isolation =
        config.isolation.mode === "worker"
          ? new IsolationHost({
              config,
              env: process.env,
              log: { ...log, debug() {}, isLevelEnabled: () => false, child: () => ({ ...log, debug() {}, isLevelEnabled: () => false }) },
            })
          : undefined;
      if (roots.length > 0) await installSdkResolution();
      for (const dir of roots) await loadRoot(dir, "custom", registry, { allowShadowing: false, log, isolation });
      const descriptors = registry.all().map((m) => m.descriptor);
      if (opts.reference) {
        const names = registry.all().map((m) => m.name);
        const guides = moduleGuides(join(PACKAGE_ROOT, "docs"), names, ["modules.md", "protocol.md"]);
        process.stdout.write(moduleReferenceMarkdown(registry.all(), guides));
      } else if (opts.json) process.stdout.write(JSON.stringify(descriptors, null, 2) + "\n");
      else if (opts.markdown) process.stdout.write(moduleTableMarkdown(descriptors, serverSettingKeys(registry.all())) + "\n");
      else
        for (const d of descriptors.sort((a, b) => a.name.localeCompare(b.name)))
          process.stdout.write(`${d.name.padEnd(28)} ${(d.meta["module-type"] as string[]).join(",").padEnd(16)} ${d.meta.description}\n`);
      // Modules may hold timers or pools; the listing is done.
      exitAfterOutput(0);
    });
}
