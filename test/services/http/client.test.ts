// Behaviour of the HTTP client against real servers on 127.0.0.1: headers, bodies,
// caps, timeouts, aborts, retries, redirects, connection reuse and secret scrubbing.

import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  bindHttpClient,
  createHttpClient,
  HttpError,
  type HttpClientOptions,
  type ServerHttpClient,
} from "../../../src/services/http/index.js";
import { failure, fakeDns, startHttpServer, type TestServer } from "./helpers.js";

let server: TestServer;
let other: TestServer; // a second origin for cross-origin redirects
let client: ServerHttpClient;
let closedPort: number;
const hits = new Map<string, number>();

function hit(key: string): number {
  const n = (hits.get(key) ?? 0) + 1;
  hits.set(key, n);
  return n;
}

const base: HttpClientOptions = {
  timeoutMs: 2000,
  userAgent: "misp-modules-ts/test",
  maxResponseBytes: 1000,
  proxy: "",
  retryBaseDelayMs: 50,
};

beforeAll(async () => {
  server = await startHttpServer((req, res, body) => {
    const url = new URL(req.url ?? "/", "http://x");
    const q = (name: string) => url.searchParams.get(name) ?? "";
    switch (url.pathname) {
      case "/echo":
        res.setHeader("content-type", "application/json");
        res.end(JSON.stringify({ method: req.method, headers: req.headers, body }));
        return;
      case "/status":
        res.statusCode = Number(q("code"));
        res.end(`status ${q("code")}`);
        return;
      case "/big":
        res.end("x".repeat(10_000));
        return;
      case "/endless": {
        // Writes until the client goes away.
        const write = () => {
          if (res.destroyed) return;
          res.write("y".repeat(16_384), () => setImmediate(write));
        };
        write();
        return;
      }
      case "/hang":
        return; // never answers
      case "/slow-body":
        res.write("start");
        return; // body never ends
      case "/flaky": {
        // `fail` times with `code` (and Retry-After `ra` if set), then 200.
        const n = hit(q("key"));
        if (n <= Number(q("fail"))) {
          res.statusCode = Number(q("code"));
          if (q("ra")) res.setHeader("retry-after", q("ra"));
          res.end("try later");
          return;
        }
        res.end(`ok after ${n}`);
        return;
      }
      case "/reset":
        req.socket.destroy();
        return;
      case "/redirect": {
        const left = Number(q("n"));
        res.statusCode = Number(q("code") || "302");
        res.setHeader("location", left > 1 ? `/redirect?n=${left - 1}&code=${res.statusCode}` : q("to") || "/echo");
        res.end();
        return;
      }
      case "/json":
        res.end('{"a":1}');
        return;
      case "/not-json":
        res.end("<html>");
        return;
      default:
        res.statusCode = 404;
        res.end("not found");
    }
  });
  other = await startHttpServer((req, res) => res.end(JSON.stringify({ headers: req.headers, method: req.method })));
  client = createHttpClient(base);
  const probe = net.createServer();
  await new Promise<void>((r) => probe.listen(0, "127.0.0.1", r));
  closedPort = (probe.address() as net.AddressInfo).port;
  await new Promise<void>((r) => probe.close(() => r()));
});

afterAll(async () => {
  await client.close();
  await server.close();
  await other.close();
});

