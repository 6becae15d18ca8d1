// Proxy selection (configuration over environment, NO_PROXY) and requests through a
// real CONNECT proxy on 127.0.0.1, including what the egress guard checks then.

import net from "node:net";
import type { TLSSocket } from "node:tls";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHttpClient, type HttpError, type HttpClientOptions, type ServerHttpClient } from "../../../src/services/http/index.js";
import { parseNoProxy, proxyFor, proxySettings } from "../../../src/services/http/proxy.js";
import {
  failure,
  fakeDns,
  makeCertificates,
  startConnectProxy,
  startHttpServer,
  startHttpsServer,
  type TestCertificates,
  type TestProxy,
  type TestServer,
} from "./helpers.js";

describe("proxy selection", () => {
  const env = {
    http_proxy: "http://lower:1",
    HTTP_PROXY: "http://upper:2",
    HTTPS_PROXY: "http://secure:3",
    NO_PROXY: "internal.example,10.0.0.0/8",
  };

  it("reads the environment, lower case first", () => {
    const s = proxySettings({ env });
    expect(s.http).toBe("http://lower:1");
    expect(s.https).toBe("http://secure:3");
    expect(proxyFor(new URL("http://a.example/"), s)).toBe("http://lower:1");
    expect(proxyFor(new URL("https://a.example/"), s)).toBe("http://secure:3");
    expect(proxyFor(new URL("https://x.internal.example/"), s)).toBeUndefined();
    expect(proxyFor(new URL("http://10.1.2.3/"), s)).toBeUndefined();
    expect(proxyFor(new URL("http://11.1.2.3/"), s)).toBe("http://lower:1");
  });

  it("lets configuration override the environment", () => {
    const s = proxySettings({ env, proxy: "http://configured:8080", noProxy: "" });
    expect(proxyFor(new URL("https://x.internal.example/"), s)).toBe("http://configured:8080");
    const none = proxySettings({ env, proxy: "" });
    expect(proxyFor(new URL("http://a.example/"), none)).toBeUndefined();
  });

  it("has no proxy without configuration or environment", () => {
    expect(proxyFor(new URL("http://a.example/"), proxySettings({ env: {} }))).toBeUndefined();
  });

  it("matches NO_PROXY entries like curl", () => {
    const s = { http: "http://p:1", https: "http://p:1", noProxy: parseNoProxy(".corp.example, *.lan host.test:8080 [::1] fd00::/8") };
    expect(proxyFor(new URL("http://corp.example/"), s)).toBeUndefined();
    expect(proxyFor(new URL("http://a.b.corp.example/"), s)).toBeUndefined();
    expect(proxyFor(new URL("http://notcorp.example/"), s)).toBe("http://p:1");
    expect(proxyFor(new URL("http://printer.lan/"), s)).toBeUndefined();
    expect(proxyFor(new URL("http://host.test:8080/"), s)).toBeUndefined();
    expect(proxyFor(new URL("http://host.test:9090/"), s)).toBe("http://p:1");
    expect(proxyFor(new URL("http://[::1]:5/"), s)).toBeUndefined();
    expect(proxyFor(new URL("http://[fd00::5]/"), s)).toBeUndefined();
    expect(proxyFor(new URL("http://a.example/"), { ...s, noProxy: parseNoProxy("*") })).toBeUndefined();
  });

  it("rejects unusable proxy URLs at start-up", () => {
    expect(() => proxySettings({ proxy: "socks5://p:1080" })).toThrow(/not supported/);
    expect(() => proxySettings({ proxy: "not a url" })).toThrow(/not a valid URL/);
  });
});

