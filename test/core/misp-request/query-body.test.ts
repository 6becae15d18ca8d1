/** The /query body MISP sends for a workflow node (docs/protocol.md#action-modules). */
import { describe, expect, it } from "vitest";
import { parsePhpJson, phpJsonEncode, PhpTypeError } from "../../../src/engines/cakephp-hash/index.js";
import {
  buildActionQueryBody,
  findNodeParam,
  jinjaRenderRequest,
  nodeFromDescriptor,
  parseFilterSpec,
  parseParamAssignment,
  renderedTextFromReply,
} from "../../../src/core/misp-request/index.js";

function actionDescriptor(name: string, params: Record<string, unknown>, flags: Record<string, unknown> = {}) {
  return {
    name,
    type: "action_mod",
    mispattributes: {},
    meta: { "module-type": ["action"], description: "", config: { params, blocking: false, support_filters: false, ...flags } },
  };
}

const testaction = actionDescriptor("testaction", {
  foo: { type: "string", value: "xyz" },
  "Data extraction path": { type: "hash_path", value: "Event.Attribute.{n}.Tag.{n}.name" },
});
const data = {
  Event: { id: "42", info: "Phishing campaign", Attribute: [{ value: "203.0.113.5" }, { value: "evil.example" }], _AttributeFlattened: [] },
};

describe("nodeFromDescriptor", () => {
  it("derives ids and labels with CakePHP's Inflector (docs/protocol.md#inflector table)", () => {
    const names = [
      "foo",
      "Data extraction path",
      "message_template",
      "channelId",
      "HEC URL",
      "webhook-url",
      "Größe",
      "2fa code",
      "Param.With.Dots",
      "a__b",
    ];
    const node = nodeFromDescriptor(actionDescriptor("x", Object.fromEntries(names.map((n) => [n, { type: "string" }]))));
    expect(node.params.map((p) => [p.id, p.label])).toEqual([
      ["foo", "Foo"],
      ["data_extraction_path", "Data Extraction Path"],
      ["message_template", "Message Template"],
      ["channel_id", "ChannelId"],
      ["h_e_c_u_r_l", "HEC URL"],
      ["webhook_url", "Webhook-url"],
      ["groesse", "Größe"],
      ["2fa_code", "2fa Code"],
      ["param_with_dots", "Param.With.Dots"],
      ["a_b", "A  B"],
    ]);
  });
  it("reads widgets, flags and the node id", () => {
    const node = nodeFromDescriptor(
      actionDescriptor(
        "MyModule",
        { body: { type: "large_string", jinja_supported: true }, path: { type: "hash_path" }, s: { type: "select" } },
        { support_filters: true, blocking: 1 },
      ),
    );
    expect(node.nodeId).toBe("my_module");
    expect(node.isAction && node.supportFilters && node.blocking && !node.expectMispCoreFormat).toBe(true);
    expect(node.params.map((p) => [p.widget, p.isHashPath, p.jinjaSupported])).toEqual([
      ["textarea", false, true],
      ["input", true, false],
      ["input", false, false],
    ]);
  });
  it("a later parameter with the same id replaces the earlier one in place", () => {
    const node = nodeFromDescriptor(
      actionDescriptor("x", { "a b": { type: "string" }, c: { type: "string" }, a_b: { type: "hash_path" } }),
    );
    expect(node.params.map((p) => [p.name, p.id])).toEqual([
      ["a_b", "a_b"],
      ["c", "c"],
    ]);
  });
  it("finds parameters by name, id or label", () => {
    const node = nodeFromDescriptor(testaction);
    expect(findNodeParam(node, "Data extraction path")?.id).toBe("data_extraction_path");
    expect(findNodeParam(node, "data_extraction_path")?.id).toBe("data_extraction_path");
    expect(findNodeParam(node, "Data Extraction Path")?.id).toBe("data_extraction_path");
    expect(findNodeParam(node, "nope")).toBeUndefined();
  });
});

