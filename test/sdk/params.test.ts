import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { param, type ParamSpec } from "../../src/sdk/index.js";
import { actionDescriptor } from "../../src/core/registry/descriptor.js";
import { defineActionModule } from "../../src/sdk/define.js";
import { startTestApp, type TestApp } from "../helpers/app.js";
import { tempModuleRoot, writeModule } from "./module-files.js";

// Parameter kinds of the SDK (issue #7, requirement 2): what MISP shows for each (widget,
// placeholder, jinja flag), how the string MISP sends is parsed ("" = untouched field), and
// that a bad value is refused with a message naming the parameter.

function parse<T>(spec: ParamSpec<T>, raw: string): { ok: true; value: T } | { ok: false; message: string } {
  const r = spec.schema.safeParse(raw);
  return r.success ? { ok: true, value: r.data } : { ok: false, message: r.error.issues[0]?.message ?? "" };
}

describe("widgets MISP renders (docs/protocol.md#action-config)", () => {
  const def = defineActionModule({
    meta: { description: "all kinds" },
    params: {
      s: param.string({ placeholder: "p" }),
      ls: param.largeString(),
      hp: param.hashPath({ placeholder: "Event.Tag.{n}.name" }),
      tpl: param.template({ placeholder: "{{ Event.info }}" }),
      tpl1: param.template({ multiline: false }),
      b: param.boolean({ default: true }),
      i: param.integer({ default: 5, min: 1, max: 10 }),
      o: param.oneOf(["low", "high"], { default: "low" }),
      l: param.list({ multiline: true }),
      sec: param.secret(),
      u: param.url({ secret: true }),
    },
    handler() {},
  });
  const params = (actionDescriptor("kinds", def).meta.config as { params: Record<string, Record<string, unknown>> }).params;

  it("maps every kind to one of MISP's three widgets, in declaration order", () => {
    expect(Object.keys(params)).toEqual(["s", "ls", "hp", "tpl", "tpl1", "b", "i", "o", "l", "sec", "u"]);
    expect(Object.fromEntries(Object.entries(params).map(([k, v]) => [k, v.type]))).toEqual({
      s: "string",
      ls: "large_string",
      hp: "hash_path",
      tpl: "large_string",
      tpl1: "string",
      b: "string",
      i: "string",
      o: "string",
      l: "large_string",
      sec: "string",
      u: "string",
    });
  });

  it("flags only template text as jinja_supported (MISP pre-renders it, docs/protocol.md#jinja-params)", () => {
    expect(
      Object.entries(params)
        .filter(([, v]) => v.jinja_supported === true)
        .map(([k]) => k),
    ).toEqual(["tpl", "tpl1"]);
  });

  it("placeholders are values a user can type as shown: one-of and boolean show their default (MISP has no select or checkbox)", () => {
    expect(params.o!.value).toBe("low");
    expect(params.b!.value).toBe("true");
    expect(params.o!.description).toContain("One of: low, high. Default: low.");
  });

  it("one-of: an empty default lists no empty choice and says what empty means", () => {
    const p = param.oneOf(["0", "1"], { default: "" });
    expect(p.placeholder).toBe("0");
    expect(p.description).toBe("One of: 0, 1. Empty: not set.");
    expect(p.schema.parse("")).toBe("");
    expect(p.schema.safeParse("x").error?.issues[0]?.message).toBe("must be one of 0, 1");
  });

  it("a description that states its own default is not followed by a generated one", () => {
    expect(param.boolean({ default: true, description: "Default: the server setting, else true." }).description).toBe(
      "Default: the server setting, else true. true or false.",
    );
    expect(param.integer({ default: 587, min: 1, max: 65535, description: "Default: the server setting." }).description).toBe(
      "Default: the server setting. From 1 to 65535.",
    );
  });

  it("marks secrets (secret param, secret URL) so values are resolved and scrubbed", () => {
    expect(def.params.sec.secret).toBe(true);
    expect(def.params.u.secret).toBe(true);
    expect(def.params.s.secret).toBe(false);
  });
});

