import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startCliServer, type CliServer } from "./cli-server.js";
import { actionRequest, actionSource, tempModuleRoot, writeModule } from "./module-files.js";

// Issue #7, requirement 5: the real server with a custom folder; a module file is dropped in,
// appears in /modules and answers; a broken edit keeps the last good version served and
// reports the error; the fix is picked up; deleting the file removes the module. Each change
// must be visible within 1 second, without a restart.

const LIMIT_MS = 1000;
const NAME = "e2e_probe";

const tmp = tempModuleRoot("mmts-e2e-");
let server: CliServer;
const file = join(tmp.root, "action", `${NAME}.ts`);

async function listed(): Promise<string[]> {
  return ((await server.get("/modules")) as Array<{ name: string }>).map((m) => m.name);
}

/** Polls until `done` holds; returns the elapsed milliseconds (fails beyond the limit). */
async function within(limitMs: number, done: () => Promise<boolean>): Promise<number> {
  const started = performance.now();
  for (;;) {
    if (await done()) return performance.now() - started;
    if (performance.now() - started > limitMs) throw new Error(`not seen within ${limitMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

type Health = { modules: { failed: Array<{ name?: string; file: string; error: string }> } };

beforeAll(async () => {
  // The root exists but has no action/ folder yet: it is created by the first drop.
  server = await startCliServer(["-c", tmp.root]);
  // Built-ins warm up after "listening" (template worker threads); time the steady state.
  await within(
    30_000,
    async () => ((await server.get("/healthcheck")) as { modules: { initialising: string[] } }).modules.initialising.length === 0,
  );
});

afterAll(async () => {
  await server?.stop();
  tmp.remove();
});

describe("module authoring loop against the real server", () => {
  const timings: Record<string, number> = {};

  it("picks up a dropped module file within 1 s and serves it", async () => {
    expect(await listed()).not.toContain(NAME);
    writeModule(tmp.root, `action/${NAME}.ts`, actionSource({ reply: "v1" }));
    timings.appear = await within(LIMIT_MS, async () => (await listed()).includes(NAME));
    expect(await server.query(actionRequest(NAME, "ok"))).toEqual({ data: "v1" });
    expect(await server.query(actionRequest(NAME, "fail"))).toEqual({ error: `${NAME}: asked to fail` });
  });

  it("keeps serving the last good version when an edit breaks the module, and reports the error", async () => {
    writeFileSync(file, `${actionSource({ reply: "broken" })}\nexport const = ;\n`);
    const health = async () => (await server.get("/healthcheck")) as Health;
    timings.reportBroken = await within(LIMIT_MS, async () => (await health()).modules.failed.some((f) => f.file === file));
    const failure = (await health()).modules.failed.find((f) => f.file === file)!;
    expect(failure.name).toBe(NAME);
    expect(failure.error).toMatch(/^reload failed, still serving the version loaded at .+: /);
    const logged = await server.waitForLog((l) => l.msg === "module reload failed; serving the last good version" && l.module === NAME);
    expect(String(logged.err)).not.toBe("");
    expect(await listed()).toContain(NAME);
    expect(await server.query(actionRequest(NAME, "ok"))).toEqual({ data: "v1" });
  });

  it("serves the fixed version within 1 s and clears the error", async () => {
    writeFileSync(file, actionSource({ reply: "v2" }));
    timings.fix = await within(LIMIT_MS, async () => (await server.query(actionRequest(NAME, "ok"))).data === "v2");
    expect(((await server.get("/healthcheck")) as Health).modules.failed).toEqual([]);
  });

  it("lets a request that started on one version finish on it while the file changes", async () => {
    writeFileSync(file, actionSource({ reply: "slow v3", delayMs: 700 }));
    // This step checks that a running request finishes on its version, not how fast a reload is
    // (the other steps time that): the reply that shows v3 takes 700 ms itself, and a poll that
    // starts just before the reload lands adds its own, so the wait is only bounded, not timed.
    await within(5_000, async () => (await server.query(actionRequest(NAME, "ok"))).data === "slow v3");
    const running = server.query(actionRequest(NAME, "ok"));
    await new Promise((r) => setTimeout(r, 100));
    writeFileSync(file, actionSource({ reply: "v4" }));
    await within(LIMIT_MS, async () => (await server.query(actionRequest(NAME, "ok"))).data === "v4");
    expect(await running).toEqual({ data: "slow v3" });
  });

  it("removes the module within 1 s when its file is deleted", async () => {
    rmSync(file);
    timings.remove = await within(LIMIT_MS, async () => !(await listed()).includes(NAME));
    expect(await server.query(actionRequest(NAME, "ok"))).toEqual({ error: `Unknown module: ${NAME}` });
    await server.waitForLog((l) => l.msg === "module removed" && l.module === NAME);
  });

  it("took less than 1 s for every change (measured)", () => {
    for (const [step, ms] of Object.entries(timings)) expect(ms, step).toBeLessThan(LIMIT_MS);
    // Visible in the test output when run with --reporter=verbose.
    console.info(
      `hot reload timings (ms): ${JSON.stringify(Object.fromEntries(Object.entries(timings).map(([k, v]) => [k, Math.round(v)])))}`,
    );
  });
});
