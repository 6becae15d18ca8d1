import { until } from "./until.js";
import { PassThrough } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, type TestApp } from "../helpers/app.js";
import { tempModuleRoot, writeModule } from "../sdk/module-files.js";

// Importing a custom module runs its top-level code: a loop, a never-settling await or
// process.exit() there must not keep the server from starting or freeze it on hot reload. The
// import runs in the module's isolate under a time limit; the module is reported as failed.

const IMPORT_TIMEOUT_MS = 3000;

const GOOD = `import { defineActionModule } from "misp-modules-ts";
export default defineActionModule({ meta: { description: "good" }, params: {}, handler() { return { data: "alive" }; } });
`;

function capture() {
  const stream = new PassThrough();
  const lines: string[] = [];
  stream.on("data", (c: Buffer) => lines.push(...c.toString("utf8").split("\n").filter(Boolean)));
  return { stream, lines, json: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

describe("custom modules that misbehave at import", () => {
  const tmp = tempModuleRoot("mmts-reliability-import-");
  const cap = capture();
  let t: TestApp;

  beforeAll(async () => {
    writeModule(tmp.root, "action/import_loop.ts", "for (;;) {}\nexport default {};\n");
    writeModule(tmp.root, "action/import_hang.ts", "await new Promise(() => {});\nexport default {};\n");
    writeModule(tmp.root, "action/import_exit.mjs", "process.exit(0);\n");
    writeModule(tmp.root, "action/reload_me.mjs", GOOD);
    const started = Date.now();
    t = await startTestApp(
      { custom: [tmp.root], watch: true, isolation: { importTimeoutMs: IMPORT_TIMEOUT_MS } },
      { logDestination: cap.stream },
    );
    // The server starts: the stuck imports are given up after their limit.
    expect(Date.now() - started).toBeLessThan(IMPORT_TIMEOUT_MS + 25_000);
  });
  afterAll(async () => {
    await t?.close();
    tmp.remove();
  });

  const act = (module: string) => t.query({ module, data: {}, params: {} });
  const health = async () =>
    (await (await fetch(`${t.url}/healthcheck`)).json()) as {
      status: boolean;
      modules: { failed: Array<{ name?: string; error: string }> };
    };
  async function healthDuring<T>(work: Promise<T>): Promise<{ result: T; latencies: number[] }> {
    const latencies: number[] = [];
    let done = false;
    const poller = (async () => {
      while (!done) {
        const t0 = performance.now();
        expect((await fetch(`${t.url}/healthcheck`)).status).toBe(200);
        latencies.push(performance.now() - t0);
        await new Promise((r) => setTimeout(r, 25));
      }
    })();
    const result = await work;
    done = true;
    await poller;
    return { result, latencies };
  }

  it("a loop, a never-settling await or process.exit() at import: module marked failed, server healthy", async () => {
    const h = await health();
    const failed = Object.fromEntries(h.modules.failed.map((f) => [f.name, f.error]));
    expect(failed.import_loop).toBe(
      `importing the module did not finish within ${IMPORT_TIMEOUT_MS} ms (a loop or a never-settling await at its top level?)`,
    );
    expect(failed.import_hang).toBe(failed.import_loop);
    expect(failed.import_exit).toMatch(/exited \(code 0\) while the module was loading/);
    const logged = cap
      .json()
      .filter((l) => l.msg === "module failed to load; skipped")
      .map((l) => l.module);
    expect(logged).toEqual(expect.arrayContaining(["import_loop", "import_hang", "import_exit"]));
    expect((await t.query({ module: "import_loop", data: {} })).body).toEqual({ error: "Unknown module: import_loop" });
  });

  it("hot reload of a file that loops at import: reported, server responsive, last good version kept", async () => {
    expect((await act("reload_me")).body).toEqual({ data: "alive" });
    const { latencies } = await healthDuring(
      (async () => {
        writeModule(tmp.root, "action/reload_me.mjs", "for (;;) {}\nexport default {};\n");
        writeModule(tmp.root, "action/new_looper.ts", "for (;;) {}\nexport default {};\n");
        await until("reload failure reported", async () => (await health()).modules.failed.some((f) => f.name === "new_looper"));
      })(),
    );
    expect(Math.max(...latencies)).toBeLessThan(750);
    const failed = Object.fromEntries((await health()).modules.failed.map((f) => [f.name, f.error]));
    expect(failed.new_looper).toMatch(new RegExp(`importing the module did not finish within ${IMPORT_TIMEOUT_MS} ms`));
    expect(failed.reload_me).toMatch(/^reload failed, still serving the version loaded at .*importing the module did not finish/);
    expect((await act("reload_me")).body).toEqual({ data: "alive" });
    expect((await t.query({ module: "testaction", data: {}, params: {} })).body).toEqual({ data: true });
  });
});