describe("requests through a CONNECT proxy", () => {
  let proxy: TestProxy;
  let server: TestServer;
  let tlsServer: TestServer;
  let certs: TestCertificates;
  let closedPort: number;
  const clients: ServerHttpClient[] = [];
  // Our resolver knows only evil.test; the proxy (which sends everything to 127.0.0.1)
  // "resolves" all other names, as a real egress proxy would.
  const dns = fakeDns({ "evil.test": ["127.0.0.1"] });
  const base: HttpClientOptions = { timeoutMs: 3000, userAgent: "proxy-test/1", maxResponseBytes: 10_000, lookup: dns, env: {} };

  function newClient(extra: Partial<HttpClientOptions>): ServerHttpClient {
    const c = createHttpClient({ ...base, ...extra });
    clients.push(c);
    return c;
  }

  beforeAll(async () => {
    certs = makeCertificates();
    proxy = await startConnectProxy();
    server = await startHttpServer((req, res) => res.end(`plain ${req.headers.host}`));
    tlsServer = await startHttpsServer(certs, (req, res) => res.end(`tls ${(req.socket as TLSSocket).servername}`));
    const probe = net.createServer();
    await new Promise<void>((r) => probe.listen(0, "127.0.0.1", r));
    closedPort = (probe.address() as net.AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
  });

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await proxy.close();
    await server.close();
    await tlsServer.close();
    certs.cleanup();
  });

  it("sends http requests to the configured proxy in absolute form (no CONNECT)", async () => {
    const before = proxy.tunnels.length;
    const res = await newClient({ proxy: proxy.url }).request(server.url("/"));
    expect(res.body).toBe(`plain 127.0.0.1:${server.port}`);
    expect(proxy.forwarded).toContain(`127.0.0.1:${server.port}`);
    expect(proxy.tunnels.length).toBe(before);
  });

  it("takes the proxy from the environment", async () => {
    const before = proxy.forwarded.length;
    const res = await newClient({ env: { HTTP_PROXY: proxy.url } }).request(server.url("/"));
    expect(res.status).toBe(200);
    expect(proxy.forwarded.length).toBe(before + 1);
  });

  it("sends proxy credentials to the proxy but never shows them", async () => {
    const withAuth = `http://agent:pr0xyPass@127.0.0.1:${proxy.port}`;
    const res = await newClient({ proxy: withAuth }).request(server.url("/"));
    expect(res.status).toBe(200);
    expect(proxy.auth.at(-1)).toBe(`Basic ${Buffer.from("agent:pr0xyPass").toString("base64")}`);
    const dead = newClient({ proxy: `http://agent:pr0xyPass@127.0.0.1:${closedPort}`, retryMaxAttempts: 1 });
    const e = await failure(dead.request(server.url("/")));
    expect(e.kind).toBe("network");
    expect(e.message).toContain("via proxy");
    expect(e.message).not.toContain("pr0xyPass");
  });

  it("bypasses the proxy for NO_PROXY hosts", async () => {
    const before = { forwarded: proxy.forwarded.length, conns: proxy.connections };
    const res = await newClient({ proxy: proxy.url, noProxy: "127.0.0.1" }).request(server.url("/"));
    expect(res.status).toBe(200);
    expect(proxy.forwarded.length).toBe(before.forwarded);
    expect(proxy.connections).toBe(before.conns);
  });

  it("tunnels https with CONNECT; names it cannot resolve are left to the proxy, TLS checked end to end", async () => {
    const c = newClient({ proxy: proxy.url, caFile: certs.caFile, egress: { denyPrivate: true } });
    const res = await c.request(`https://test.internal:${tlsServer.port}/`);
    expect(res.body).toBe("tls test.internal");
    expect(proxy.tunnels).toContain(`test.internal:${tlsServer.port}`);
  });

  it("does not wait long for a local resolver that never answers", async () => {
    const c = newClient({ proxy: proxy.url, lookup: () => new Promise(() => undefined) });
    const started = Date.now();
    const res = await c.request(`http://slow-dns.test:${server.port}/`);
    expect(res.body).toBe(`plain slow-dns.test:${server.port}`);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it("refuses internal IP literals before contacting the proxy", async () => {
    const c = newClient({ proxy: proxy.url, egress: { denyPrivate: true } });
    const before = proxy.connections;
    for (const url of ["http://169.254.169.254/", "http://[::ffff:a9fe:a9fe]/", `http://0x7f.1:${server.port}/`, "http://10.0.0.1/"]) {
      const e = await failure(c.request(url));
      expect(e.kind).toBe("egress");
    }
    expect(proxy.connections).toBe(before);
  });

  it("refuses names that resolve inside locally, before contacting the proxy", async () => {
    const c = newClient({ proxy: proxy.url, egress: { denyPrivate: true } });
    const before = proxy.connections;
    const e = await c.request(`http://evil.test:${server.port}/`).then(
      () => {
        throw new Error("expected a failure");
      },
      (err: unknown) => err as HttpError,
    );
    expect(e.kind).toBe("egress");
    expect(proxy.connections).toBe(before);
  });
});

describe("proxy refusals", () => {
  it("reports a 407 from the proxy for http and https targets", async () => {
    const http = await import("node:http");
    const refusing = http.createServer((_req, res) => {
      res.statusCode = 407;
      res.end();
    });
    refusing.on("connect", (_req, socket: net.Socket) => socket.end("HTTP/1.1 407 Proxy Authentication Required\r\n\r\n"));
    await new Promise<void>((r) => refusing.listen(0, "127.0.0.1", r));
    const port = (refusing.address() as net.AddressInfo).port;
    const c = createHttpClient({
      timeoutMs: 2000,
      userAgent: "t",
      maxResponseBytes: 100,
      proxy: `http://127.0.0.1:${port}`,
      retryMaxAttempts: 1,
    });
    try {
      for (const url of ["http://198.51.100.1/", "https://198.51.100.1/"]) {
        const e = await failure(c.request(url));
        expect(e.kind).toBe("network");
        expect(e.message).toMatch(/refused by the proxy \(HTTP 407/);
      }
    } finally {
      await c.close();
      await new Promise<void>((r) => refusing.close(() => r()));
    }
  });
});
