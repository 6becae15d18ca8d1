import type { AddressInfo } from "node:net";
import { readFileSync } from "node:fs";
import { createApp, type App } from "../../src/core/app.js";
import { loadConfig, type ConfigInput } from "../../src/core/config.js";

// Starts the real application (built-in modules, real HTTP server) on a free loopback port.

export interface TestApp {
  app: App;
  /** Base URL, e.g. http://127.0.0.1:40123 */
  url: string;
  close(): Promise<void>;
  /** POST /query with a JSON body; returns status and parsed reply. */
  query(body: unknown): Promise<{ status: number; body: Record<string, unknown> }>;
}

export async function startTestApp(
  config: ConfigInput = {},
  opts: { env?: NodeJS.ProcessEnv; cwd?: string; logDestination?: NodeJS.WritableStream } = {},
): Promise<TestApp> {
  const env = opts.env ?? {};
  // The console (and its SQLite journal) only where a test asks for it: test/console/helpers.ts.
  const cfg = loadConfig({ flags: { port: 0, listen: "127.0.0.1", watch: false, console: { enabled: false }, ...config }, env });
  const app = await createApp(cfg, {
    quiet: !opts.logDestination,
    env,
    cwd: opts.cwd ?? "/nonexistent-cwd-for-tests",
    logDestination: opts.logDestination,
  });
  await app.server.listen({ port: 0, host: "127.0.0.1" });
  const { port } = app.server.server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  return {
    app,
    url,
    close: () => app.close(),
    async query(body) {
      const res = await fetch(`${url}/query`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      return { status: res.status, body: (await res.json()) as Record<string, unknown> };
    },
  };
}

/** A roaming-data fixture (the `data` of an action request) from test/fixtures/roaming. */
export function roaming(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(new URL(`../fixtures/roaming/${name}.json`, import.meta.url), "utf8")) as Record<string, unknown>;
}

export const ROAMING_FIXTURES = [
  "event-publish-minimal-no-tags",
  "event-publish-mixed-galaxy-objects",
  "event-publish-onion-pap-red",
  "event-publish-sharing-group",
  "event-publish-tlp-red",
  "event-publish-tlp-white",
] as const;
