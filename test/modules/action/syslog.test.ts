import { PassThrough } from "node:stream";
import { fileURLToPath } from "node:url";
import net from "node:net";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { cefExtensionEscape, cefHeaderEscape } from "../../../src/modules/action/_syslog/cef.js";
import { escapeSdValue, formatHeader } from "../../../src/modules/action/_syslog/rfc5424.js";
import { runQueryCommand } from "../../../src/commands/query.js";
import { ROAMING_FIXTURES, roaming, startTestApp, type TestApp } from "../../helpers/app.js";
import { sink } from "../../helpers/sink.js";
import { closedPort, selfSignedCertificate } from "../../helpers/stand-in.js";
import { parseCef, sdParams, startSyslogReceiver, type SyslogReceiver } from "../../helpers/syslog-receiver.js";
import { nodeRequest as mispActionBody } from "../../helpers/misp-request.js";

// syslog end to end: POST /query on the real app → real UDP/TCP/TLS receivers on loopback
// that check framing, the RFC 5424 grammar and CEF escaping (test/helpers/syslog-receiver.ts).

const PARAMS = [
  "host",
  "port",
  "transport",
  "framing",
  "format",
  "facility",
  "severity",
  "hostname",
  "app_name",
  "sd_id",
  "event_per_attribute",
  "data_extraction_model",
  "max_message_bytes",
  "oversize",
  "utf8_bom",
  "verify_tls",
  "ca_certificate",
  "delivery",
];
const SD = "misp@32473";
const LOCAL0 = 16;
const SEVERITY: Record<string, number> = { "1": 2, "2": 4, "3": 5, "4": 6 };

function syslogQuery(data: unknown, params: Record<string, string>, filteredItems: unknown = data): Record<string, unknown> {
  return mispActionBody("syslog", PARAMS, data, params, { filteredItems });
}

type Json = Record<string, any>;
const event = (name: string) => roaming(name).Event as Json;
const on = (r: SyslogReceiver, extra: Record<string, string> = {}) => ({
  host: "127.0.0.1",
  port: String(r.port),
  transport: r.transport,
  ...extra,
});

let app: TestApp;
let udp: SyslogReceiver;
let tcp: SyslogReceiver;
let tcpLf: SyslogReceiver;
let tlsRx: SyslogReceiver;
beforeAll(async () => {
  app = await startTestApp();
  [udp, tcp, tcpLf, tlsRx] = await Promise.all([
    startSyslogReceiver("udp"),
    startSyslogReceiver("tcp"),
    startSyslogReceiver("tcp", "lf"),
    startSyslogReceiver("tls"),
  ]);
});
afterAll(async () => {
  await app.close();
  await Promise.all([udp, tcp, tcpLf, tlsRx].map((r) => r.close()));
});
afterEach(() => {
  for (const r of [udp, tcp, tcpLf, tlsRx]) r.reset();
});

describe("syslog: every roaming fixture", () => {
  it.each(ROAMING_FIXTURES)("%s: JSON event over TCP (octet counting), RFC 5424 valid, severity from the threat level", async (name) => {
    const data = roaming(name);
    const ev = event(name);
    const r = await app.query(syslogQuery(data, on(tcp, { hostname: "misp.example.org" })));
    expect(r.body).toEqual({ data: true });
    await tcp.waitFor(1);
    expect(tcp.errors).toEqual([]);
    expect(tcp.messages).toHaveLength(1);
    const m = tcp.messages[0];
    expect(m.pri).toBe(LOCAL0 * 8 + SEVERITY[ev.threat_level_id]);
    expect([m.hostname, m.appName, m.procId, m.msgId]).toEqual(["misp.example.org", "misp", "-", "misp-event"]);
    expect(JSON.parse(m.msg)).toEqual(data);
    const sd = sdParams(m, SD);
    expect(sd.get("event_uuid")).toEqual([ev.uuid]);
    expect(sd.get("tag") ?? []).toEqual((ev.Tag ?? []).map((t: Json) => t.name));
    expect(sd.get("info")).toEqual([ev.info]);
  });

  it.each(ROAMING_FIXTURES)("%s: CEF per attribute over UDP, escaping checked by a strict CEF parser", async (name) => {
    const ev = event(name);
    const r = await app.query(syslogQuery(roaming(name), on(udp, { format: "cef", event_per_attribute: "true" })));
    expect(r.body).toEqual({ data: true });
    await udp.waitFor(ev._AttributeFlattened.length);
    expect(udp.errors).toEqual([]);
    const byUuid = new Map(udp.messages.map((m) => [parseCef(m.msg).ext.get("externalId"), m]));
    for (const a of ev._AttributeFlattened as Json[]) {
      const m = byUuid.get(a.uuid)!;
      expect(m.bytes).toBeLessThanOrEqual(2048);
      const cef = parseCef(m.msg);
      expect([cef.version, cef.vendor, cef.product, cef.classId, cef.name]).toEqual(["0", "MISP", "misp-modules-ts", a.type, ev.info]);
      expect(cef.ext.get("cs3")).toBe(a.value);
      expect(cef.ext.get("cs1")).toBe(ev.uuid);
      expect(cef.ext.get("cat")).toBe(a.category);
      expect(sdParams(m, SD).get("attribute_uuid")).toEqual([a.uuid]);
      expect(m.msgId).toBe("misp-attribute");
    }
  });
});

