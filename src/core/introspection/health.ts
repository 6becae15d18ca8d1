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
        // An isolated module whose isolate is down (crashed, waiting to restart) cannot answer now.
        ...mods
          .filter((m) => m.isolate && ["restarting", "backoff"].includes(m.isolate.status().state))
          .map((m) => {
            const s = m.isolate!.status();
            return {
              name: m.name,
              file: m.file,
              error: `isolate ${s.state === "backoff" ? "waiting to restart" : "restarting"}: ${s.lastError ?? ""}`,
              at: s.lastErrorAt ?? m.loadedAt.toISOString(),
            };
          }),
        ...mods
          .filter((m) => m.state === "failed")
          .map((m) => ({ name: m.name, file: m.file, error: `initialisation failed: ${m.error ?? ""}`, at: m.loadedAt.toISOString() })),
        ...registry.failureList().map((f) => ({ name: f.name, file: f.file, error: f.error, at: f.at.toISOString() })),
      ],
      /** Custom modules running in isolates: state, restarts and the last stop. */
      isolated: mods.filter((m) => m.isolate).map((m) => ({ name: m.name, ...m.isolate!.status() })),
    },
  };
}
