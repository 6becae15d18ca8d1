import { describe, expect, it } from "vitest";
import { irisIocs, irisTypeName } from "../../../src/modules/shared/cases/iris-iocs.js";
import { THEHIVE_COMPOSITE, THEHIVE_DATA_TYPE, theHiveObservables } from "../../../src/modules/shared/cases/thehive-observables.js";
import { escapeMarkdown } from "../../../src/modules/shared/messages/markdown-escape.js";
import { eventLink, papOf, tlpOf } from "../../../src/modules/shared/roaming/event-facts.js";
import { buildPagerDutyRequest, defaultDedupKey } from "../../../src/modules/action/pagerduty.js";
import { buildTheHiveAlertRequest } from "../../../src/modules/action/thehive.js";
import { buildGoogleChatRequest } from "../../../src/modules/action/google_chat.js";
import { buildFlowintelCaseRequest } from "../../../src/modules/action/flowintel.js";
import { buildDiscordRequest } from "../../../src/modules/action/discord.js";
import { buildWebexRequest } from "../../../src/modules/action/webex.js";
import { buildIrisAlertRequest } from "../../../src/modules/action/dfir_iris.js";

// The type tables and the pure request builders (what a durable outbox would store).

const attr = (type: string, value: string, extra: Record<string, unknown> = {}) => ({ type, value, to_ids: true, ...extra });

describe("MISP type → TheHive dataType", () => {
  it("maps simple, composite and unknown types; one observable per (dataType, data)", () => {
    const obs = theHiveObservables(
      [
        attr("ip-dst|port", "203.0.113.7|443"),
        attr("domain|ip", "example.net|198.51.100.1"),
        attr("filename|sha256", `a.exe|${"ab".repeat(32)}`),
        attr("malware-sample", "b.exe|9e107d9d372bb6826bd81d3542a419d6"),
        attr("hostname", "www.example.net"),
        attr("btc", "bc1qexample", { to_ids: false }),
        attr("ip-src", "203.0.113.7"),
        attr("text", "", {}),
        attr("domain", "deleted.example", { deleted: true }),
      ],
      { idsOnly: false },
    );
    expect(obs.map((o) => [o.dataType, o.data, o.ioc])).toEqual([
      ["ip", "203.0.113.7", true],
      ["domain", "example.net", true],
      ["ip", "198.51.100.1", true],
      ["filename", "a.exe", true],
      ["hash", "ab".repeat(32), true],
      ["filename", "b.exe", true],
      ["hash", "9e107d9d372bb6826bd81d3542a419d6", true],
      ["fqdn", "www.example.net", true],
      ["other", "bc1qexample", false],
    ]);
    expect(obs.find((o) => o.dataType === "other")!.tags).toEqual(['misp:type="btc"']);
    expect(theHiveObservables([attr("btc", "x", { to_ids: false }), attr("md5", "y")], { idsOnly: true }).map((o) => o.data)).toEqual([
      "y",
    ]);
  });

  it("every composite part and simple type names a TheHive type or is dropped", () => {
    const types = new Set(Object.values(THEHIVE_DATA_TYPE));
    for (const parts of Object.values(THEHIVE_COMPOSITE)) for (const p of parts) if (p) expect(types.has(p) || p === "hash").toBe(true);
  });
});

describe("MISP type → IRIS IOC type", () => {
  const ids = new Map([
    ["ip-dst", 76],
    ["other", 96],
  ]);
  it("same name when the server lists it, else other; TLP from the strictest tag, event tags included", () => {
    expect(irisTypeName("ip-dst", new Set(ids.keys()))).toBe("ip-dst");
    expect(irisTypeName("btc", new Set(ids.keys()))).toBe("other");
    expect(irisTypeName("btc", new Set(["ip-dst"]))).toBeUndefined();
    const iocs = irisIocs(
      [
        attr("ip-dst", "203.0.113.9", {
          _allTags: [
            { name: "tlp:green", inherited: true },
            { name: "tlp:red", inherited: false },
          ],
        }),
        attr("btc", "bc1q, comma", { comment: "wallet" }),
      ],
      { idsOnly: false, typeIds: ids, defaultTlp: "amber" },
    );
    expect(iocs).toEqual([
      { ioc_value: "203.0.113.9", ioc_type_id: 76, ioc_tlp_id: 1, ioc_tags: 'misp:type="ip-dst",tlp:red' },
      { ioc_value: "bc1q, comma", ioc_type_id: 96, ioc_tlp_id: 2, ioc_description: "MISP type btc: wallet", ioc_tags: 'misp:type="btc"' },
    ]);
    // Without the server's list: no type ids at all.
    expect(irisIocs([attr("ip-dst", "1.2.3.4")], { idsOnly: false, defaultTlp: "clear" })).toEqual([
      { ioc_value: "1.2.3.4", ioc_tlp_id: 4, ioc_tags: 'misp:type="ip-dst"' },
    ]);
  });
});