describe("syslog: escaping", () => {
  const hostile = () => {
    const data = roaming("event-publish-tlp-red");
    const ev = data.Event as Json;
    ev.info = 'Phish "wave" ]2[ C:\\temp | a=b\nsecond line';
    ev._AttributeFlattened = [
      {
        ...ev._AttributeFlattened[0],
        type: "url",
        value: "https://evil.example/login?user=a&next=/x|y\\z",
        comment: "line1\r\nline2 key=value",
      },
    ];
    return data;
  };

  it('structured data values escape ", \\ and ] (RFC 5424 §6.3.3); no line break reaches the wire', async () => {
    const r = await app.query(syslogQuery(hostile(), on(tcpLf, { framing: "lf", event_per_attribute: "true" })));
    expect(r.body).toEqual({ data: true });
    await tcpLf.waitFor(1);
    expect(tcpLf.errors).toEqual([]);
    expect(sdParams(tcpLf.messages[0], SD).get("info")).toEqual(['Phish "wave" ]2[ C:\\temp | a=b second line']);
    expect(escapeSdValue('a"b\\c]d')).toBe('a\\"b\\\\c\\]d');
  });

  it("CEF header escapes \\ and |, extension escapes \\, = and line breaks", async () => {
    const data = hostile();
    const r = await app.query(syslogQuery(data, on(tcp, { format: "cef", event_per_attribute: "true" })));
    expect(r.body).toEqual({ data: true });
    await tcp.waitFor(1);
    expect(tcp.errors).toEqual([]);
    const cef = parseCef(tcp.messages[0].msg);
    expect(cef.name).toBe('Phish "wave" ]2[ C:\\temp | a=b second line');
    expect(cef.ext.get("request")).toBe("https://evil.example/login?user=a&next=/x|y\\z");
    expect(cef.ext.get("msg")).toBe("line1\nline2 key=value");
    expect(cefHeaderEscape("a|b\\c")).toBe("a\\|b\\\\c");
    expect(cefExtensionEscape("a=b\\c\nd")).toBe("a\\=b\\\\c\\nd");
  });

  it("LEEF 2.0 over LF framing: header, tab-separated pairs, no raw line break", async () => {
    const data = hostile();
    const r = await app.query(syslogQuery(data, on(tcpLf, { framing: "lf", format: "leef", event_per_attribute: "true" })));
    expect(r.body).toEqual({ data: true });
    await tcpLf.waitFor(1);
    expect(tcpLf.errors).toEqual([]);
    const msg = tcpLf.messages[0].msg;
    const m = /^LEEF:2\.0\|MISP\|misp-modules-ts\|[^|]+\|url\|x09\|(.*)$/.exec(msg);
    expect(m).not.toBeNull();
    const pairs = new Map(m![1].split("\t").map((p) => [p.slice(0, p.indexOf("=")), p.slice(p.indexOf("=") + 1)]));
    expect(pairs.get("url")).toBe("https://evil.example/login?user=a&next=/x|y\\z");
    expect(pairs.get("mispComment")).toBe("line1 line2 key=value");
    expect(pairs.get("sev")).toBe("8");
    expect(pairs.get("devTimeFormat")).toBe("yyyy-MM-dd'T'HH:mm:ss.SSSX");
  });
});