describe("parsing the string MISP sends", () => {
  it("string / largeString: text as sent, default for an untouched field", () => {
    expect(parse(param.string({ default: "d" }), "")).toEqual({ ok: true, value: "d" });
    expect(parse(param.string({ default: "d" }), " x ")).toEqual({ ok: true, value: " x " });
    expect(parse(param.largeString({ default: "a\nb" }), "")).toEqual({ ok: true, value: "a\nb" });
    expect(parse(param.string(), "")).toEqual({ ok: true, value: "" });
  });

  it('template: the rendered text, never rendered again; "" stays "" (unset or failed rendering)', () => {
    expect(parse(param.template(), "Event {{ Event.id }}")).toEqual({ ok: true, value: "Event {{ Event.id }}" });
    expect(parse(param.template(), "")).toEqual({ ok: true, value: "" });
  });

  it("hashPath: the raw path (its extraction arrives in matchingData)", () => {
    expect(parse(param.hashPath(), "Event.Attribute.{n}.value")).toEqual({ ok: true, value: "Event.Attribute.{n}.value" });
  });

  it('boolean: 1/true/yes/on and 0/false/no/off in any case, default for "", anything else refused', () => {
    const b = param.boolean({ default: false });
    for (const raw of ["1", "true", "TRUE", " yes ", "On"]) expect(parse(b, raw)).toEqual({ ok: true, value: true });
    for (const raw of ["0", "false", "No", "off"]) expect(parse(b, raw)).toEqual({ ok: true, value: false });
    expect(parse(b, "")).toEqual({ ok: true, value: false });
    expect(parse(param.boolean({ default: true }), "  ")).toEqual({ ok: true, value: true });
    expect(parse(b, "maybe")).toEqual({ ok: false, message: "must be true or false" });
  });

  it('integer: decimal digits only, bounds checked, default or undefined for ""', () => {
    const i = param.integer({ default: 3, min: 1, max: 10 });
    expect(parse(i, " 7 ")).toEqual({ ok: true, value: 7 });
    expect(parse(i, "")).toEqual({ ok: true, value: 3 });
    expect(parse(param.integer(), "")).toEqual({ ok: true, value: undefined });
    for (const raw of ["-1", "1.5", "1e3", "ten", "0x10"]) expect(parse(i, raw)).toEqual({ ok: false, message: "must be a whole number" });
    expect(parse(i, "11")).toEqual({ ok: false, message: "must be between 1 and 10" });
    expect(parse(i, "0")).toEqual({ ok: false, message: "must be between 1 and 10" });
  });

  it('oneOf: case-insensitive match returning the declared spelling, default for ""', () => {
    const o = param.oneOf(["Low", "High"], { default: "Low" });
    expect(parse(o, "high")).toEqual({ ok: true, value: "High" });
    expect(parse(o, "")).toEqual({ ok: true, value: "Low" });
    expect(parse(o, "medium")).toEqual({ ok: false, message: "must be one of Low, High" });
  });

  it("list: split on commas, semicolons and line breaks, trimmed, empties dropped", () => {
    expect(parse(param.list(), " a@x.org, b@x.org;c@x.org\r\n\nd ,, ")).toEqual({
      ok: true,
      value: ["a@x.org", "b@x.org", "c@x.org", "d"],
    });
    expect(parse(param.list(), "")).toEqual({ ok: true, value: [] });
  });

  it("secret: the value as given (references are resolved by the runtime before parsing)", () => {
    expect(parse(param.secret(), "s3cr3t")).toEqual({ ok: true, value: "s3cr3t" });
  });

  it('url: http(s) only, trimmed, default for ""', () => {
    const u = param.url({ default: "https://default.example" });
    expect(parse(u, " https://chat.example.org/hooks/x ")).toEqual({ ok: true, value: "https://chat.example.org/hooks/x" });
    expect(parse(u, "")).toEqual({ ok: true, value: "https://default.example" });
    expect(parse(param.url(), "")).toEqual({ ok: true, value: "" });
    for (const raw of ["ftp://x.example", "chat.example.org", "javascript:alert(1)"])
      expect(parse(u, raw)).toEqual({ ok: false, message: "must be an http:// or https:// URL" });
  });
});

