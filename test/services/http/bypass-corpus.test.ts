// SSRF bypass corpus: every entry must be refused with HttpError kind "egress" before
// any connection reaches the internal test server. The client denies private ranges and
// allow-lists only "allowed.test" (which the fake DNS points at 127.0.0.1, so redirects
// from an allowed host can be exercised).

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHttpClient, HttpError, type ServerHttpClient } from "../../../src/services/http/index.js";
import { fakeDns, startHttpServer, type TestServer } from "./helpers.js";

let internal: TestServer; // must never be reached by a refused request
let redirector: TestServer; // reached legitimately through allowed.test
let strict: ServerHttpClient;
let permissive: ServerHttpClient;

const dns = fakeDns({
  "allowed.test": ["127.0.0.1"],
  "evil.test": ["127.0.0.1"],
  "mixed.test": ["203.0.113.10", "127.0.0.1"],
  "mapped.test": ["::ffff:127.0.0.1"],
  localhost: ["127.0.0.1", "::1"],
  "127.0.0.1.nip.test": ["127.0.0.1"],
  "metadata.test": ["169.254.169.254"],
  "nat64.test": ["64:ff9b::a9fe:a9fe"],
  "octal-answer.test": ["0177.0.0.1"],
  "private.test": ["10.1.2.3"],
});

beforeAll(async () => {
  internal = await startHttpServer((_req, res) => res.end("internal secret"));
  redirector = await startHttpServer((req, res) => {
    const to = new URL(req.url ?? "/", "http://x").searchParams.get("u");
    res.statusCode = 302;
    res.setHeader("location", (to ?? "/").replaceAll("PORT", String(internal.port)));
    res.end();
  });
  const base = { timeoutMs: 2000, userAgent: "corpus/1", maxResponseBytes: 4096, lookup: dns, proxy: "" };
  strict = createHttpClient({ ...base, egress: { denyPrivate: true, allow: ["allowed.test"] } });
  permissive = createHttpClient(base);
});

afterAll(async () => {
  await strict.close();
  await permissive.close();
  await internal.close();
  await redirector.close();
});

// `reachable`: with private ranges allowed, the same URL really reaches the internal
// server — proof that the refusal is the guard's doing, not an unreachable address.
const direct: { name: string; url: string; reachable?: boolean }[] = [
  { name: "plain loopback", url: "http://127.0.0.1:PORT/", reachable: true },
  { name: "decimal integer", url: "http://2130706433:PORT/", reachable: true },
  { name: "octal dotted", url: "http://0177.0.0.1:PORT/", reachable: true },
  { name: "hex first octet", url: "http://0x7f.0.0.1:PORT/", reachable: true },
  { name: "hex integer", url: "http://0x7f000001:PORT/", reachable: true },
  { name: "hex short form", url: "http://0x7f.1:PORT/", reachable: true },
  { name: "two-part short form", url: "http://127.1:PORT/", reachable: true },
  { name: "three-part short form", url: "http://127.0.1:PORT/", reachable: true },
  { name: "octal integer", url: "http://017700000001:PORT/", reachable: true },
  { name: "octal short form", url: "http://0177.1:PORT/", reachable: true },
  { name: "zero-padded octets", url: "http://127.000.000.001:PORT/", reachable: true },
  { name: "mixed hex/octal/decimal", url: "http://0x7f.00.0.1:PORT/", reachable: true },
  { name: "trailing dot", url: "http://127.0.0.1.:PORT/", reachable: true },
  { name: "percent-encoded dot", url: "http://127.0.0.1%2e:PORT/", reachable: true },
  { name: "full-width digits (IDNA)", url: "http://１２７.０.０.１:PORT/", reachable: true },
  { name: "userinfo pretending to be the host", url: "http://allowed.test@127.0.0.1:PORT/", reachable: true },
  { name: "IPv6 loopback", url: "http://[::1]:PORT/" },
  { name: "IPv4-mapped IPv6 (dotted)", url: "http://[::ffff:127.0.0.1]:PORT/", reachable: true },
  { name: "IPv4-mapped IPv6 (hex)", url: "http://[::ffff:7f00:1]:PORT/", reachable: true },
  { name: "IPv4-mapped IPv6 (expanded)", url: "http://[0:0:0:0:0:ffff:7f00:1]:PORT/", reachable: true },
  { name: "IPv4-compatible IPv6", url: "http://[::127.0.0.1]:PORT/" },
  { name: "NAT64 prefix embedding loopback", url: "http://[64:ff9b::7f00:1]:PORT/" },
  { name: "0.0.0.0 (reaches local services on Linux)", url: "http://0.0.0.0:PORT/" },
  { name: "bare 0", url: "http://0:PORT/" },
  { name: "IPv6 unspecified", url: "http://[::]:PORT/" },
  { name: "DNS answer: loopback", url: "http://evil.test:PORT/", reachable: true },
  { name: "DNS answer: public + loopback mix", url: "http://mixed.test:PORT/" },
  { name: "DNS answer: IPv4-mapped loopback", url: "http://mapped.test:PORT/", reachable: true },
  { name: "DNS answer: localhost", url: "http://localhost:PORT/", reachable: true },
  { name: "DNS answer: name that looks like an IP", url: "http://127.0.0.1.nip.test:PORT/", reachable: true },
  { name: "DNS answer: non-canonical octal address", url: "http://octal-answer.test:PORT/", reachable: true },
  { name: "DNS answer: private 10/8", url: "http://private.test:PORT/" },
  { name: "DNS answer: cloud metadata", url: "http://metadata.test/latest/meta-data/" },
  { name: "DNS answer: NAT64-embedded metadata", url: "http://nat64.test/" },
  { name: "metadata address", url: "http://169.254.169.254/latest/meta-data/" },
  { name: "metadata as decimal", url: "http://2852039166/" },
  { name: "metadata as hex octets", url: "http://0xa9.0xfe.0xa9.0xfe/" },
  { name: "metadata as octal octets", url: "http://0251.0376.0251.0376/" },
  { name: "metadata as hex integer", url: "http://0xa9fea9fe/" },
  { name: "metadata over https", url: "https://169.254.169.254/" },
  { name: "AWS IPv6 metadata", url: "http://[fd00:ec2::254]/" },
  { name: "IPv6 link-local", url: "http://[fe80::1]/" },
  { name: "IPv4-mapped metadata (dotted)", url: "http://[::ffff:169.254.169.254]/" },
  { name: "IPv4-mapped metadata (hex)", url: "http://[::ffff:a9fe:a9fe]/" },
  { name: "6to4 embedding metadata", url: "http://[2002:a9fe:a9fe::1]/" },
  { name: "Alibaba metadata", url: "http://100.100.100.200/" },
  { name: "multicast", url: "http://224.0.0.1/" },
  { name: "broadcast", url: "http://255.255.255.255/" },
  { name: "IPv6 multicast", url: "http://[ff02::1]/" },
  { name: "RFC 1918 10/8", url: "http://10.0.0.1/" },
  { name: "RFC 1918 172.16/12", url: "http://172.16.0.1/" },
  { name: "RFC 1918 192.168/16", url: "http://192.168.1.1/" },
  { name: "IPv6 unique local", url: "http://[fd12:3456::1]/" },
];

