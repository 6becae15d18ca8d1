import { describe, expect, it } from "vitest";
import { eventSummary } from "../../../src/modules/shared/messages/summary.js";
import { TRUNCATION_MARKER, truncateText, truncateUtf8 } from "../../../src/modules/shared/messages/truncate.js";
import { ROAMING_FIXTURES, roaming } from "../../helpers/app.js";

describe("truncateText", () => {
  it("returns short text unchanged", () => {
    expect(truncateText("hello", 5)).toBe("hello");
    expect(truncateText("", 0)).toBe("");
  });
  it("cuts to the limit and ends with the default marker", () => {
    const out = truncateText("x".repeat(100), 30);
    expect(out).toHaveLength(30);
    expect(out).toBe("x".repeat(30 - TRUNCATION_MARKER.length) + "… (truncated)");
  });
  it("uses a custom marker", () => {
    expect(truncateText("abcdefghij", 6, "...")).toBe("abc...");
  });
  it("never exceeds max even when the marker is longer than max", () => {
    expect(truncateText("abcdefghijklmnopqrstuvwxyz", 5).length).toBeLessThanOrEqual(5);
    expect(truncateText("abcdef", 0)).toBe("");
  });
  it("does not split a surrogate pair", () => {
    const text = "ab" + "😀".repeat(10);
    for (let max = 3; max < text.length; max++) {
      const out = truncateText(text, max, "~");
      expect(out.length).toBeLessThanOrEqual(max);
      expect(out.endsWith("~")).toBe(true);
      expect(out.slice(0, -1)).not.toMatch(/[\ud800-\udbff]$/);
    }
  });
});

describe("truncateUtf8", () => {
  it("keeps the UTF-8 size within the byte limit", () => {
    const text = "é".repeat(1000);
    const out = truncateUtf8(text, 101);
    expect(Buffer.byteLength(out)).toBeLessThanOrEqual(101);
    expect(out.endsWith(TRUNCATION_MARKER)).toBe(true);
    expect(truncateUtf8("short", 100)).toBe("short");
  });
});