describe("through /query: errors name the parameter, secrets are resolved and never echoed", () => {
  const tmp = tempModuleRoot();
  let t: TestApp;
  const SECRET = "tok-9f8e7d6c5b4a";
  beforeAll(async () => {
    writeModule(
      tmp.root,
      "action/kinds_probe.ts",
      `import { defineActionModule, ModuleError, param } from "misp-modules-ts";
export default defineActionModule({
  meta: { description: "echoes its parsed parameters" },
  params: {
    "Max items": param.integer({ default: 2, min: 1, max: 5 }),
    notify: param.boolean({ default: false }),
    level: param.oneOf(["low", "high"], { default: "low" }),
    recipients: param.list(),
    endpoint: param.url(),
    api_key: param.secret({ required: true }),
    body: param.template(),
    pick: param.hashPath(),
  },
  handler({ params, matchingData }) {
    if (params.body === "leak") throw new ModuleError("upstream refused key " + params.api_key);
    return { data: { ...params, api_key: params.api_key.length, picked: matchingData.pick } };
  },
});
`,
    );
    t = await startTestApp({ custom: [tmp.root] }, { env: { MISP_MODULES_SECRET_PROBE_KEY: SECRET } });
  });
  afterAll(async () => {
    await t?.close();
    tmp.remove();
  });

  const base = {
    max_items: "",
    notify: "",
    level: "",
    recipients: "",
    endpoint: "",
    api_key: "secret:PROBE_KEY",
    body: "",
    pick: "Event.id",
  };
  const query = (params: Record<string, string>) =>
    t.query({ module: "kinds_probe", data: { Event: { id: "1" } }, params: { ...base, ...params }, matchingData: { Pick: ["1"] } });

  it("hands the handler typed values (slugged ids mapped back to names, secret reference resolved)", async () => {
    const r = await query({
      max_items: "4",
      notify: "yes",
      level: "HIGH",
      recipients: "a, b",
      endpoint: "https://x.example/h",
      body: "Event 1",
    });
    expect(r.body).toEqual({
      data: {
        "Max items": 4,
        notify: true,
        level: "high",
        recipients: ["a", "b"],
        endpoint: "https://x.example/h",
        api_key: SECRET.length,
        body: "Event 1",
        pick: "Event.id",
        picked: ["1"],
      },
    });
  });

  it.each([
    [{ max_items: "many" }, 'parameter "Max items": must be a whole number'],
    [{ max_items: "9" }, 'parameter "Max items": must be between 1 and 5'],
    [{ notify: "perhaps" }, 'parameter "notify": must be true or false'],
    [{ level: "urgent" }, 'parameter "level": must be one of low, high'],
    [{ endpoint: "file:///etc/passwd" }, 'parameter "endpoint": must be an http:// or https:// URL'],
    [{ api_key: "" }, 'parameter "api_key": is required'],
    [{ api_key: "secret:NOPE" }, 'parameter "api_key": unknown secret "NOPE"'],
  ])("refuses %j naming the parameter", async (params, message) => {
    const r = await query(params);
    expect(r.status).toBe(200);
    expect(String(r.body.error)).toContain(`kinds_probe: ${message}`);
  });

  it("scrubs a resolved secret from the module's own error message", async () => {
    const r = await query({ body: "leak" });
    expect(String(r.body.error)).toMatch(/^kinds_probe: upstream refused key /);
    expect(String(r.body.error)).not.toContain(SECRET);
  });
});
