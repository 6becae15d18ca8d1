import { mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { LoadOptions } from "../../src/core/registry/loader.js";
import { ModuleRegistry } from "../../src/core/registry/registry.js";
import { ModuleWatcher } from "../../src/core/registry/watcher.js";
import { startTestApp, type TestApp } from "../helpers/app.js";
import { actionRequest, actionSource, expansionSource, tempModuleRoot, writeModule } from "./module-files.js";

// Hot reload details, in-process (config.watch: true). The end-to-end test covers the main
// loop through the real CLI; these cover the edges.

async function until(what: string, check: () => boolean | Promise<boolean>, limitMs = 3000): Promise<void> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > limitMs) throw new Error(`${what}: not within ${limitMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("watching a root that does not exist yet", () => {
  const tmp = tempModuleRoot();
  const root = join(tmp.root, "later", "modules");
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ custom: [root], watch: true });
  });
  afterAll(async () => {
    await t?.close();
    tmp.remove();
  });

  it("picks up the root, its kind folders and their modules once they are created", async () => {
    expect(t.app.customRoots).toContain(root);
    writeModule(root, "expansion/late_expansion.mjs", expansionSource("late: "));
    await until("late_expansion listed", () => t.app.registry.get("late_expansion") !== undefined);
    writeModule(root, "action/late_action.ts", actionSource({ reply: "late" }));
    await until("late_action listed", () => t.app.registry.get("late_action") !== undefined);
    expect((await t.query(actionRequest("late_action", "ok"))).body).toEqual({ data: "late" });
    expect((await t.query({ module: "late_expansion", domain: "a.b" })).body).toEqual({
      results: [{ types: ["text"], values: ["late: a.b"] }],
    });
  });
});

describe("hot reload rules", () => {
  const tmp = tempModuleRoot();
  let t: TestApp;
  beforeAll(async () => {
    writeModule(tmp.root, "action/start_ok.ts", actionSource({ reply: "start" }));
    writeModule(tmp.root, "action/start_broken.ts", "export default {};\n");
    t = await startTestApp({ custom: [tmp.root], watch: true });
  });
  afterAll(async () => {
    await t?.close();
    tmp.remove();
  });
  const failures = () => t.app.registry.failureList();

  it("fixes a module that failed at start-up when its file is corrected", async () => {
    expect(failures().map((f) => f.name)).toContain("start_broken");
    writeModule(tmp.root, "action/start_broken.ts", actionSource({ reply: "repaired" }));
    await until("start_broken served", () => t.app.registry.get("start_broken") !== undefined);
    expect(failures().map((f) => f.name)).not.toContain("start_broken");
    expect((await t.query(actionRequest("start_broken", "ok"))).body).toEqual({ data: "repaired" });
  });

  it("ignores files that are not modules (tests, _private helpers, editor leftovers)", async () => {
    const version = t.app.registry.version;
    writeModule(tmp.root, "action/start_ok.test.ts", "this is not even TypeScript (");
    writeModule(tmp.root, "action/_helper.ts", "export const x = (;");
    writeModule(tmp.root, "action/.start_ok.ts.swp", "binary junk");
    writeModule(tmp.root, "action/notes.txt", "hello");
    await pause(400);
    expect(t.app.registry.version).toBe(version);
    expect(failures()).toEqual([]);
  });

  it("does not reload a file whose content did not change (touch, identical save)", async () => {
    const before = t.app.registry.get("start_ok");
    writeModule(tmp.root, "action/start_ok.ts", actionSource({ reply: "start" }));
    await pause(400);
    expect(t.app.registry.get("start_ok")).toBe(before);
  });

  it("reloads on an atomic save (write a temporary file, rename it over the module)", async () => {
    const temp = join(tmp.root, "action", ".start_ok.ts.tmp");
    writeFileSync(temp, actionSource({ reply: "atomic" }));
    renameSync(temp, join(tmp.root, "action", "start_ok.ts"));
    await until("atomic save served", async () => (await t.query(actionRequest("start_ok", "ok"))).body.data === "atomic");
  });

  it("refuses a custom module that would shadow a built-in, and reports it", async () => {
    const file = writeModule(tmp.root, "action/testaction.ts", actionSource({ reply: "impostor" }));
    await until("shadowing refused", () => failures().some((f) => f.file === file));
    expect(failures().find((f) => f.file === file)!.error).toMatch(/would shadow the built-in module/);
    expect(t.app.registry.get("testaction")!.source).toBe("builtin");
    rmSync(file);
    await until("refusal cleared", () => !failures().some((f) => f.file === file));
    expect(t.app.registry.get("testaction")!.source).toBe("builtin");
  });

  it("serves one of two files with the same name and hands the name over when it is deleted", async () => {
    const first = writeModule(tmp.root, "action/twin.ts", actionSource({ reply: "first" }));
    await until("first twin", () => t.app.registry.get("twin")?.file === first);
    const second = writeModule(tmp.root, "action/twin.mjs", actionSource({ reply: "second" }));
    await until("second twin refused", () => failures().some((f) => f.file === second));
    expect(failures().find((f) => f.file === second)!.error).toMatch(/already served by/);
    rmSync(first);
    await until("second twin served", () => t.app.registry.get("twin")?.file === second);
    expect(failures().some((f) => f.file === second)).toBe(false);
    expect((await t.query(actionRequest("twin", "ok"))).body).toEqual({ data: "second" });
  });

  it("reports a module of the wrong kind for its folder and keeps nothing of it", async () => {
    const file = writeModule(tmp.root, "expansion/misplaced.ts", actionSource());
    await until("misplaced reported", () => failures().some((f) => f.file === file));
    expect(failures().find((f) => f.file === file)!.error).toMatch(/expansion folder holds a module of kind "action"/);
    expect(t.app.registry.get("misplaced")).toBeUndefined();
    rmSync(file);
    await until("misplaced forgotten", () => !failures().some((f) => f.file === file));
  });

  it("reports a module whose name breaks the naming rules", async () => {
    const file = writeModule(tmp.root, "action/BadName.ts", actionSource());
    await until("bad name reported", () => failures().some((f) => f.file === file));
    expect(failures().find((f) => f.file === file)!.error).toMatch(/invalid module name "BadName"/);
    rmSync(file);
    await until("bad name forgotten", () => !failures().some((f) => f.file === file));
  });

  it("removes every module of a kind folder that is deleted as a whole", async () => {
    writeModule(tmp.root, "action_mod/bulk_one.mjs", actionSource({ reply: "1" }));
    writeModule(tmp.root, "action_mod/bulk_two.mjs", actionSource({ reply: "2" }));
    await until("bulk modules served", () => !!t.app.registry.get("bulk_one") && !!t.app.registry.get("bulk_two"));
    rmSync(join(tmp.root, "action_mod"), { recursive: true });
    await until("bulk modules removed", () => !t.app.registry.get("bulk_one") && !t.app.registry.get("bulk_two"));
  });
});

describe("a kind folder deleted and created again at once", () => {
  const tmp = tempModuleRoot();
  let t: TestApp;
  beforeAll(async () => {
    writeModule(tmp.root, "action/old_one.mjs", actionSource({ reply: "old" }));
    t = await startTestApp({ custom: [tmp.root], watch: true });
  });
  afterAll(async () => {
    await t?.close();
    tmp.remove();
  });

  it("keeps watching the new folder (not the deleted one)", async () => {
    rmSync(join(tmp.root, "action"), { recursive: true });
    writeModule(tmp.root, "action/new_one.mjs", actionSource({ reply: "new" }));
    await until("folder swap seen", () => !t.app.registry.get("old_one") && !!t.app.registry.get("new_one"));
    // Changes inside the recreated folder must still be seen.
    writeModule(tmp.root, "action/newer_one.mjs", actionSource({ reply: "newer" }));
    await until("file in recreated folder", () => !!t.app.registry.get("newer_one"));
    expect((await t.query(actionRequest("newer_one", "ok"))).body).toEqual({ data: "newer" });
  });
});

describe("allowShadowing", () => {
  const tmp = tempModuleRoot();
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ custom: [tmp.root], watch: true, allowShadowing: true });
  });
  afterAll(async () => {
    await t?.close();
    tmp.remove();
  });

  it("lets a custom module replace a built-in, and gives the name back to the built-in on delete", async () => {
    const file = writeModule(tmp.root, "action/testaction.ts", actionSource({ reply: "custom testaction" }));
    await until("custom testaction", () => t.app.registry.get("testaction")?.file === file);
    expect((await t.query(actionRequest("testaction", "ok"))).body).toEqual({ data: "custom testaction" });
    rmSync(file);
    await until("built-in testaction back", () => t.app.registry.get("testaction")?.source === "builtin");
    expect((await t.query({ module: "testaction", data: {}, params: { foo: "", data_extraction_path: "" } })).body).toEqual({ data: true });
  });
});

describe("ModuleWatcher lifecycle", () => {
  const tmp = tempModuleRoot();
  const quiet = { info() {}, warn() {}, error() {} };
  let watcher: ModuleWatcher | undefined;
  afterEach(async () => {
    await watcher?.close();
  });
  afterAll(() => tmp.remove());

  it("does nothing after close()", async () => {
    const registry = new ModuleRegistry();
    const load: LoadOptions = { allowShadowing: false, log: quiet };
    mkdirSync(join(tmp.root, "action"), { recursive: true });
    watcher = new ModuleWatcher({ roots: [tmp.root], registry, load }).start();
    writeModule(tmp.root, "action/before_close.mjs", actionSource());
    await until("before_close loaded", () => registry.get("before_close") !== undefined);
    await watcher.idle();
    await watcher.close();
    const version = registry.version;
    writeModule(tmp.root, "action/after_close.mjs", actionSource());
    await pause(300);
    expect(registry.version).toBe(version);
    expect(registry.get("after_close")).toBeUndefined();
  });
});