describe("eventSummary over the roaming fixtures", () => {
  it("summarises the minimal event without a Tags line", () => {
    expect(eventSummary(roaming("event-publish-minimal-no-tags"))).toBe(
      [
        "[MISP] Event 1205: Single IOC quick share",
        "UUID: 8017f899-e212-5892-90fa-5450bd97720d",
        "Creator org: CIRCL | Threat level: Undefined | Analysis: Initial | Published: no",
        "Attributes: 1 (sha256: 1)",
      ].join("\n"),
    );
  });
  it("lists at most five attribute types, most frequent first (ties in order of appearance), the rest as others", () => {
    expect(eventSummary(roaming("event-publish-mixed-galaxy-objects"))).toBe(
      [
        "[MISP] Event 1206: APT campaign: spear-phishing with weaponised documents",
        "UUID: 1887e3f0-c78e-5e3d-be37-915042a5dcbd",
        "Creator org: CIRCL | Threat level: High | Analysis: Completed | Published: no",
        'Tags: tlp:green, PAP:GREEN, misp-galaxy:threat-actor="Sofacy", misp-galaxy:country="belgium"',
        "Attributes: 11 (domain: 3, email-subject: 1, ip-src: 1, url: 1, comment: 1, others: 4)",
      ].join("\n"),
    );
  });
  it("shows a published event from another org", () => {
    const s = eventSummary(roaming("event-publish-tlp-white"));
    expect(s.split("\n")[2]).toBe("Creator org: CERT-EXAMPLE | Threat level: Low | Analysis: Completed | Published: yes");
    expect(s.split("\n")[4]).toBe("Attributes: 6 (domain: 2, link: 1, url: 1, text: 1, ip: 1)");
  });
  it.each(ROAMING_FIXTURES)("%s: starts with the event header and counts _AttributeFlattened", (name) => {
    const data = roaming(name) as { Event: { id: string; info: string; uuid: string; _AttributeFlattened: unknown[] } };
    const lines = eventSummary(data).split("\n");
    expect(lines[0]).toBe(`[MISP] Event ${data.Event.id}: ${data.Event.info}`);
    expect(lines[1]).toBe(`UUID: ${data.Event.uuid}`);
    expect(lines.at(-1)).toMatch(new RegExp(`^Attributes: ${data.Event._AttributeFlattened.length} \\(`));
  });
  it.each(ROAMING_FIXTURES)("%s: the per-type counts add up to the total, object attributes included", (name) => {
    const data = roaming(name) as { Event: { _AttributeFlattened: Array<{ object_id: string }> } };
    const line = eventSummary(data).split("\n").at(-1)!;
    const [, total, parts] = /^Attributes: (\d+) \((.*)\)$/.exec(line)!;
    const sum = parts!.split(", ").reduce((s, p) => s + Number(p.slice(p.lastIndexOf(": ") + 2)), 0);
    expect(sum).toBe(Number(total));
    expect(Number(total)).toBe(data.Event._AttributeFlattened.length);
  });
  it("the tlp-red event: its four file-object attributes are in the breakdown (as others)", () => {
    expect(eventSummary(roaming("event-publish-tlp-red")).split("\n").at(-1)).toBe(
      "Attributes: 9 (ip-src: 1, domain: 1, url: 1, ip-dst|port: 1, email-src: 1, others: 4)",
    );
  });
  it("falls back to Event.Attribute and the objects' attributes when _AttributeFlattened is missing", () => {
    const s = eventSummary({ Event: { id: "1", info: "x", Attribute: [{ type: "md5" }, { type: "md5" }, { type: "url" }] } });
    expect(s).toBe("[MISP] Event 1: x\nAttributes: 3 (md5: 2, url: 1)");
    const withObject = {
      Event: {
        id: "1",
        info: "x",
        Attribute: [{ type: "url" }],
        Object: [{ name: "file", Attribute: [{ type: "md5" }, { type: "sha1" }] }],
      },
    };
    expect(eventSummary(withObject)).toBe("[MISP] Event 1: x\nAttributes: 3 (url: 1, md5: 1, sha1: 1)");
    expect(eventSummary({ Event: { Object: [{ Attribute: [{ type: "md5" }, {}] }] } })).toBe(
      "[MISP] Event\nAttributes: 2 (md5: 1, others: 1)",
    );
  });
  it("omits missing fields", () => {
    expect(eventSummary({ Event: {} })).toBe("[MISP] Event");
    expect(eventSummary({ Event: { info: "only info", threat_level_id: "9", analysis: "1" } })).toBe(
      "[MISP] Event: only info\nAnalysis: Ongoing",
    );
  });
  it("without Event: workflow notification with compact JSON", () => {
    expect(eventSummary({ User: { id: "3", email: "analyst@example.org" } })).toBe(
      '[MISP] workflow notification\n{"User":{"id":"3","email":"analyst@example.org"}}',
    );
  });
  it("without Event: truncates the JSON to the limit", () => {
    const data = { Log: { change: "y".repeat(5000) } };
    const s = eventSummary(data, { maxLength: 200 });
    expect(s.length).toBeLessThanOrEqual(200);
    expect(s.startsWith('[MISP] workflow notification\n{"Log":{"change":"yyy')).toBe(true);
    expect(s.endsWith(TRUNCATION_MARKER)).toBe(true);
  });
  it("appends the extraction as compact JSON, truncated to the limit", () => {
    const data = roaming("event-publish-tlp-red");
    const plain = eventSummary(data);
    expect(eventSummary(data, { extraction: ["198.51.100.7", "bad.example"] })).toBe(`${plain}\n["198.51.100.7","bad.example"]`);
    const long = eventSummary(data, { extraction: Array.from({ length: 500 }, (_, i) => `value-${i}`), maxLength: plain.length + 100 });
    expect(long.length).toBeLessThanOrEqual(plain.length + 100);
    expect(long.startsWith(`${plain}\n["value-0","value-1"`)).toBe(true);
    expect(long.endsWith(TRUNCATION_MARKER)).toBe(true);
  });
  it("respects maxLength for every fixture", () => {
    for (const name of ROAMING_FIXTURES) expect(eventSummary(roaming(name), { maxLength: 60 }).length).toBeLessThanOrEqual(60);
  });
});
