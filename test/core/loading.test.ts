import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fileURLToPath } from "node:url";
import { moduleNameProblem, paramNameProblems } from "../../src/core/registry/naming.js";
import { startTestApp, type TestApp } from "../helpers/app.js";

describe("naming rules (docs/protocol.md#naming)", () => {
  it("accepts lower-case snake_case names", () => {
    for (const n of ["testaction", "http_webhook", "a1", "x_y_z"]) expect(moduleNameProblem(n, "action")).toBeUndefined();
  });
  it("refuses names MISP cannot address", () => {
    for (const n of ["MyModule", "ms-teams", "1abc", "_x", "a.b", "", "a b", "émoji"])
      expect(moduleNameProblem(n, "action"), n).toMatch(/invalid module name/);
  });
  it("refuses action ids that would replace MISP built-ins, but not for expansions", () => {
    for (const n of ["webhook", "tag_operation", "assign_country", "add_to_warninglist"])
      expect(moduleNameProblem(n, "action"), n).toMatch(/collides with MISP's built-in/);
    expect(moduleNameProblem("webhook", "expansion")).toBeUndefined();
  });
  it("parameter ids must be unique after slugging and not numeric", () => {
    expect(paramNameProblems(["channel id", "channel_id"])).toEqual(['parameters "channel id" and "channel_id" share the id "channel_id"']);
    expect(paramNameProblems(["123"])[0]).toMatch(/purely numeric/);
    expect(paramNameProblems(["!!!"])[0]).toMatch(/empty id/);
    expect(paramNameProblems(["foo", "Data extraction path"])).toEqual([]);
  });
});

describe("custom module roots (-c DIR)", () => {
  let t: TestApp;
  const broken = fileURLToPath(new URL("../fixtures/broken-modules", import.meta.url));
  const good = fileURLToPath(new URL("../fixtures/modules", import.meta.url));
  beforeAll(async () => {
    t = await startTestApp({ custom: [good, broken] });
  });
  afterAll(async () => t.close());

  it("loads .ts and .mjs modules without a build step", async () => {
    const names = ((await (await fetch(`${t.url}/modules`)).json()) as Array<{ name: string }>).map((m) => m.name);
    expect(names).toEqual(expect.arrayContaining(["failing_action", "slow_action", "filter_echo", "echo_lookup", "good_one"]));
    expect((await t.query({ module: "good_one", "ip-src": "192.0.2.1" })).body).toEqual({
      results: [{ types: ["text"], values: ["192.0.2.1"] }],
    });
  });

  it("skips broken files, reports each in /healthcheck, and stays up", async () => {
    const health = (await (await fetch(`${t.url}/healthcheck`)).json()) as any;
    expect(health.status).toBe(true);
    const byName = Object.fromEntries(health.modules.failed.map((f: any) => [f.name, f.error]));
    expect(Object.keys(byName).sort()).toEqual([
      "BadName",
      "broken_syntax",
      "not_a_module",
      "tag_operation",
      "testaction",
      "throws_on_load",
    ]);
    expect(byName.throws_on_load).toMatch(/database unreachable at load time/);
    expect(byName.not_a_module).toMatch(/not a module definition/);
    expect(byName.BadName).toMatch(/invalid module name "BadName"/);
    expect(byName.tag_operation).toMatch(/collides with MISP's built-in workflow module id "tag_operation"/);
    expect(byName.testaction).toMatch(/would shadow the built-in module/);
    expect(byName.broken_syntax).toBeTruthy();
  });

  it("a custom module does not shadow a built-in unless allowed", async () => {
    expect(t.app.registry.get("testaction")!.source).toBe("builtin");
    const allowed = await startTestApp({ custom: [broken], allowShadowing: true });
    try {
      expect(allowed.app.registry.get("testaction")!.source).toBe("custom");
    } finally {
      await allowed.close();
    }
  });
});
