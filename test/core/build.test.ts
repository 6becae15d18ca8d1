import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { actionSource, tempModuleRoot, writeModule } from "../sdk/module-files.js";
import { listModuleFiles } from "../../src/core/registry/loader.js";
import { freePort, runNode, waitHealthy } from "../helpers/child-server.js";

// `npm start` runs the bundled build in dist/, not the sources the other tests import: build it
// and check what an admin and a module author get from it. Shared code lives in dist/chunks/,
// so this also proves that files are found without import.meta.url-relative paths.

const repo = fileURLToPath(new URL("../..", import.meta.url));
const dist = join(repo, "dist");

/** The built-in modules, found the way the registry finds them in src/modules. */
const builtins = listModuleFiles(join(repo, "src", "modules"));
const builtinModuleNames = (): string[] => builtins.map((m) => m.name).sort();

describe("the bundled build (dist/)", () => {
  const custom = tempModuleRoot("mmts-build-");
  let child: ChildProcess;
  let url: string;
  let stderr = "";

  beforeAll(async () => {
    const build = await runNode([join(repo, "scripts", "build.mjs"), "--skip-types"], { cwd: repo });
    if (build.status !== 0) throw new Error(`build failed: ${build.stderr}`);
    // A custom module written against the package's SDK, in a root outside the package.
    writeModule(custom.root, "action/built_custom.ts", actionSource({ reply: "from the build" }));
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    child = spawn(process.execPath, [join(dist, "cli.js"), "-p", String(port), "-c", custom.root], {
      cwd: repo,
      env: { ...process.env, MISP_MODULES_WATCH: "false" },
    });
    child.stderr!.on("data", (c: Buffer) => (stderr += c.toString()));
    await waitHealthy(url, 20_000, child);
  }, 120_000);

  afterAll(async () => {
    if (child && child.exitCode === null)
      await new Promise((r) => {
        child.once("exit", r);
        child.kill("SIGTERM");
      });
    custom.remove();
  });

  it("keeps the entry files where the loaders look for them, shared code in chunks/", () => {
    for (const f of ["cli.js", "index.js", "engines/jinja/worker.js", "core/isolation/worker.js"])
      expect(existsSync(join(dist, f)), f).toBe(true);
    expect(builtins.length).toBeGreaterThan(0);
    for (const { name, kind } of builtins) expect(existsSync(join(dist, "modules", kind, `${name}.js`)), name).toBe(true);
    expect(readdirSync(join(dist, "chunks")).some((f) => f.endsWith(".js"))).toBe(true);
  });

  it("serves every built-in module plus the custom one", async () => {
    const listed = ((await (await fetch(`${url}/modules`)).json()) as Array<{ name: string }>).map((m) => m.name).sort();
    expect(listed).toEqual([...builtinModuleNames(), "built_custom"].sort());
    const health = (await (await fetch(`${url}/healthcheck`)).json()) as { status: boolean; modules: { failed: unknown[] } };
    expect(health).toMatchObject({ status: true, modules: { failed: [] } });
    expect(stderr).toBe("");
  });

  it("answers queries: testaction, the custom module through the SDK, a Jinja render in a worker thread", async () => {
    const post = async (body: unknown) => (await fetch(`${url}/query`, { method: "POST", body: JSON.stringify(body) })).json();
    expect(await post({ module: "testaction", data: {} })).toEqual({ data: true });
    expect(await post({ module: "built_custom", data: {}, params: {} })).toEqual({ data: "from the build" });
    const text = JSON.stringify({
      template: "{{ Event.info }}: {{ 7 // 2 }} {{ 1.0 }} {{ tags|tojson }}",
      data: { Event: { info: "built" }, tags: { b: 1, a: "<x>" } },
    });
    expect(await post({ module: "jinja_template_rendering", text })).toEqual({
      results: [{ types: ["text"], values: ['built: 3 1.0 {"a": "\\u003cx\\u003e", "b": 1}'] }],
    });
  });

  it("serves /version from package.json and the OpenAPI document built on first request", async () => {
    const { version } = (await (await fetch(`${url}/version`)).json()) as { version: string };
    expect(version).toMatch(/^\d+\.\d+\.\d+/);
    const doc = (await (await fetch(`${url}/openapi.json`)).json()) as { info: { version: string }; paths: Record<string, unknown> };
    expect(doc.info.version).toBe(version);
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(["/modules", "/query", "/healthcheck", "/version"]));
  });
});
