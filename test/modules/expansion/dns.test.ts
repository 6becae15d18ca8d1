import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, type TestApp } from "../../helpers/app.js";
import { startDnsServer, type TestDnsServer } from "../../helpers/dns-server.js";
import { SimplifiedReplySchema } from "../../../src/modules/shared/misp-format/index.js";
import { simplifiedAttach, simplifiedHover, simplifiedInteractive } from "./misp-requests.js";

let dns: TestDnsServer;
let t: TestApp;
let withServerSettings: TestApp;

beforeAll(async () => {
  dns = await startDnsServer({
    "www.example.test": { A: ["192.0.2.10", "192.0.2.11"], AAAA: ["2001:db8::10"] },
    "mail.example.test": { A: ["192.0.2.25"] },
    "v6only.example.test": { AAAA: ["2001:db8::20"] },
    "servfail.example.test": { rcode: 2 },
    "hang.example.test": { drop: true },
    "short.example.test": { A: ["192.0.2.30"], ttl: 1 },
    "cached.example.test": { A: ["192.0.2.40"] },
  });
  t = await startTestApp();
  withServerSettings = await startTestApp({ modules: { dns: { nameserver: dns.address, aaaa: "true" } } });
}, 120_000);
afterAll(async () => {
  await t?.close();
  await withServerSettings?.close();
  await dns?.close();
});

const cfg = () => ({ nameserver: dns.address });
const queriesFor = (name: string) => dns.queries.filter((q) => q.name === name);

describe("dns: answers", () => {
  it("interactive: every A record, as ip-src/ip-dst, in answer order", async () => {
    const r = await t.query(simplifiedInteractive("dns", "hostname", "www.example.test", cfg()));
    expect(r).toEqual({ status: 200, body: { results: [{ types: ["ip-src", "ip-dst"], values: ["192.0.2.10", "192.0.2.11"] }] } });
    SimplifiedReplySchema.parse(r.body);
    expect(queriesFor("www.example.test").map((q) => q.type)).toEqual(["A"]);
  });

  it("domain and domain|ip keys, hover form, trailing dot and case", async () => {
    const expected = { results: [{ types: ["ip-src", "ip-dst"], values: ["192.0.2.25"] }] };
    expect((await t.query(simplifiedInteractive("dns", "domain", "MAIL.example.test.", cfg()))).body).toEqual(expected);
    expect((await t.query(simplifiedHover("dns", "domain|ip", "mail.example.test|192.0.2.1", cfg()))).body).toEqual(expected);
  });

  it("Attach enrichment's placeholder config: nameserver from the server setting; aaaa adds IPv6 addresses", async () => {
    const r = await withServerSettings.query(simplifiedAttach("dns", "hostname", "www.example.test"));
    expect(r.body).toEqual({ results: [{ types: ["ip-src", "ip-dst"], values: ["192.0.2.10", "192.0.2.11", "2001:db8::10"] }] });
    const v6 = await withServerSettings.query(simplifiedHover("dns", "hostname", "v6only.example.test", { nameserver: null }));
    expect(v6.body).toEqual({ results: [{ types: ["ip-src", "ip-dst"], values: ["2001:db8::20"] }] });
  });

  it("caches answers for at most the record TTL", async () => {
    await t.query(simplifiedHover("dns", "hostname", "cached.example.test", cfg()));
    await t.query(simplifiedHover("dns", "hostname", "cached.example.test", cfg()));
    expect(queriesFor("cached.example.test")).toHaveLength(1);
    await t.query(simplifiedHover("dns", "hostname", "short.example.test", cfg()));
    await new Promise((r) => setTimeout(r, 1100));
    const again = await t.query(simplifiedHover("dns", "hostname", "short.example.test", cfg()));
    expect(again.body).toEqual({ results: [{ types: ["ip-src", "ip-dst"], values: ["192.0.2.30"] }] });
    expect(queriesFor("short.example.test")).toHaveLength(2);
  });
});

describe("dns: errors reply {error, results: []}", () => {
  const ask = async (name: string) => (await t.query(simplifiedInteractive("dns", "hostname", name, cfg()))).body;

  it("NXDOMAIN, no A record, SERVFAIL", async () => {
    expect(await ask("nope.example.test")).toEqual({ error: "NXDOMAIN", results: [] });
    expect(await ask("v6only.example.test")).toEqual({ error: "No A record", results: [] });
    expect(await ask("servfail.example.test")).toEqual({ error: "DNS resolving error ESERVFAIL", results: [] });
  });

  it("a nameserver that never answers: Timeout after about 2 s", async () => {
    const started = Date.now();
    expect(await ask("hang.example.test")).toEqual({ error: "Timeout", results: [] });
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(1900);
    expect(elapsed).toBeLessThan(4000);
  });

  it("no input, bad nameserver setting", async () => {
    expect((await t.query({ module: "dns", event_id: "42", config: { nameserver: null } })).body).toEqual({
      error: "No hostname or domain provided",
      results: [],
    });
    expect((await t.query(simplifiedInteractive("dns", "hostname", "www.example.test", { nameserver: "dns.example" }))).body).toEqual({
      error: 'nameserver must be a comma-separated list of IP addresses (optionally with :port), got "dns.example"',
      results: [],
    });
  });

  it("a comma-separated list falls back to the next nameserver", async () => {
    // 127.0.0.1:1 refuses (ICMP port unreachable); c-ares moves on to the working server.
    const r = await t.query(simplifiedInteractive("dns", "hostname", "www.example.test", { nameserver: `127.0.0.1:1, ${dns.address}` }));
    expect(r.body).toEqual({ results: [{ types: ["ip-src", "ip-dst"], values: ["192.0.2.10", "192.0.2.11"] }] });
  });
});
