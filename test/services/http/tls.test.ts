// TLS: verification on by default, off per request, extra CA from configuration or per
// request, and SNI/certificate checks against the host name while the socket goes to
// the address the egress guard checked.

import { rootCertificates, type TLSSocket } from "node:tls";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHttpClient, type HttpClientOptions, type ServerHttpClient } from "../../../src/services/http/index.js";
import { tlsConnectOptions } from "../../../src/services/http/dispatchers.js";
import { failure, fakeDns, makeCertificates, startHttpsServer, type TestCertificates, type TestServer } from "./helpers.js";

let certs: TestCertificates;
let server: TestServer;
const dns = fakeDns({ "test.internal": ["127.0.0.1"], "wrong-name.test": ["127.0.0.1"] });
const base: HttpClientOptions = {
  timeoutMs: 3000,
  userAgent: "tls-test/1",
  maxResponseBytes: 10_000,
  proxy: "",
  lookup: dns,
  retryMaxAttempts: 1,
};
const clients: ServerHttpClient[] = [];

function newClient(extra: Partial<HttpClientOptions> = {}): ServerHttpClient {
  const c = createHttpClient({ ...base, ...extra });
  clients.push(c);
  return c;
}

beforeAll(async () => {
  certs = makeCertificates();
  server = await startHttpsServer(certs, (req, res) => {
    res.end(JSON.stringify({ servername: (req.socket as TLSSocket).servername ?? null, host: req.headers.host }));
  });
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await server.close();
  certs.cleanup();
});

describe("TLS", () => {
  it("verifies certificates by default", async () => {
    const e = await failure(newClient().request(server.url("/")));
    expect(e.kind).toBe("tls");
    expect(e.message).toContain(`127.0.0.1:${server.port}`);
    expect(e.message).toMatch(/issuer is not trusted/);
  });

  it("can skip verification per request, without affecting other requests", async () => {
    const c = newClient();
    const res = await c.request(server.url("/"), { verifyTls: false });
    expect(res.status).toBe(200);
    // The unverified pool is separate: a default request to the same origin still checks.
    const e = await failure(c.request(server.url("/")));
    expect(e.kind).toBe("tls");
  });

  it("trusts a CA bundle file from configuration", async () => {
    const res = await newClient({ caFile: certs.caFile }).request(server.url("/"));
    expect(res.status).toBe(200);
  });

  it("trusts a CA given per request, and only that CA", async () => {
    const c = newClient();
    expect((await c.request(server.url("/"), { ca: certs.caCert })).status).toBe(200);
    const e = await failure(c.request(server.url("/"), { ca: certs.otherCaCert }));
    expect(e.kind).toBe("tls");
  });

  it("keeps the public roots when a CA is added", () => {
    const options = tlsConnectOptions({ verify: true, ca: certs.otherCaCert }, certs.caCert, 1000);
    expect(options.ca).toEqual([...rootCertificates, certs.caCert, certs.otherCaCert]);
    expect(rootCertificates.length).toBeGreaterThan(50);
    // Without extra CAs Node's defaults (incl. NODE_EXTRA_CA_CERTS) stay untouched.
    expect(tlsConnectOptions({ verify: false }, undefined, 1000)).toEqual({ rejectUnauthorized: false, timeout: 1000 });
  });

  it("connects to the checked address but verifies and sends SNI for the host name", async () => {
    const c = newClient({ caFile: certs.caFile });
    const queriesBefore = dns.queries.length;
    const res = await c.request(`https://test.internal:${server.port}/`);
    expect(res.json()).toEqual({ servername: "test.internal", host: `test.internal:${server.port}` });
    // One DNS query for one new connection: nothing re-resolves between check and connect.
    expect(dns.queries.length - queriesBefore).toBe(1);
  });

  it("rejects a certificate that does not match the host name", async () => {
    const e = await failure(newClient({ caFile: certs.caFile }).request(`https://wrong-name.test:${server.port}/`));
    expect(e.kind).toBe("tls");
    expect(e.message).toMatch(/does not match the host name/);
  });

  it("still applies the egress guard to https", async () => {
    const c = newClient({ caFile: certs.caFile, egress: { denyPrivate: true } });
    const before = server.connections;
    const e = await failure(c.request(`https://test.internal:${server.port}/`));
    expect(e.kind).toBe("egress");
    expect(server.connections).toBe(before);
  });
});