describe("event facts and escaping", () => {
  it("strictest TLP and PAP, white as clear, quoted values, case-insensitive namespace", () => {
    expect(tlpOf(["tlp:white", "tlp:amber", "other:red"])).toBe("amber");
    expect(tlpOf(['TLP:"red"', "tlp:clear"])).toBe("red");
    expect(tlpOf(["tlp:amber+strict", "tlp:green"])).toBe("amber+strict");
    expect(papOf(["PAP:WHITE"])).toBe("clear");
    expect(tlpOf([])).toBeUndefined();
    expect(eventLink("https://misp.example.org/", "12")).toBe("https://misp.example.org/events/view/12");
    expect(eventLink("misp.example.org", "12")).toBeUndefined();
  });

  it("escapes Markdown where it takes effect", () => {
    expect(escapeMarkdown("# a *b* [c](d) e-f\n- g\n1. h\n> i")).toBe("\\# a \\*b\\* \\[c\\](d) e-f\n\\- g\n1\\. h\n\\> i");
  });
});

describe("request builders (pure; the idempotency key an outbox would reuse)", () => {
  it("PagerDuty: the dedup_key; resend allowed only with one", () => {
    const key = defaultDedupKey({ id: "1", uuid: "u-1", info: "", threatLevelId: "1", orgName: "", tags: [], date: "" })!;
    const req = buildPagerDutyRequest({
      eventsUrl: "https://events.pagerduty.com/",
      routingKey: "k".repeat(32),
      action: "resolve",
      dedupKey: key,
      summary: "s",
      severity: "info",
      source: "MISP",
    });
    expect(req).toMatchObject({
      method: "POST",
      url: "https://events.pagerduty.com/v2/enqueue",
      idempotencyKey: "misp-event-u-1",
      retry: true,
      secrets: ["k".repeat(32)],
    });
    expect(JSON.parse(req.body!)).toEqual({ routing_key: "k".repeat(32), event_action: "resolve", dedup_key: "misp-event-u-1" });
    expect(
      buildPagerDutyRequest({ eventsUrl: "https://e", routingKey: "k", action: "trigger", summary: "s", severity: "info", source: "MISP" })
        .retry,
    ).toBe(false);
  });

  it("TheHive: type:source:sourceRef; headers with the organisation", () => {
    const req = buildTheHiveAlertRequest({
      baseUrl: "https://hive",
      apiKey: "KEY",
      organisation: "SOC",
      verifyTls: true,
      alert: { type: "misp-event", source: "MISP", sourceRef: "u-1", title: "t", description: "d", severity: 2, tags: [], observables: [] },
    });
    expect(req.idempotencyKey).toBe("misp-event:MISP:u-1");
    expect(req.headers).toEqual({ "content-type": "application/json", authorization: "Bearer KEY", "x-organisation": "SOC" });
    expect(Object.keys(JSON.parse(req.body!))).not.toContain("tlp");
  });

  it("Google Chat: the same message for the same event has the same requestId", () => {
    const facts = { id: "1", uuid: "u-1", info: "", threatLevelId: "", orgName: "", tags: [], date: "" };
    const a = buildGoogleChatRequest({
      webhookUrl: "https://chat.googleapis.com/v1/spaces/S/messages?key=K&token=T",
      format: "text",
      title: "t",
      text: "x",
      facts,
    });
    const b = buildGoogleChatRequest({
      webhookUrl: "https://chat.googleapis.com/v1/spaces/S/messages?key=K&token=T",
      format: "text",
      title: "t",
      text: "x",
      facts,
    });
    const c = buildGoogleChatRequest({
      webhookUrl: "https://chat.googleapis.com/v1/spaces/S/messages?key=K&token=T",
      format: "text",
      title: "t",
      text: "y",
      facts,
    });
    expect(a.idempotencyKey).toBe(b.idempotencyKey);
    expect(a.idempotencyKey).not.toBe(c.idempotencyKey);
    expect(new URL(a.url).searchParams.get("requestId")).toBe(a.idempotencyKey);
    expect(a.urlIsSecret).toBe(true);
  });

  it("Flowintel: the unique title; Discord, Webex and IRIS: no key (the vendors offer none)", () => {
    expect(
      buildFlowintelCaseRequest({ baseUrl: "https://fi", apiKey: "K", verifyTls: true }, { title: "T (MISP event 1)", description: "d" })
        .idempotencyKey,
    ).toBe("title:T (MISP event 1)");
    expect(
      buildDiscordRequest({ webhookUrl: "https://discord.com/api/webhooks/1/t", format: "text", title: "a", text: "b" }).idempotencyKey,
    ).toBeUndefined();
    expect(
      buildWebexRequest({ apiUrl: "https://webexapis.com/v1", token: "T", roomId: "R", markdown: "m" }).idempotencyKey,
    ).toBeUndefined();
    const iris = buildIrisAlertRequest({ baseUrl: "https://iris", apiKey: "K", verifyTls: true }, "v2", {
      alert_title: "t",
      alert_description: "d",
      alert_severity_id: 1,
      alert_status_id: 2,
      alert_customer_id: 1,
      alert_source: "MISP",
      alert_tags: "",
      alert_iocs: [],
    });
    expect([iris.url, iris.idempotencyKey, iris.retry]).toEqual(["https://iris/api/v2/alerts", undefined, undefined]);
  });
});
