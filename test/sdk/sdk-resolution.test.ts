import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { installSdkResolution, sdkEntryUrl, typeScriptMode } from "../../src/core/registry/sdk-resolution.js";
import { startTestApp, type TestApp } from "../helpers/app.js";
import { startCliServer, type CliServer } from "./cli-server.js";
import { actionRequest, actionSource, expansionSource, tempModuleRoot, writeModule } from "./module-files.js";

// `import ... from "misp-modules-ts"` in custom module files that live outside this package:
// temp folders with no node_modules, with and without a package.json.

const FLAVOURS = [
  ["sdk_ts", "action/sdk_ts.ts", "ts"],
  ["sdk_mjs", "action/sdk_mjs.mjs", "mjs"],
  ["sdk_js", "action/sdk_js.js", "js"],
] as const;

function writeFlavours(root: string): void {
  for (const [, path, label] of FLAVOURS) writeModule(root, path, actionSource({ reply: `from ${label}`, fail: `${label} says no` }));
  writeModule(root, "expansion/sdk_expansion.ts", expansionSource("seen: "));
}

async function expectFlavoursWork(query: (body: unknown) => Promise<Record<string, unknown>>): Promise<void> {
  for (const [name, , label] of FLAVOURS) {
    expect(await query(actionRequest(name, "ok"))).toEqual({ data: `from ${label}` });
    // ModuleError from the package's SDK is recognised as a module failure, not a crash.
    expect(await query(actionRequest(name, "fail"))).toEqual({ error: `${name}: ${label} says no` });
    // The param kind came from the package too: its validation names the parameter.
    expect(await query(actionRequest(name, "maybe" as "ok"))).toEqual({ error: `${name}: parameter "mode": must be one of ok, fail` });
  }
  expect(await query({ module: "sdk_expansion", domain: "example.org", config: { prefix: null } })).toEqual({
    results: [{ types: ["text"], values: ["seen: example.org"] }],
  });
}

describe("the package entry the hook maps to", () => {
  it("is this package's own src/index.ts (dist/index.js once built) and exists", async () => {
    const entry = sdkEntryUrl();
    expect(entry).toMatch(/\/src\/index\.ts$/);
    expect(existsSync(fileURLToPath(entry))).toBe(true);
    const state = await installSdkResolution();
    expect(state.entry).toBe(entry);
    // A second install is a no-op (createApp runs it every time).
    expect(await installSdkResolution()).toBe(state);
    // Under vitest our code runs in vite-node, so module files go through tsx's tsImport.
    expect(typeScriptMode()).toBe("tsImport");
  });
});

describe("in-process app (vitest), module root with package.json type: module", () => {
  const tmp = tempModuleRoot();
  let t: TestApp;
  beforeAll(async () => {
    writeModule(tmp.root, "package.json", JSON.stringify({ type: "module" }));
    writeFlavours(tmp.root);
    t = await startTestApp({ custom: [tmp.root] });
  });
  afterAll(async () => {
    await t?.close();
    tmp.remove();
  });

  it("lists every module and records no load failure", async () => {
    const names = ((await (await fetch(`${t.url}/modules`)).json()) as Array<{ name: string }>).map((m) => m.name);
    expect(names).toEqual(expect.arrayContaining(["sdk_ts", "sdk_mjs", "sdk_js", "sdk_expansion"]));
    const health = (await (await fetch(`${t.url}/healthcheck`)).json()) as { modules: { failed: unknown[] } };
    expect(health.modules.failed).toEqual([]);
  });

  it("runs .ts, .mjs and .js modules written against the package", async () => {
    await expectFlavoursWork(async (body) => (await t.query(body)).body);
  });
});

describe("in-process app (vitest), module root without package.json", () => {
  const tmp = tempModuleRoot();
  let t: TestApp;
  beforeAll(async () => {
    writeModule(tmp.root, "action/bare_ts.ts", actionSource({ reply: "bare ts" }));
    writeModule(tmp.root, "action/bare_mjs.mjs", actionSource({ reply: "bare mjs" }));
    t = await startTestApp({ custom: [tmp.root] });
  });
  afterAll(async () => {
    await t?.close();
    tmp.remove();
  });

  it("loads TypeScript as an ES module even though the folder says CommonJS", async () => {
    expect((await t.query(actionRequest("bare_ts", "ok"))).body).toEqual({ data: "bare ts" });
    expect((await t.query(actionRequest("bare_mjs", "ok"))).body).toEqual({ data: "bare mjs" });
  });
});

describe("real command line (native loading), module root without package.json", () => {
  const tmp = tempModuleRoot();
  let server: CliServer;
  beforeAll(async () => {
    writeFlavours(tmp.root);
    server = await startCliServer(["-c", tmp.root]);
  });
  afterAll(async () => {
    await server?.stop();
    tmp.remove();
  });

  it("loads .ts, .mjs and .js module files importing misp-modules-ts", async () => {
    const names = ((await server.get("/modules")) as Array<{ name: string }>).map((m) => m.name);
    expect(names).toEqual(expect.arrayContaining(["sdk_ts", "sdk_mjs", "sdk_js", "sdk_expansion"]));
    expect(((await server.get("/healthcheck")) as { modules: { failed: unknown[] } }).modules.failed).toEqual([]);
  });

  it("runs them, sharing the server's SDK (ModuleError, param kinds)", async () => {
    await expectFlavoursWork((body) => server.query(body));
  });
});