describe("syslog: size limits", () => {
  it("UDP: a message over max_message_bytes is truncated with a marker and says its full size", async () => {
    const data = roaming("event-publish-mixed-galaxy-objects");
    const full = JSON.stringify(data);
    const r = await app.query(syslogQuery(data, on(udp, { max_message_bytes: "1200" })));
    expect(r.body).toEqual({ data: true });
    await udp.waitFor(1);
    expect(udp.errors).toEqual([]);
    const m = udp.messages[0];
    expect(m.bytes).toBeLessThanOrEqual(1200);
    expect(m.bytes).toBeGreaterThan(1100);
    expect(m.msg.endsWith("...[truncated]")).toBe(true);
    expect(full.startsWith(m.msg.slice(0, -"...[truncated]".length))).toBe(true);
    expect(sdParams(m, SD).get("truncated")).toEqual([String(Buffer.byteLength(full))]);
  });

  it("UDP split: parts within the limit, numbered, that put together give the whole JSON", async () => {
    const data = roaming("event-publish-mixed-galaxy-objects");
    const r = await app.query(syslogQuery(data, on(udp, { max_message_bytes: "1000", oversize: "split" })));
    expect(r.body).toEqual({ data: true });
    const full = JSON.stringify(data);
    const n = Math.ceil(Buffer.byteLength(full) / 400);
    await udp.waitFor(3);
    await new Promise((res) => setTimeout(res, 300));
    expect(udp.errors).toEqual([]);
    const parts = udp.messages.map((m) => ({ m, part: sdParams(m, SD).get("part")![0] }));
    const total = Number(parts[0].part.split("/")[1]);
    expect(parts).toHaveLength(total);
    expect(total).toBeLessThan(n);
    for (const { m } of parts) expect(m.bytes).toBeLessThanOrEqual(1000);
    parts.sort((a, b) => Number(a.part.split("/")[0]) - Number(b.part.split("/")[0]));
    expect(JSON.parse(parts.map((p) => p.m.msg).join(""))).toEqual(data);
  });

  it("a UTF-8 BOM starts the MSG when asked", async () => {
    const r = await app.query(
      syslogQuery(roaming("event-publish-tlp-white"), on(tcp, { utf8_bom: "true", severity: "err", facility: "auth" })),
    );
    expect(r.body).toEqual({ data: true });
    await tcp.waitFor(1);
    expect(tcp.messages[0].bom).toBe(true);
    expect(tcp.messages[0].pri).toBe(4 * 8 + 3);
  });
});

describe("syslog: TLS", () => {
  it("refuses the receiver's self-signed certificate by default", async () => {
    const r = await app.query(syslogQuery(roaming("event-publish-tlp-red"), on(tlsRx)));
    expect(r.body.error).toMatch(new RegExp(`^syslog: tls://127\\.0\\.0\\.1:${tlsRx.port}: TLS error .*self-signed`));
    expect(tlsRx.messages).toHaveLength(0);
  });

  it("trusts it with ca_certificate; octet-counted messages arrive intact", async () => {
    const ev = event("event-publish-mixed-galaxy-objects");
    const r = await app.query(
      syslogQuery(
        roaming("event-publish-mixed-galaxy-objects"),
        on(tlsRx, { ca_certificate: selfSignedCertificate().cert, event_per_attribute: "true" }),
      ),
    );
    expect(r.body).toEqual({ data: true });
    await tlsRx.waitFor(ev._AttributeFlattened.length);
    expect(tlsRx.errors).toEqual([]);
    expect(tlsRx.connections).toBe(1);
    expect(tlsRx.messages.map((m) => JSON.parse(m.msg).Attribute.uuid)).toEqual(ev._AttributeFlattened.map((a: Json) => a.uuid));
  });

  it("verify_tls false accepts it", async () => {
    const r = await app.query(syslogQuery(roaming("event-publish-tlp-red"), on(tlsRx, { verify_tls: "false" })));
    expect(r.body).toEqual({ data: true });
    await tlsRx.waitFor(1);
  });
});

