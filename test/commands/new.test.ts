import { execFile } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { scaffoldModule } from "../../src/commands/new.js";
import { startTestApp, type TestApp } from "../helpers/app.js";
import { tempModuleRoot } from "../sdk/module-files.js";

// `misp-modules-ts new`: name rules, layout, and proof that what it writes works: it
// type-checks, a watching server picks it up, and the generated tests pass.

const run = promisify(execFile);
const PACKAGE_ROOT = fileURLToPath(new URL("../..", import.meta.url));
const CLI = join(PACKAGE_ROOT, "src", "cli.ts");
const TSC = join(PACKAGE_ROOT, "node_modules", "typescript", "bin", "tsc");
// Children must not believe they run under vitest (module loading differs there).
const CHILD_ENV = { PATH: process.env.PATH, HOME: process.env.HOME, TMPDIR: process.env.TMPDIR };

describe("name and layout rules", () => {
  const tmp = tempModuleRoot();
  afterAll(() => tmp.remove());
  const scaffold = (kind: "action" | "expansion", name: string, force = false) => scaffoldModule({ kind, name, dir: tmp.root, force });

  it.each([
    ["Bad-Name", /invalid module name "Bad-Name": must match/],
    ["9lives", /invalid module name "9lives"/],
    ["has space", /invalid module name/],
    ["", /invalid module name ""/],
  ])("refuses the name %j", (name, message) => {
    expect(() => scaffold("action", name)).toThrow(message);
  });

  it("refuses an action name that would replace a MISP built-in workflow module", () => {
    expect(() => scaffold("action", "webhook")).toThrow(/collides with MISP's built-in workflow module id "webhook"/);
    expect(() => scaffold("action", "tag_operation")).toThrow(/built-in workflow module id "tag_operation"/);
  });

  it("refuses the name of one of our built-in modules", () => {
    expect(() => scaffold("action", "testaction")).toThrow(/"testaction" is the name of a built-in module/);
    expect(() => scaffold("expansion", "dns")).toThrow(/"dns" is the name of a built-in module/);
  });

  it("writes DIR/action/NAME.ts, its test and a type:module package.json", () => {
    const r = scaffold("action", "layout_check");
    expect(r.moduleFile).toBe(join(tmp.root, "action", "layout_check.ts"));
    expect(r.testFile).toBe(join(tmp.root, "action", "layout_check.test.ts"));
    expect(r.manifest).toBe(join(tmp.root, "package.json"));
    expect(JSON.parse(readFileSync(r.manifest!, "utf8"))).toEqual({ private: true, type: "module" });
    expect(readFileSync(r.moduleFile, "utf8")).toContain('from "misp-modules-ts"');
    const e = scaffold("expansion", "layout_expansion");
    expect(e.moduleFile).toBe(join(tmp.root, "expansion", "layout_expansion.ts"));
    expect(e.manifest).toBeUndefined(); // an existing package.json is left alone
  });

  it("refuses to overwrite a module of the same name (any kind folder, any extension) unless forced", () => {
    writeFileSync(join(tmp.root, "expansion", "taken.mjs"), "export default {};\n");
    expect(() => scaffold("action", "taken")).toThrow(/a module named "taken" already exists: .*taken\.mjs/);
    expect(() => scaffold("action", "layout_check")).toThrow(/already exists/);
    writeFileSync(join(tmp.root, "action", "layout_check.ts"), "// edited\n");
    scaffold("action", "layout_check", true);
    expect(readFileSync(join(tmp.root, "action", "layout_check.ts"), "utf8")).toContain("defineActionModule");
  });
});

describe("the command line", () => {
  const tmp = tempModuleRoot();
  afterAll(() => tmp.remove());

  it("writes the files, prints next steps and exits 0", async () => {
    const { stdout } = await run(process.execPath, ["--import", "tsx", CLI, "new", "action", "cli_made", "--dir", tmp.root], {
      cwd: PACKAGE_ROOT,
      env: CHILD_ENV,
    });
    expect(existsSync(join(tmp.root, "action", "cli_made.ts"))).toBe(true);
    expect(stdout).toContain(`created ${join(tmp.root, "action", "cli_made.ts")}`);
    expect(stdout).toContain(`misp-modules-ts -c ${tmp.root}`);
    expect(stdout).toContain(`misp-modules-ts query cli_made`);
    // The suggested data file is one the npm package and the Docker image ship.
    const data = /--data (\S+)/.exec(stdout)?.[1];
    expect(data).toBe("examples/roaming/event-publish-tlp-white.json");
    expect(existsSync(join(PACKAGE_ROOT, data!))).toBe(true);
  });

  it("explains a refused name on stderr and exits 1", async () => {
    const failed = await run(process.execPath, ["--import", "tsx", CLI, "new", "action", "send-mail", "--dir", tmp.root], {
      cwd: PACKAGE_ROOT,
      env: CHILD_ENV,
    }).catch((e: { code: number; stderr: string }) => e);
    expect(failed).toMatchObject({ code: 1 });
    expect((failed as { stderr: string }).stderr).toMatch(/^misp-modules-ts new: invalid module name "send-mail"/);
  });
});

describe("scaffolded files", () => {
  const tmp = tempModuleRoot();
  let t: TestApp;
  beforeAll(async () => {
    // A server already watching the root: the scaffold must show up without a restart.
    t = await startTestApp({ custom: [tmp.root], watch: true });
    scaffoldModule({ kind: "action", name: "made_action", dir: tmp.root });
    scaffoldModule({ kind: "expansion", name: "made_expansion", dir: tmp.root });
  });
  afterAll(async () => {
    await t?.close();
    tmp.remove();
  });

  it("are picked up by a running server watching the root, and answer", async () => {
    const started = Date.now();
    while (!t.app.registry.get("made_action") || !t.app.registry.get("made_expansion")) {
      if (Date.now() - started > 10_000) throw new Error(`not loaded; failures: ${JSON.stringify(t.app.registry.failureList())}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    const data = { Event: { id: "7", _AttributeFlattened: [{ value: "a" }, { value: "b" }] } };
    const reply = await t.query({
      module: "made_action",
      data,
      params: { message: "", values_path: "Event._AttributeFlattened.{n}.value", require_values: "" },
      matchingData: { "Values Path": ["a", "b"] },
    });
    expect(reply.body).toEqual({ data: { count: 2 } });
    const failed = await t.query({
      module: "made_action",
      data,
      params: { message: "", values_path: "x", require_values: "on" },
      matchingData: { "Values Path": [] },
    });
    expect(failed.body).toEqual({ error: "made_action: the path matched no value" });
    // The declared server setting's default applies (10000 values at most).
    expect(readFileSync(join(tmp.root, "action", "made_action.ts"), "utf8")).toContain("serverSetting.integer");
    const enriched = await t.query({ module: "made_expansion", domain: "www.example.org", config: { label_prefix: null } });
    expect(enriched.body).toEqual({
      results: [{ types: ["text"], values: ["label: www", "label: example", "label: org"], comment: "labels of www.example.org" }],
    });
  });

  it("pass a strict type-check against the package's SDK", async () => {
    const tsconfig = {
      compilerOptions: {
        target: "ES2022",
        module: "NodeNext",
        moduleResolution: "NodeNext",
        strict: true,
        noEmit: true,
        skipLibCheck: true,
        types: ["node"],
        typeRoots: [join(PACKAGE_ROOT, "node_modules", "@types")],
        // What an installed package gives an author: the SDK types under the package name.
        paths: { "misp-modules-ts": [join(PACKAGE_ROOT, "src", "index.ts")] },
      },
      include: ["action", "expansion"],
    };
    writeFileSync(join(tmp.root, "tsconfig.json"), JSON.stringify(tsconfig));
    const result = await run(process.execPath, [TSC, "-p", join(tmp.root, "tsconfig.json")], { cwd: tmp.root, env: CHILD_ENV }).catch(
      (e: { stdout: string; code: number }) => e,
    );
    expect((result as { stdout: string }).stdout).toBe("");
  }, 120_000);

  it.each([
    ["action/made_action.test.ts", 3],
    ["expansion/made_expansion.test.ts", 2],
  ])(
    "generated test %s passes (node --test, run from the package)",
    async (rel, tests) => {
      const { stdout } = await run(process.execPath, ["--import", "tsx", "--test", join(tmp.root, rel)], {
        cwd: PACKAGE_ROOT,
        env: CHILD_ENV,
      });
      expect(stdout).toMatch(new RegExp(`^# pass ${tests}$`, "m"));
      expect(stdout).toMatch(/^# fail 0$/m);
    },
    120_000,
  );
});
