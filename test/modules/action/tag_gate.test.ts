import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { roaming, startTestApp, type TestApp } from "../../helpers/app.js";
import { attributeTriggerData, nodeRequest } from "./guard-helpers.js";

const PARAMS = ["tags", "match_variants", "message"];
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => t.close());
const run = async (values: Record<string, string>, data: unknown) => (await t.query(nodeRequest("tag_gate", PARAMS, values, data))).body;

describe("tag_gate", () => {
  it("event-publish shape: blocks on event tags (default tlp:red, PAP:RED)", async () => {
    const r = await run({}, roaming("event-publish-tlp-red"));
    expect(r.error).toBe("tag_gate: blocked: tlp:red, pap:red data must not go further (1 rule failed):\n- tagged event: tlp:red, PAP:RED");
    expect(await run({}, roaming("event-publish-tlp-white"))).toEqual({ data: true });
    expect(await run({}, roaming("event-publish-minimal-no-tags"))).toEqual({ data: true });
  });

  it("blocks on attribute-level tags and names the attributes", async () => {
    const r = await run({}, roaming("event-publish-mixed-galaxy-objects"));
    expect(r.error).toContain("- tagged attribute: tlp:red on 192.0.2.200 (ip-src), PAP:RED on 192.0.2.200 (ip-src)");
    expect(r.error).not.toContain("tagged event");
    const onion = await run({}, roaming("event-publish-onion-pap-red"));
    expect(onion.error).toContain("- tagged event: PAP:RED");
    expect(onion.error).toContain("- tagged attribute: tlp:red on http://exampleonionmirror7abcxyz2.onion/ (url)");
  });

  it("attribute trigger / enrichment-before-query shape: one attribute in its light event", async () => {
    const full = roaming("event-publish-mixed-galaxy-objects");
    expect((await run({}, attributeTriggerData(full, 1))).error).toContain("tlp:red on 192.0.2.200 (ip-src)");
    expect(await run({}, attributeTriggerData(full, 2))).toEqual({ data: true });
    // Without Event.Tag, inherited tags in _allTags still count as event tags.
    const red = roaming("event-publish-tlp-red");
    const light = { ...attributeTriggerData(red, 2, false), _module: "hashlookup" };
    expect((await run({}, light)).error).toContain("- tagged event: tlp:red, PAP:RED");
  });

  it("configured tags are case-insensitive; '+' variants only when enabled", async () => {
    const data = roaming("event-publish-tlp-white") as any;
    data.Event.Tag.push({ id: "99", name: "TLP:AMBER+STRICT" });
    expect(await run({ tags: "tlp:amber" }, data)).toEqual({ data: true });
    expect((await run({ tags: "tlp:amber", match_variants: "true" }, data)).error).toContain("- tagged event: TLP:AMBER+STRICT");
    expect((await run({ tags: "TLP:WHITE; type:osint" }, data)).error).toContain("- tagged event: tlp:white, type:OSINT");
  });

  it("uses the (MISP-rendered) message as the first line", async () => {
    const r = await run({ message: "Event 1201 is TLP:RED: no external enrichment" }, roaming("event-publish-tlp-red"));
    expect(r.error).toMatch(/^tag_gate: Event 1201 is TLP:RED: no external enrichment \(1 rule failed\):\n- tagged event/);
  });

  it("refuses data with neither Event nor Attribute", async () => {
    expect((await run({}, { User: { id: "3" } })).error).toMatch(/neither an Event nor an Attribute/);
  });
});