describe("syslog: failures", () => {
  it("TCP connection refused", async () => {
    const port = await closedPort();
    const r = await app.query(syslogQuery(roaming("event-publish-tlp-red"), { host: "127.0.0.1", port: String(port), transport: "tcp" }));
    expect(r.body.error).toBe(`syslog: tcp://127.0.0.1:${port}: connection refused (127.0.0.1:${port})`);
  });

  it("a receiver that resets the connection mid-stream is a failure saying how far it got", async () => {
    const server = net.createServer((s) => s.once("data", () => s.resetAndDestroy()));
    await new Promise<void>((res) => server.listen(0, "127.0.0.1", res));
    const port = (server.address() as AddressInfo).port;
    try {
      const big = roaming("event-publish-mixed-galaxy-objects");
      const flat = (big.Event as Json)._AttributeFlattened as Json[];
      (big.Event as Json)._AttributeFlattened = Array.from({ length: 3000 }, (_, i) => ({
        ...flat[i % flat.length],
        uuid: `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`,
      }));
      const r = await app.query(syslogQuery(big, { host: "127.0.0.1", port: String(port), transport: "tcp", event_per_attribute: "true" }));
      expect(r.body.error).toMatch(
        new RegExp(`^syslog: tcp://127\\.0\\.0\\.1:${port}: connection (reset|closed while sending).* after \\d+ of 3000 messages$`),
      );
    } finally {
      server.close();
    }
  });

  it("a TLS receiver that never completes the handshake times out within the deadline", { timeout: 120_000 }, async () => {
    const server = net.createServer(() => undefined);
    const sockets = new Set<net.Socket>();
    server.on("connection", (s) => sockets.add(s));
    await new Promise<void>((res) => server.listen(0, "127.0.0.1", res));
    const port = (server.address() as AddressInfo).port;
    const short = await startTestApp({ deadlineMs: 2000 });
    try {
      const started = Date.now();
      const r = await short.query(
        syslogQuery(roaming("event-publish-tlp-red"), { host: "127.0.0.1", port: String(port), transport: "tls" }),
      );
      expect(String(r.body.error)).toMatch(
        new RegExp(`^syslog: tls://127\\.0\\.0\\.1:${port}: could not connect to 127\\.0\\.0\\.1:${port} within \\d+ ms$`),
      );
      expect(Date.now() - started).toBeLessThan(6000);
    } finally {
      for (const s of sockets) s.destroy();
      server.close();
      await short.close();
    }
  });

  it.each([
    [{ transport: "udp", max_message_bytes: "65508" }, 'syslog: parameter "max_message_bytes": at most 65507 with udp'],
    [{ max_message_bytes: "100" }, 'syslog: parameter "max_message_bytes": must be between 480 and 1048576'],
    [
      { sd_id: "misp" },
      'syslog: parameter "sd_id": must be name@enterprise-number (printable ASCII, no space, =, ] or ", at most 32 characters)',
    ],
    [
      { format: "cef", data_extraction_model: '{"v": "Attribute.value"}' },
      'syslog: parameter "data_extraction_model": applies to the json format only',
    ],
    [{ host: "tcp://siem:514" }, 'syslog: parameter "host": must be a host name or an IP address (no scheme, no port)'],
    [{ transport: "relp" }, 'syslog: parameter "transport": must be one of tls, tcp, udp'],
    [{ format: "xml" }, 'syslog: parameter "format": must be one of json, cef, leef'],
  ])("rejects %j before sending", async (override, error) => {
    const r = await app.query(syslogQuery(roaming("event-publish-tlp-red"), { ...on(tcp), ...override }));
    expect(r.body).toEqual({ error });
    expect(tcp.connections).toBe(0);
  });
});

describe("syslog: extraction model, descriptor, query CLI", () => {
  it("JSON with an extraction model per attribute", async () => {
    const ev = event("event-publish-sharing-group");
    const r = await app.query(
      syslogQuery(
        roaming("event-publish-sharing-group"),
        on(tcp, { event_per_attribute: "1", data_extraction_model: '{"value": "Attribute.value", "event": "Event.uuid"}' }),
      ),
    );
    expect(r.body).toEqual({ data: true });
    await tcp.waitFor(ev._AttributeFlattened.length);
    expect(tcp.messages.map((m) => JSON.parse(m.msg))).toEqual(
      ev._AttributeFlattened.map((a: Json) => ({ value: a.value, event: ev.uuid })),
    );
  });

  it("header fields are cut to printable ASCII within their lengths", () => {
    expect(
      formatHeader({
        facility: "local7",
        severity: "debug",
        time: 0,
        hostname: "mïsp host",
        appName: "a".repeat(60),
        procId: "",
        msgId: "x",
      }),
    ).toBe(`<191>1 1970-01-01T00:00:00.000Z msphost ${"a".repeat(48)} - x`);
  });

  it("publishes a descriptor whose placeholders are valid values", async () => {
    const list = (await (await fetch(`${app.url}/modules`)).json()) as Json[];
    const d = list.find((m) => m.name === "syslog")!;
    expect(Object.keys(d.meta.config.params)).toEqual(PARAMS);
    const p = d.meta.config.params;
    expect([
      p.transport.value,
      p.framing.value,
      p.format.value,
      p.facility.value,
      p.severity.value,
      p.sd_id.value,
      p.oversize.value,
    ]).toEqual(["tls", "octet-counting", "json", "local0", "threat-level", "misp@32473", "truncate"]);
  });

  it("runs from the query CLI (in-process) over UDP", { timeout: 120_000 }, async () => {
    const stdin = new PassThrough();
    stdin.end("");
    const out = sink();
    const err = sink();
    const fixture = fileURLToPath(new URL("../../fixtures/roaming/event-publish-onion-pap-red.json", import.meta.url));
    const code = await runQueryCommand(
      {
        module: "syslog",
        data: fixture,
        params: ["host=127.0.0.1", `port=${udp.port}`, "transport=udp", "format=cef", "event_per_attribute=true"],
      },
      { stdin, stdout: out.stream, stderr: err.stream },
    );
    expect(err.text()).toBe("");
    expect(code).toBe(0);
    await udp.waitFor(event("event-publish-onion-pap-red")._AttributeFlattened.length);
    expect(udp.errors).toEqual([]);
  });
});
