import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSocket } from "node:dgram";
import { startTestApp, type TestApp } from "../helpers/app.js";
import { startDnsServer, type TestDnsServer } from "../helpers/dns-server.js";
import { simplifiedInteractive } from "../modules/expansion/misp-requests.js";

// Issue 19, finding 9: `config.nameserver` comes from the request, so the dns module must apply
// the server's egress policy to nameservers as it does to HTTP requests.

let dns: TestDnsServer;
let open: TestApp;
let strict: TestApp;
let strictAllowed: TestApp;

beforeAll(async () => {
  dns = await startDnsServer({ "www.example.test": { A: ["192.0.2.10"] } });
  open = await startTestApp();
  strict = await startTestApp({ http: { denyPrivate: true }, modules: { dns: { nameserver: "127.0.0.1:9" } } });
  strictAllowed = await startTestApp({ http: { denyPrivate: true, allow: ["127.0.0.1/32"] } });
}, 60_000);
afterAll(async () => {
  await Promise.all([open?.close(), strict?.close(), strictAllowed?.close()]);
  await dns?.close();
});

const ask = (t: TestApp, nameserver: string) => t.query(simplifiedInteractive("dns", "hostname", "www.example.test", { nameserver }));

describe("nameservers pass the egress policy", () => {
  it.each([
    ["0.0.0.0", /'this network' address/],
    ["0.0.0.0:5353", /'this network' address/],
    ["169.254.169.254", /link-local \/ cloud metadata/],
    ["224.0.0.251:5353", /multicast/],
    ["::", /unspecified address/],
    ["[::ffff:169.254.169.254]:53", /link-local \/ cloud metadata/],
    ["255.255.255.255", /broadcast/],
  ])("always refused, whatever the settings: %s", async (nameserver, why) => {
    const r = await ask(open, nameserver);
    expect(r.status).toBe(200);
    expect(r.body.results).toEqual([]);
    expect(r.body.error).toMatch(/^nameserver .+ refused: egress denied for /);
    expect(r.body.error).toMatch(why);
  });

  it("default policy: a loopback nameserver (the stand-in) is used", async () => {
    const before = dns.queries.length;
    const r = await ask(open, dns.address);
    expect(r.body).toEqual({ results: [{ types: ["ip-src", "ip-dst"], values: ["192.0.2.10"] }] });
    expect(dns.queries.length).toBeGreaterThan(before);
  });

  it("denyPrivate: a loopback nameserver is refused and receives nothing", async () => {
    const before = dns.queries.length;
    const r = await ask(strict, dns.address);
    expect(r.status).toBe(200);
    expect(r.body.error).toBe(
      `nameserver ${dns.address} refused: egress denied for 127.0.0.1:${dns.port}: a loopback address (127.0.0.0/8); private addresses are not allowed`,
    );
    await new Promise((res) => setTimeout(res, 100));
    expect(dns.queries.length).toBe(before);
  });

  it("denyPrivate: one refused server in a list refuses the whole list (nothing sent)", async () => {
    const before = dns.queries.length;
    const r = await ask(strict, `192.0.2.53, ${dns.address}`);
    expect(r.body.error).toMatch(/refused: egress denied .*private addresses are not allowed/);
    expect(dns.queries.length).toBe(before);
  });

  it("denyPrivate with the address allow-listed: the nameserver is used", async () => {
    const r = await ask(strictAllowed, dns.address);
    expect(r.body).toEqual({ results: [{ types: ["ip-src", "ip-dst"], values: ["192.0.2.10"] }] });
  });

  it("a nameserver set in the server's settings is checked too", async () => {
    const r = await strict.query(simplifiedInteractive("dns", "hostname", "www.example.test", { nameserver: null }));
    expect(r.body.error).toMatch(/^nameserver 127\.0\.0\.1:9 refused: egress denied/);
  });

  it("no UDP datagram leaves for a refused 0.0.0.0 server (a listener on the wildcard address sees none)", async () => {
    // A query to 0.0.0.0:<port> is delivered to a local socket bound to that port.
    const sock = createSocket("udp4");
    let received = 0;
    sock.on("message", () => received++);
    await new Promise<void>((res) => sock.bind(0, "127.0.0.1", () => res()));
    const port = sock.address().port;
    try {
      const r = await ask(open, `0.0.0.0:${port}`);
      expect(r.body.error).toMatch(/refused/);
      await new Promise((res) => setTimeout(res, 200));
      expect(received).toBe(0);
    } finally {
      sock.close();
    }
  });
});
