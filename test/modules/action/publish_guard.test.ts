import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { roaming, ROAMING_FIXTURES, startTestApp, type TestApp } from "../../helpers/app.js";
import { nodeRequest } from "./guard-helpers.js";

const PARAMS = [
  "required_tag_namespaces",
  "forbidden_tags",
  "min_attributes",
  "min_ids_attributes",
  "forbid_internal_ids_ips",
  "require_info",
  "forbidden_info_pattern",
  "restricted_tag",
  "max_distribution",
];
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => t.close());

const run = async (values: Record<string, string>, fixture = "event-publish-tlp-red", data?: unknown) =>
  (await t.query(nodeRequest("publish_guard", PARAMS, values, data ?? roaming(fixture)))).body;

describe("publish_guard", () => {
  it("is blocking and documents its rules in placeholders", async () => {
    const d = ((await (await fetch(`${t.url}/modules`)).json()) as any[]).find((m) => m.name === "publish_guard");
    expect(d.meta.config.blocking).toBe(true);
    expect(d.meta.config.params.forbidden_tags.value).toBe("tlp:red, PAP:RED");
  });

  it.each(ROAMING_FIXTURES)("passes %s when every rule is off", async (f) => {
    expect(await run({}, f)).toEqual({ data: true });
  });

  it("required tag namespace", async () => {
    expect(await run({ required_tag_namespaces: "tlp" }, "event-publish-tlp-white")).toEqual({ data: true });
    expect(await run({ required_tag_namespaces: "tlp, PAP" }, "event-publish-minimal-no-tags")).toEqual({
      error:
        'publish_guard: event 1205 "Single IOC quick share" cannot be published (2 rules failed):\n- missing a tag of the "tlp" namespace on the event\n- missing a tag of the "PAP" namespace on the event',
    });
  });

  it("forbidden tags on the event and on attributes, case-insensitive", async () => {
    const r = await run({ forbidden_tags: "TLP:RED, pap:red" }, "event-publish-mixed-galaxy-objects");
    expect(r.error).toContain("- forbidden tag present: tlp:red on 192.0.2.200 (ip-src), PAP:RED on 192.0.2.200 (ip-src)");
    const red = await run({ forbidden_tags: "tlp:red,PAP:RED" });
    expect(red.error).toContain("- forbidden tag present: tlp:red (event), PAP:RED (event)");
    expect(await run({ forbidden_tags: "tlp:red" }, "event-publish-tlp-white")).toEqual({ data: true });
  });

  it("minimum attributes and minimum IDS attributes", async () => {
    expect(await run({ min_attributes: "9", min_ids_attributes: "7" })).toEqual({ data: true });
    const r = await run({ min_attributes: "10", min_ids_attributes: "8" });
    expect(r.error).toContain("- the event has 9 attribute(s), at least 10 required");
    expect(r.error).toContain("- the event has 7 attribute(s) with the IDS flag, at least 8 required");
    expect(r.error).toContain("(2 rules failed)");
  });

  it("IDS-flagged internal or documentation IPs, with offending values capped", async () => {
    const r = await run({ forbid_internal_ids_ips: "yes" });
    expect(r.error).toContain(
      "- IDS-flagged IP in an internal or documentation range: 198.51.100.23 (ip-src) is documentation, 203.0.113.77|8443 (ip-dst|port) is documentation",
    );
    const data = roaming("event-publish-minimal-no-tags") as any;
    const mk = (i: number, ip: string, ids = true) => ({ id: String(900 + i), type: "ip-dst", value: ip, to_ids: ids, distribution: "5" });
    data.Event._AttributeFlattened = [
      mk(1, "10.1.2.3"),
      mk(2, "127.0.0.1"),
      mk(3, "169.254.169.254"),
      mk(4, "fe80::1"),
      mk(5, "::ffff:192.168.1.1"),
      mk(6, "172.20.0.1"),
      mk(7, "8.8.8.8"),
      mk(8, "10.9.9.9", false),
    ];
    const many = await run({ forbid_internal_ids_ips: "true" }, "", data);
    expect(many.error).toContain(
      "10.1.2.3 (ip-dst) is private, 127.0.0.1 (ip-dst) is loopback, 169.254.169.254 (ip-dst) is link-local, fe80::1 (ip-dst) is link-local, ::ffff:192.168.1.1 (ip-dst) is private and 1 more",
    );
    expect(many.error).not.toContain("8.8.8.8");
    expect(many.error).not.toContain("10.9.9.9");
  });

  it("event info: required, and must not match a pattern", async () => {
    expect((await run({ forbidden_info_pattern: "(?i)^ransomware" })).error).toContain(
      '- the event info matches the forbidden pattern (?i)^ransomware: "Ransomware C2 infrastructure observed in phishing wave"',
    );
    expect(await run({ forbidden_info_pattern: "^ransomware" })).toEqual({ data: true });
    const data = roaming("event-publish-minimal-no-tags") as any;
    data.Event.info = "  ";
    expect((await run({ require_info: "1" }, "", data)).error).toContain("- the event info is empty");
    expect((await run({ forbidden_info_pattern: "(" })).error).toMatch(
      /parameter "forbidden_info_pattern": invalid regular expression \(missing closing parenthesis at offset 1\)/,
    );
  });

  it("forbidden_info_pattern keeps the PCRE features people use, on the bounded matcher", async () => {
    // info: "Ransomware C2 infrastructure observed in phishing wave"
    const hits = async (pattern: string) => (await run({ forbidden_info_pattern: pattern })).error !== undefined;
    expect(await hits("(?i)RANSOMWARE")).toBe(true);
    expect(await hits("^Ransomware\\s+C\\d\\b")).toBe(true);
    expect(await hits("wave$")).toBe(true);
    expect(await hits("^(test|todo)")).toBe(false);
    expect(await hits("^(?=.*phishing)(?=.*C2)")).toBe(true);
    expect(await hits("^(?!Ransomware)")).toBe(false);
    expect(await hits("(?<=observed )in")).toBe(true);
    expect(await hits("[[:upper:]]2")).toBe(true);
    expect(await hits("in (?i:PHISHING)")).toBe(true);
    expect(await hits("(a)\\w*\\1")).toBe(true); // back reference: "ansomwa"
    expect(await hits("(\\w)\\1")).toBe(false); // no doubled letter in this info
  });

  it("forbidden_info_pattern that backtracks without end is an error naming the parameter, quickly", async () => {
    const data = roaming("event-publish-minimal-no-tags") as any;
    data.Event.info = "a".repeat(30) + "!";
    const started = Date.now();
    const r = await run({ forbidden_info_pattern: "^(a+)+$" }, "", data);
    expect(r.error).toMatch(
      /^publish_guard: parameter "forbidden_info_pattern": the regular expression needs more than 1,000,000 matching steps/,
    );
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it("maximum distribution while a tag is present (event and attribute levels)", async () => {
    // sharing-group fixture: event distribution 4, tlp:amber, one attribute restricted to the sharing group.
    expect(await run({ restricted_tag: "tlp:amber", max_distribution: "4" }, "event-publish-sharing-group")).toEqual({ data: true });
    const r = await run({ restricted_tag: "TLP:AMBER", max_distribution: "0" }, "event-publish-sharing-group");
    expect(r.error).toContain(
      '- distribution wider than "your organisation only" while TLP:AMBER is present: event (sharing group), 203.0.113.9 (ip-dst) (sharing group)',
    );
    expect(await run({ restricted_tag: "tlp:red", max_distribution: "0" }, "event-publish-sharing-group")).toEqual({ data: true });
    expect((await run({ restricted_tag: "tlp:amber" })).error).toMatch(/must be set together/);
  });

  it("lists every violated rule in one message", async () => {
    const r = await run({
      required_tag_namespaces: "PAP",
      forbidden_tags: "tlp:red",
      min_attributes: "20",
      forbid_internal_ids_ips: "true",
      restricted_tag: "tlp:red",
      max_distribution: "0",
    });
    expect(r.error).toMatch(
      /^publish_guard: event 1201 "Ransomware C2 infrastructure observed in phishing wave" cannot be published \(4 rules failed\):\n- /,
    );
    expect(String(r.error).split("\n")).toHaveLength(5);
  });

  it("refuses roaming data without an Event, and bad parameter values name the parameter", async () => {
    expect((await run({}, "", { User: { id: "1" } })).error).toMatch(/has no Event/);
    expect((await run({ min_attributes: "three" })).error).toBe('publish_guard: parameter "min_attributes": must be a whole number');
    expect((await run({ max_distribution: "9", restricted_tag: "x" })).error).toMatch(/parameter "max_distribution": must be one of/);
  });
});