const viaRedirect: { name: string; location: string }[] = [
  { name: "redirect to loopback", location: "http://127.0.0.1:PORT/" },
  { name: "redirect to decimal loopback", location: "http://2130706433:PORT/" },
  { name: "redirect to IPv4-mapped loopback", location: "http://[::ffff:7f00:1]:PORT/" },
  { name: "redirect to a name resolving inside", location: "http://evil.test:PORT/" },
  { name: "redirect to metadata", location: "http://169.254.169.254/latest/meta-data/" },
  { name: "redirect to 0.0.0.0", location: "http://0.0.0.0:PORT/" },
];

function fill(url: string): string {
  return url.replaceAll("PORT", String(internal.port));
}

async function expectEgressRefusal(promise: Promise<unknown>): Promise<HttpError> {
  const err = await promise.then(
    () => {
      throw new Error("request was not refused");
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(HttpError);
  expect((err as HttpError).kind).toBe("egress");
  return err as HttpError;
}

describe("egress guard bypass corpus", () => {
  it("has at least 30 cases", () => {
    expect(direct.length + viaRedirect.length).toBeGreaterThanOrEqual(30);
  });

  it.each(direct)("refuses $name ($url)", async ({ url }) => {
    const before = internal.connections;
    const err = await expectEgressRefusal(strict.request(fill(url)));
    expect(err.message).toMatch(/^egress denied for /);
    expect(internal.connections).toBe(before);
  });

  it.each(viaRedirect)("refuses $name after a redirect from an allowed host", async ({ location }) => {
    const before = { internal: internal.connections, redirector: redirector.requests.length };
    const start = `http://allowed.test:${redirector.port}/to?u=${encodeURIComponent(location)}`;
    await expectEgressRefusal(strict.request(start));
    expect(redirector.requests.length).toBe(before.redirector + 1); // the allowed hop happened
    expect(internal.connections).toBe(before.internal); // the refused hop did not
  });

  it("refuses an internal target at the second redirect hop", async () => {
    const before = internal.connections;
    const inner = `http://allowed.test:${redirector.port}/to?u=${encodeURIComponent("http://127.1:PORT/")}`;
    const start = `http://allowed.test:${redirector.port}/to?u=${encodeURIComponent(inner)}`;
    await expectEgressRefusal(strict.request(start));
    expect(internal.connections).toBe(before);
  });

  it("refuses the same forms through resolveAllowed (SMTP path)", async () => {
    for (const host of [
      "2130706433",
      "0x7f.1",
      "127.1",
      "0177.0.0.1",
      "::ffff:127.0.0.1",
      "[::1]",
      "evil.test",
      "localhost",
      "0.0.0.0",
      "169.254.169.254",
      "0xa9fea9fe",
    ]) {
      await expectEgressRefusal(strict.resolveAllowed(host, 25));
    }
  });
});

describe("the corpus is meaningful", () => {
  it.each(direct.filter((c) => c.reachable))("$name reaches the internal server when private ranges are allowed", async ({ url }) => {
    const before = internal.connections + internal.requests.length;
    const res = await permissive.request(fill(url), { headers: { connection: "close" } });
    expect(res.status).toBe(200);
    expect(res.body).toBe("internal secret");
    expect(internal.connections + internal.requests.length).toBeGreaterThan(before);
  });

  it("an allow-listed host may use a private address", async () => {
    const res = await strict.request(`http://allowed.test:${internal.port}/`);
    expect(res.body).toBe("internal secret");
  });

  it("always-denied ranges stay denied even for an allow-listed CIDR", async () => {
    const client = createHttpClient({
      timeoutMs: 2000,
      userAgent: "corpus/1",
      maxResponseBytes: 4096,
      lookup: dns,
      proxy: "",
      egress: { denyPrivate: true, allow: ["169.254.0.0/16", "0.0.0.0/0", "metadata.test"] },
    });
    try {
      await expectEgressRefusal(client.request("http://169.254.169.254/"));
      await expectEgressRefusal(client.request("http://metadata.test/"));
      await expectEgressRefusal(client.request(`http://0.0.0.0:${internal.port}/`));
    } finally {
      await client.close();
    }
  });
});