describe("buildActionQueryBody", () => {
  it("reproduces the docs/protocol.md#action-request example exactly", async () => {
    const body = await buildActionQueryBody({
      node: nodeFromDescriptor(testaction),
      data,
      values: { data_extraction_path: "Event.Attribute.{n}.value" },
    });
    expect(phpJsonEncode(body)).toBe(
      JSON.stringify({
        module: "testaction",
        data,
        params: { foo: "", data_extraction_path: "Event.Attribute.{n}.value" },
        matchingData: { "Data Extraction Path": ["203.0.113.5", "evil.example"] },
      }),
    );
  });
  it("an empty or '0' hash path gives the whole data in matchingData", async () => {
    for (const value of ["", "0"]) {
      const body = await buildActionQueryBody({ node: nodeFromDescriptor(testaction), data, values: { data_extraction_path: value } });
      expect((body.matchingData as Record<string, unknown>)["Data Extraction Path"]).toBe(data);
    }
  });
  it("params is [] and matchingData absent when the module declares none", async () => {
    const body = await buildActionQueryBody({ node: nodeFromDescriptor(actionDescriptor("bare", {})), data });
    expect(phpJsonEncode(body)).toBe(JSON.stringify({ module: "bare", data, params: [] }));
  });
  it("ids PHP makes integer keys are left out of params (Hash::combine {s}) but still feed matchingData", async () => {
    const node = nodeFromDescriptor(actionDescriptor("n", { "123": { type: "hash_path" }, "007": { type: "string" } }));
    const body = await buildActionQueryBody({ node, data, values: { "123": "Event.id", "007": "x" } });
    expect(body.params).toEqual({ "007": "x" });
    expect(phpJsonEncode(body.matchingData)).toBe('{"123":["42"]}');
  });
  it("filteredItems: only with support_filters, with MISP's fallback and position keys", async () => {
    const descriptor = actionDescriptor("f", { p: { type: "string" } }, { support_filters: true });
    const node = nodeFromDescriptor(descriptor);
    const unfiltered = await buildActionQueryBody({ node, data });
    expect(unfiltered.filteredItems).toBe(data);
    expect(Object.keys(unfiltered)).toEqual(["module", "data", "filteredItems", "params"]);
    const filtered = await buildActionQueryBody({
      node,
      data,
      filter: { selector: "Event.Attribute.{n}", operator: "equals", value: "evil.example", path: "value" },
    });
    expect(phpJsonEncode(filtered.filteredItems)).toBe('{"1":{"value":"evil.example"}}');
    const without = await buildActionQueryBody({
      node: nodeFromDescriptor(testaction),
      data,
      filter: { selector: "Event", operator: "in", value: "x", path: "" },
    });
    expect("filteredItems" in without).toBe(false);
  });
  it("jinja_supported values are rendered first, only when non-empty; others are sent raw", async () => {
    const node = nodeFromDescriptor(
      actionDescriptor("j", {
        message: { type: "large_string", jinja_supported: true },
        empty: { type: "string", jinja_supported: true },
        raw: { type: "string" },
      }),
    );
    const calls: Array<[string, unknown]> = [];
    const body = await buildActionQueryBody({
      node,
      data,
      values: { message: "Event {{ Event.id }}", raw: "{{ Event.id }}" },
      renderJinja: async (template, context) => {
        calls.push([template, context]);
        return "Event 42";
      },
    });
    expect(calls).toEqual([["Event {{ Event.id }}", data]]);
    expect(body.params).toEqual({ message: "Event 42", empty: "", raw: "{{ Event.id }}" });
    const withEnv = await buildActionQueryBody({
      node,
      data,
      values: { message: "{{ _env.baseurl }}" },
      mispBaseUrl: "https://misp.example",
      renderJinja: async (_t, context) => phpJsonEncode(context),
    });
    expect(JSON.parse((withEnv.params as Record<string, string>).message!)).toEqual({ ...data, _env: { baseurl: "https://misp.example" } });
  });
  it("recent MISP versions append timeout (seconds) to the body", async () => {
    const body = await buildActionQueryBody({ node: nodeFromDescriptor(actionDescriptor("bare", {})), data, timeoutSeconds: 10 });
    expect(Object.keys(body)).toEqual(["module", "data", "params", "timeout"]);
    expect(body.timeout).toBe(10);
  });
  it("keeps PHP key order of roaming data decoded with parsePhpJson", async () => {
    const roaming = parsePhpJson('{"Event": {"12": "a", "3": "b", "x": {}}}');
    const body = await buildActionQueryBody({ node: nodeFromDescriptor(actionDescriptor("bare", {})), data: roaming });
    expect(phpJsonEncode(body)).toBe('{"module":"bare","data":{"Event":{"12":"a","3":"b","x":[]}},"params":[]}');
  });
  it("a hash path whose regex meets a list aborts like PHP's TypeError", async () => {
    const promise = buildActionQueryBody({
      node: nodeFromDescriptor(testaction),
      data,
      values: { data_extraction_path: "Event[Attribute=/x/]" },
    });
    await expect(promise).rejects.toBeInstanceOf(PhpTypeError);
  });
});

describe("CLI argument specs", () => {
  it("--filter: commas only separate known fields", () => {
    expect(parseFilterSpec("selector=Event._AttributeFlattened.{n},operator=in,value=a,b,path=values.{n}[v=a,b].v")).toEqual({
      selector: "Event._AttributeFlattened.{n}",
      operator: "in",
      value: "a,b",
      path: "values.{n}[v=a,b].v",
    });
    expect(parseFilterSpec('operator=in_or,value=["a","b"]')).toEqual({ selector: "", operator: "in_or", value: ["a", "b"], path: "" });
    expect(() => parseFilterSpec("bogus")).toThrow(/expected selector=/);
    expect(() => parseFilterSpec("value=a,value=b")).toThrow(/twice/);
  });
  it("--param: the first '=' separates", () => {
    expect(parseParamAssignment("Data extraction path=Event.{n}[a=b]")).toEqual({ name: "Data extraction path", value: "Event.{n}[a=b]" });
    expect(parseParamAssignment("foo=")).toEqual({ name: "foo", value: "" });
    expect(() => parseParamAssignment("=x")).toThrow(/NAME=VALUE/);
  });
});

describe("jinja_template_rendering call", () => {
  it("sends {template, data} as a JSON string in text", () => {
    const request = jinjaRenderRequest("{{ Event.id }}", { Event: { id: "1", x: {} } });
    expect(request).toEqual({
      module: "jinja_template_rendering",
      text: '{"template":"{{ Event.id }}","data":{"Event":{"id":"1","x":[]}}}',
    });
  });
  it("reads the reply as MISP does", () => {
    expect(renderedTextFromReply({ results: [{ types: ["text"], values: ["ok"] }] })).toBe("ok");
    expect(renderedTextFromReply({ error: "bad", results: [{ values: ["partial"] }] })).toBe("");
    expect(renderedTextFromReply({ results: [] })).toBeNull();
    expect(renderedTextFromReply(false)).toBeNull();
  });
});
