import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

// Writing custom module roots for the authoring tests. Roots live in the OS temp folder,
// outside this package and without a package.json: the situation of /opt/misp-modules.

export function tempModuleRoot(prefix = "mmts-authoring-"): { root: string; remove(): void } {
  const root = mkdtempSync(join(tmpdir(), prefix));
  return { root, remove: () => rmSync(root, { recursive: true, force: true }) };
}

export function writeModule(root: string, relPath: string, source: string): string {
  const file = join(root, relPath);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, source);
  return file;
}

/** An action module (TypeScript or JavaScript: the source is valid as both) importing the SDK by package name. */
export function actionSource(opts: { reply?: string; fail?: string; description?: string; delayMs?: number } = {}): string {
  return `import { defineActionModule, ModuleError, param } from "misp-modules-ts";
export default defineActionModule({
  meta: { description: ${JSON.stringify(opts.description ?? "authoring test module")} },
  params: { mode: param.oneOf(["ok", "fail"], { default: "ok" }) },
  async handler({ params }) {
    ${opts.delayMs ? `await new Promise((r) => setTimeout(r, ${opts.delayMs}));` : ""}
    if (params.mode === "fail") throw new ModuleError(${JSON.stringify(opts.fail ?? "asked to fail")});
    return { data: ${JSON.stringify(opts.reply ?? "ok")} };
  },
});
`;
}

export function expansionSource(prefix: string): string {
  return `import { defineExpansionModule, setting } from "misp-modules-ts";
export default defineExpansionModule({
  meta: { description: "authoring test expansion" },
  moduleType: ["expansion"],
  input: ["domain"],
  settings: { prefix: setting.text({ description: "prefix", default: ${JSON.stringify(prefix)} }) },
  handler({ request, config }) {
    return { results: [{ types: ["text"], values: [String(config.prefix) + String(request.domain)] }] };
  },
});
`;
}

/** A MISP-shaped action request (docs/protocol.md#action-request) for actionSource's single parameter. */
export function actionRequest(
  module: string,
  mode: "ok" | "fail" | "" = "",
  data: unknown = { Event: { id: "1" } },
): Record<string, unknown> {
  return { module, data, params: { mode } };
}
