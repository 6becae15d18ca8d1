import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fileURLToPath } from "node:url";
import { humanize, paramId, paramLabel, slug, underscore } from "../../src/engines/cakephp-hash/inflector.js";
import { normaliseFilteredItems } from "../../src/core/runtime/action-input.js";
import { startTestApp, type TestApp } from "../helpers/app.js";

// docs/protocol.md#inflector: every row of the table, as MISP's CakePHP Inflector computes it.
const TABLE: Array<[string, string, string]> = [
  ["foo", "foo", "Foo"],
  ["Data extraction path", "data_extraction_path", "Data Extraction Path"],
  ["message_template", "message_template", "Message Template"],
  ["bot_access_token", "bot_access_token", "Bot Access Token"],
  ["channelId", "channel_id", "ChannelId"],
  ["HEC URL", "h_e_c_u_r_l", "HEC URL"],
  ["webhook-url", "webhook_url", "Webhook-url"],
  ["Größe", "groesse", "Größe"],
  ["2fa code", "2fa_code", "2fa Code"],
  ["Param.With.Dots", "param_with_dots", "Param.With.Dots"],
  ["a__b", "a_b", "A  B"],
];

describe("CakePHP inflector (docs/protocol.md#inflector)", () => {
  it.each(TABLE)("%j → id %j, label %j", (name, id, label) => {
    expect(paramId(name)).toBe(id);
    expect(paramLabel(name)).toBe(label);
  });

  it("module ids", () => {
    expect(underscore("nextcloud_talk")).toBe("nextcloud_talk");
    expect(underscore("MyModule")).toBe("my_module");
    expect(underscore("ms-teams")).toBe("ms-teams");
  });

  it("slug transliterates, replaces non-letters and trims separators", () => {
    expect(slug("Ærø, ça va?")).toBe("AEro_ca_va");
    expect(slug("  __x__  ")).toBe("x");
    expect(humanize("hello_world again")).toBe("Hello World Again");
  });
});

describe("filteredItems normalisation (docs/protocol.md#action-request)", () => {
  it("keeps lists, orders position-keyed objects, treats the data fallback as no filtering", () => {
    expect(normaliseFilteredItems([{ a: 1 }])).toEqual([{ a: 1 }]);
    expect(normaliseFilteredItems({ "3": "c", "1": "a", "10": "d" })).toEqual(["a", "c", "d"]);
    expect(normaliseFilteredItems({ Event: { id: "1" } })).toBeUndefined();
    expect(normaliseFilteredItems({ User: { id: "1" } })).toBeUndefined();
    expect(normaliseFilteredItems(undefined)).toBeUndefined();
    expect(normaliseFilteredItems({})).toBeUndefined();
  });
});

describe("parameter mapping through POST /query", () => {
  let t: TestApp;
  const root = fileURLToPath(new URL("../fixtures/modules", import.meta.url));
  beforeAll(async () => {
    t = await startTestApp({ custom: [root] });
  });
  afterAll(async () => t.close());

  // filter_echo throws its parsed input back as the error text.
  async function echo(body: Record<string, unknown>) {
    const r = await t.query({ module: "filter_echo", data: { Event: { id: "1" } }, ...body });
    return JSON.parse(String(r.body.error).replace(/^filter_echo: /, ""));
  }

  it("reads slugged ids and humanized matchingData labels back under the declared names", async () => {
    const got = await echo({
      params: { data_extraction_path: "Event.id", channel_id: "c-1", h_e_c_u_r_l: "https://splunk:8088" },
      matchingData: { "Data Extraction Path": ["1"] },
    });
    expect(got.params).toEqual({ "Data extraction path": "Event.id", channelId: "c-1", "HEC URL": "https://splunk:8088" });
    expect(got.matchingData).toEqual({ "Data extraction path": ["1"] });
  });

  it('"" means the default; params may arrive as []; rawParams tells "left empty" apart', async () => {
    const got = await echo({ params: { channel_id: "" } });
    expect(got.params.channelId).toBe("general");
    expect(got.rawParams.channelId).toBe("");
    expect((await echo({ params: { channel_id: "general" } })).rawParams.channelId).toBe("general");
    expect((await echo({ params: [] })).params).toEqual({ "Data extraction path": "", channelId: "general", "HEC URL": "" });
  });

  it("an empty hash path without matchingData stands for the whole data", async () => {
    expect((await echo({ params: [] })).matchingData).toEqual({ "Data extraction path": { Event: { id: "1" } } });
  });

  it("filteredItems: position-keyed object → list; MISP's fallback (the data) → none", async () => {
    expect((await echo({ params: [], filteredItems: { "1": { v: "b" }, "3": { v: "d" } } })).filteredItems).toEqual([
      { v: "b" },
      { v: "d" },
    ]);
    expect((await echo({ params: [], filteredItems: { Event: { id: "1" } } })).filteredItems).toBeNull();
  });

  it("accepts declared names too (hand-written requests) and numbers/booleans as text", async () => {
    expect((await echo({ params: { channelId: 42 } })).params.channelId).toBe("42");
    const r = await t.query({ module: "filter_echo", params: { channel_id: { nested: true } } });
    expect(r.body.error).toBe('filter_echo: parameter "channelId": must be text');
  });
});
