import type { ModuleRegistry } from "../registry/registry.js";

/** /healthcheck keeps the reference's {"status": true} and adds per-module status. */
export function healthReport(registry: ModuleRegistry) {
  const mods = registry.all();
  return {
    status: true as const,
    modules: {
      loaded: mods.filter((m) => m.state === "ready").length,
      initialising: mods.filter((m) => m.state === "initialising").map((m) => m.name),
      failed: [
        ...mods.filter((m) => m.state === "failed").map((m) => ({ name: m.name, file: m.file, error: `initialisation failed: ${m.error ?? ""}`, at: m.loadedAt.toISOString() })),
        ...registry.failureList().map((f) => ({ name: f.name, file: f.file, error: f.error, at: f.at.toISOString() })),
      ],
    },
  };
}