describe("requests and responses", () => {
  it("sends the User-Agent, JSON bodies and caller headers", async () => {
    const res = await client.request(server.url("/echo"), { method: "POST", json: { hello: "wörld" }, headers: { "X-Custom": "1" } });
    expect(res.status).toBe(200);
    expect(res.attempts).toBe(1);
    const echo = res.json<{ method: string; headers: Record<string, string>; body: string }>();
    expect(echo.method).toBe("POST");
    expect(echo.headers["user-agent"]).toBe("misp-modules-ts/test");
    expect(echo.headers["content-type"]).toBe("application/json");
    expect(echo.headers["x-custom"]).toBe("1");
    expect(JSON.parse(echo.body)).toEqual({ hello: "wörld" });
  });

  it("lets the caller override the content type", async () => {
    const res = await client.request(server.url("/echo"), {
      method: "PUT",
      json: [1],
      headers: { "Content-Type": "application/vnd.api+json" },
    });
    expect(res.json<{ headers: Record<string, string> }>().headers["content-type"]).toBe("application/vnd.api+json");
  });

  it("returns non-2xx statuses instead of throwing", async () => {
    const res = await client.request(server.url("/status?code=404"));
    expect(res.status).toBe(404);
    expect(res.statusText).toBe("Not Found");
    expect(res.body).toBe("status 404");
  });

  it("sends no body with GET and HEAD", async () => {
    const res = await client.request(server.url("/echo"), { body: "ignored" });
    expect(res.json<{ body: string }>().body).toBe("");
    const head = await client.request(server.url("/echo"), { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(head.body).toBe("");
  });

  it("turns URL credentials into Basic auth and keeps them off the wire", async () => {
    const res = await client.request(`http://alice:s%3Acret@127.0.0.1:${server.port}/echo`);
    expect(res.json<{ headers: Record<string, string> }>().headers.authorization).toBe(
      `Basic ${Buffer.from("alice:s:cret").toString("base64")}`,
    );
  });

  it("parses JSON and reports non-JSON as a parse error", async () => {
    expect((await client.request(server.url("/json"))).json()).toEqual({ a: 1 });
    const res = await client.request(server.url("/not-json"));
    expect(() => res.json()).toThrow(HttpError);
    try {
      res.json();
    } catch (e) {
      expect((e as HttpError).kind).toBe("parse");
    }
  });

  it("reuses the connection for consecutive requests", async () => {
    const c = createHttpClient(base);
    try {
      const before = server.connections;
      for (let i = 0; i < 10; i++) await c.request(server.url("/json"));
      // undici's pool may open a second socket while the first is being released.
      expect(server.connections - before).toBeLessThanOrEqual(2);
    } finally {
      await c.close();
    }
  });

  it("opens at most maxConnectionsPerOrigin connections to one origin; the rest queue and succeed", async () => {
    // The slow origin holds every response for 60 ms, so a burst would open a socket per request.
    let open = 0;
    let most = 0;
    const slow = await startHttpServer((_req, res) => setTimeout(() => res.end("ok"), 60));
    slow.onConnection = (socket) => {
      most = Math.max(most, ++open);
      socket.on("close", () => open--);
    };
    const c = createHttpClient({ ...base, maxConnectionsPerOrigin: 3 });
    const unlimited = createHttpClient({ ...base, maxConnectionsPerOrigin: 50 });
    try {
      const replies = await Promise.all(Array.from({ length: 12 }, () => c.request(slow.url("/"))));
      expect(replies.map((r) => r.status)).toEqual(Array(12).fill(200));
      expect(most).toBe(3);
      expect(slow.connections).toBe(3);
      // The same burst without a tight limit opens a connection per waiting request.
      await Promise.all(Array.from({ length: 12 }, () => unlimited.request(slow.url("/"))));
      expect(slow.connections - 3).toBeGreaterThan(3);
    } finally {
      await c.close();
      await unlimited.close();
      await slow.close();
    }
  });

  it("rejects invalid URLs and other schemes without echoing them", async () => {
    const bad = await failure(client.request("not a url token=abc123"));
    expect(bad.kind).toBe("invalid_url");
    expect(bad.message).not.toContain("abc123");
    const ftp = await failure(client.request("ftp://127.0.0.1/file"));
    expect(ftp.kind).toBe("invalid_url");
  });
});

describe("caller mistakes", () => {
  it("refuses header values with line breaks without sending anything", async () => {
    const before = server.requests.length;
    const e = await failure(client.request(server.url("/echo"), { headers: { "x-a": "1\r\nx-injected: 2" } }));
    expect(e.kind).toBe("network");
    expect(e.message).toBe(`request to 127.0.0.1:${server.port} not sent: invalid x-a header`);
    expect(e.attempts).toBe(1);
    expect(server.requests.length).toBe(before);
  });
});

describe("body cap", () => {
  it("cuts the body at the cap and says so", async () => {
    const res = await client.request(server.url("/big"));
    expect(res.body.length).toBe(1000);
    expect(res.truncated).toBe(true);
    const e = (() => {
      try {
        res.json();
      } catch (err) {
        return err as HttpError;
      }
    })();
    expect(e?.kind).toBe("too_large");
  });

  it("honours a per-request cap", async () => {
    const res = await client.request(server.url("/big"), { maxResponseBytes: 20_000 });
    expect(res.body.length).toBe(10_000);
    expect(res.truncated).toBe(false);
  });

  it("stops reading an endless body", async () => {
    const started = Date.now();
    const res = await client.request(server.url("/endless"), { maxResponseBytes: 100_000 });
    expect(res.body.length).toBe(100_000);
    expect(res.truncated).toBe(true);
    expect(Date.now() - started).toBeLessThan(1500);
  });
});

describe("timeouts and aborts", () => {
  it("times out a server that never answers", async () => {
    const started = Date.now();
    const e = await failure(client.request(server.url("/hang?token=hidden123"), { timeoutMs: 300 }));
    expect(e.kind).toBe("timeout");
    expect(e.message).toBe(`no response from 127.0.0.1:${server.port} within 300 ms`);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it("times out a body that never ends", async () => {
    const e = await failure(client.request(server.url("/slow-body"), { timeoutMs: 300 }));
    expect(e.kind).toBe("timeout");
  });

  it("aborts when the signal fires", async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const started = Date.now();
    const e = await failure(client.request(server.url("/hang"), { signal: controller.signal }));
    expect(e.kind).toBe("aborted");
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it("does not even connect with an already aborted signal", async () => {
    const before = server.connections;
    const e = await failure(client.request(`http://127.0.0.1:${server.port}/json`, { signal: AbortSignal.abort() }));
    expect(e.kind).toBe("aborted");
    expect(server.connections).toBe(before);
  });

  it("binds the request deadline through bindHttpClient", async () => {
    const bound = bindHttpClient(client, { signal: AbortSignal.timeout(150), timeoutMs: 5000 });
    const e = await failure(bound.request(server.url("/hang")));
    expect(e.kind).toBe("aborted");
    expect(typeof bound.resolveAllowed).toBe("function");
  });
});

describe("retries", () => {
  it("retries 429 honouring Retry-After and counts the attempts", async () => {
    const started = Date.now();
    const res = await client.request(server.url("/flaky?key=r429&fail=1&code=429&ra=1"));
    expect(res.status).toBe(200);
    expect(res.body).toBe("ok after 2");
    expect(res.attempts).toBe(2);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
  });

  it("returns the 429 at once when Retry-After exceeds the wait ceiling", async () => {
    const started = Date.now();
    const res = await client.request(server.url("/flaky?key=r429long&fail=5&code=429&ra=60"));
    expect(res.status).toBe(429);
    expect(res.headers["retry-after"]).toBe("60");
    expect(res.attempts).toBe(1);
    expect(Date.now() - started).toBeLessThan(500);
  });

  it("does not retry when the wait would pass the deadline", async () => {
    const res = await client.request(server.url("/flaky?key=r429deadline&fail=5&code=429&ra=1"), { deadline: Date.now() + 800 });
    expect(res.status).toBe(429);
    expect(res.attempts).toBe(1);
  });

  it("retries 503 with back-off and gives the last response when attempts run out", async () => {
    const ok = await client.request(server.url("/flaky?key=r503&fail=2&code=503"));
    expect(ok.status).toBe(200);
    expect(ok.attempts).toBe(3);
    const exhausted = await client.request(server.url("/flaky?key=r503x&fail=9&code=503"));
    expect(exhausted.status).toBe(503);
    expect(exhausted.attempts).toBe(3);
    expect(hits.get("r503x")).toBe(3);
  });

  it("does not retry POST by default", async () => {
    const res = await client.request(server.url("/flaky?key=post&fail=1&code=503"), { method: "POST", json: {} });
    expect(res.status).toBe(503);
    expect(res.attempts).toBe(1);
    expect(hits.get("post")).toBe(1);
  });

  it("retries POST when the caller says it is safe", async () => {
    const res = await client.request(server.url("/flaky?key=post-ok&fail=1&code=503"), { method: "POST", json: {}, retry: true });
    expect(res.status).toBe(200);
    expect(res.attempts).toBe(2);
  });

  it("does not retry other statuses", async () => {
    const res = await client.request(server.url("/flaky?key=r500&fail=1&code=500"));
    expect(res.status).toBe(500);
    expect(res.attempts).toBe(1);
  });

  it("retries a refused connection and says how many attempts were made", async () => {
    const e = await failure(client.request(`http://127.0.0.1:${closedPort}/x`));
    expect(e.kind).toBe("network");
    expect(e.attempts).toBe(3);
    expect(e.message).toBe(`connection refused (127.0.0.1:${closedPort}) after 3 attempts`);
  });

  it("retries a connection reset (GET) but not for POST", async () => {
    const get = await failure(client.request(server.url("/reset")));
    expect(get.kind).toBe("network");
    expect(get.attempts).toBe(3);
    const post = await failure(client.request(server.url("/reset"), { method: "POST", body: "x" }));
    expect(post.attempts).toBe(1);
  });

  it("honours retryMaxAttempts", async () => {
    const c = createHttpClient({ ...base, retryMaxAttempts: 1 });
    try {
      const e = await failure(c.request(`http://127.0.0.1:${closedPort}/x`));
      expect(e.attempts).toBe(1);
      expect(e.message).not.toContain("attempts");
    } finally {
      await c.close();
    }
  });

  it("stops waiting between attempts when the signal fires", async () => {
    const c = createHttpClient({ ...base, retryBaseDelayMs: 2000, retryMaxDelayMs: 5000 });
    try {
      const started = Date.now();
      const e = await failure(c.request(`http://127.0.0.1:${closedPort}/x`, { signal: AbortSignal.timeout(200) }));
      expect(e.kind).toBe("aborted");
      expect(e.attempts).toBe(1);
      expect(Date.now() - started).toBeLessThan(1000);
    } finally {
      await c.close();
    }
  });
});

describe("redirects", () => {
  it("GET follows up to 3 redirects", async () => {
    const res = await client.request(server.url("/redirect?n=3"));
    expect(res.status).toBe(200);
    expect(res.url).toBe(server.url("/echo"));
  });

  it("GET fails on the 4th redirect", async () => {
    const e = await failure(client.request(server.url("/redirect?n=4")));
    expect(e.kind).toBe("redirect");
    expect(e.message).toContain("more than 3");
  });

  it("returns a 3xx to non-GET callers, with its Location", async () => {
    const before = server.requests.length;
    const res = await client.request(server.url("/redirect?n=1&to=/elsewhere"), { method: "POST", json: { a: 1 } });
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe("/elsewhere");
    expect(server.requests.length - before).toBe(1);
  });

  it("GET with maxRedirects 0 returns the 3xx", async () => {
    const res = await client.request(server.url("/redirect?n=1"), { maxRedirects: 0 });
    expect(res.status).toBe(302);
  });

  it("keeps method and body on 307 when the caller allows redirects", async () => {
    const res = await client.request(server.url("/redirect?n=1&code=307"), { method: "PUT", body: "payload", maxRedirects: 1 });
    const echo = res.json<{ method: string; body: string }>();
    expect(echo).toMatchObject({ method: "PUT", body: "payload" });
  });

  it("switches to GET without body on 303", async () => {
    const res = await client.request(server.url("/redirect?n=1&code=303"), { method: "POST", body: "payload", maxRedirects: 1 });
    expect(res.json<{ method: string; body: string }>()).toMatchObject({ method: "GET", body: "" });
  });

  it("drops credentials on a cross-origin redirect and keeps them same-origin", async () => {
    const headers = { authorization: "Bearer abc", cookie: "s=1" };
    const cross = await client.request(server.url(`/redirect?n=1&to=${encodeURIComponent(other.url("/"))}`), { headers });
    const seen = cross.json<{ headers: Record<string, string> }>().headers;
    expect(seen.authorization).toBeUndefined();
    expect(seen.cookie).toBeUndefined();
    const same = await client.request(server.url("/redirect?n=1"), { headers });
    expect(same.json<{ headers: Record<string, string> }>().headers.authorization).toBe("Bearer abc");
  });

  it("refuses redirects to other schemes", async () => {
    const e = await failure(client.request(server.url(`/redirect?n=1&to=${encodeURIComponent("file:///etc/passwd")}`)));
    expect(e.kind).toBe("redirect");
  });
});

describe("secrets never appear in errors", () => {
  it("scrubs userinfo, token-like query values and the path", async () => {
    const url = `http://bob:pa55word@127.0.0.1:${closedPort}/bot123456:SECRETPATH/send?token=tok-abc-123&sig=sig-xyz-987&apikey=key-555`;
    const e = await failure(client.request(url, { retry: false }));
    for (const s of ["pa55word", "bob", "SECRETPATH", "tok-abc-123", "sig-xyz-987", "key-555"]) expect(e.message).not.toContain(s);
  });

  it("scrubs caller-declared secrets, even in the host name", async () => {
    const c = createHttpClient({ ...base, lookup: fakeDns({}) });
    try {
      const e = await failure(c.request("http://hooksecret42.example.test/x", { secrets: ["hooksecret42"] }));
      expect(e.kind).toBe("network");
      expect(e.message).toBe("cannot resolve ***.example.test:80");
    } finally {
      await c.close();
    }
  });
});
