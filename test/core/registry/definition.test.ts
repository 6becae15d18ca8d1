import { describe, expect, it } from "vitest";
import { definitionFromExports } from "../../../src/core/registry/definition.js";
import { defineActionModule, defineExpansionModule, param, serverSetting, setting } from "../../../src/sdk/index.js";

// The load-time shape check of a module file's export (src/core/registry/definition.ts). Its
// schemas follow the SDK's interfaces; tsc checks that they name the same fields. Here: what
// the SDK builds passes, and each part of a declaration is checked, outbound included.

const action = defineActionModule({
  meta: { description: "d" },
  params: { url: param.url({ description: "u" }) },
  serverSettings: { n: serverSetting.integer({ min: 1, default: 2, description: "n" }) },
  outbound: { destination: () => "x", retry: { maxAttempts: 3 } },
  handler() {},
});
const expansion = defineExpansionModule({
  meta: { description: "d" },
  moduleType: ["hover"],
  input: ["domain"],
  settings: { k: setting.text({ description: "k" }) },
  serverSettings: { mode: serverSetting.oneOf(["a", "b"], { description: "m" }) },
  handler: () => ({ results: [] }),
});

describe("definitionFromExports", () => {
  it("accepts what the SDK builds and returns the object itself", () => {
    expect(definitionFromExports({ default: action })).toBe(action);
    expect(definitionFromExports(expansion)).toBe(expansion);
  });

  it.each([
    ["outbound.destination", { ...action, outbound: { destination: "not a function" } }],
    ["outbound.retry.maxAttempts", { ...action, outbound: { retry: { maxAttempts: "3" } } }],
    ["serverSettings.n.parse", { ...action, serverSettings: { n: { ...action.serverSettings!.n, parse: undefined } } }],
    ["serverSettings.n.max", { ...action, serverSettings: { n: { ...action.serverSettings!.n, max: "10" } } }],
    ["params.url.kind", { ...action, params: { url: { ...action.params.url, kind: 7 } } }],
    ["settings.k.secret", { ...expansion, settings: { k: { description: "k" } } }],
  ])("refuses a bad %s, naming it", (path, bad) => {
    expect(() => definitionFromExports({ default: bad })).toThrow(new RegExp(`not a module definition.*${path.replace(/\./g, "\\.")}`));
  });
});
