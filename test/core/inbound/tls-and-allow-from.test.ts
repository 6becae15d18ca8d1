import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:https";
import { request as httpRequest } from "node:http";
import { connect, createServer, type AddressInfo } from "node:net";
import { networkInterfaces, tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { createApp, type App } from "../../../src/core/app.js";
import { loadConfig, type ConfigInput } from "../../../src/core/config.js";
import { isAllowed, parseAllowFrom } from "../../../src/core/inbound/allow-from.js";
import { tlsServerOptions } from "../../../src/core/inbound/tls.js";
import { startDebugListenerThread } from "../../../src/console/debug-listener.js";

// TLS, mutual TLS and --allow-from on real sockets (docs/operations.md). Certificates are made
// here with the openssl CLI; without it the TLS part is skipped with a notice.

const HAVE_OPENSSL = spawnSync("openssl", ["version"]).status === 0;
if (!HAVE_OPENSSL) console.warn("openssl not found: TLS tests skipped");

const dir = mkdtempSync(join(tmpdir(), "mmts-tls-"));
const f = (n: string) => join(dir, n);

function openssl(...args: string[]): void {
  execFileSync("openssl", args, { stdio: "pipe" });
}

/** A CA (self-signed) and a leaf it signs; the leaf has SAN IP:127.0.0.1 and ::1. */
function makePki(): void {
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  for (const ca of ["ca", "otherca"])
    openssl("req", "-x509", ...ec, "-keyout", f(`${ca}.key`), "-out", f(`${ca}.crt`), "-days", "1", "-subj", `/CN=${ca}`);
  writeFileSync(f("san.ext"), "subjectAltName=IP:127.0.0.1,IP:::1\n");
  const leaf = (name: string, ca: string) => {
    openssl("req", "-new", ...ec, "-keyout", f(`${name}.key`), "-out", f(`${name}.csr`), "-subj", `/CN=${name}`);
    openssl(
      "x509",
      "-req",
      "-in",
      f(`${name}.csr`),
      "-CA",
      f(`${ca}.crt`),
      "-CAkey",
      f(`${ca}.key`),
      "-CAcreateserial",
      "-out",
      f(`${name}.crt`),
      "-days",
      "1",
      "-extfile",
      f("san.ext"),
    );
  };
  leaf("server", "ca");
  leaf("client", "ca");
  leaf("stranger", "otherca");
}

async function start(config: ConfigInput, host = "127.0.0.1", logDestination?: NodeJS.WritableStream): Promise<{ app: App; port: number }> {
  const cfg = loadConfig({ flags: { port: 0, listen: host, watch: false, console: { enabled: false }, ...config }, env: {} });
  const app = await createApp(cfg, { quiet: !logDestination, env: {}, cwd: "/nonexistent-cwd-for-tests", logDestination });
  await app.server.listen({ port: 0, host });
  return { app, port: (app.server.server.address() as AddressInfo).port };
}

interface Got {
  status: number;
  body: string;
}

function httpsGet(port: number, opts: { ca?: string; cert?: string; key?: string; host?: string }): Promise<Got> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: opts.host ?? "127.0.0.1",
        port,
        path: "/modules",
        agent: false,
        ca: opts.ca ? readFileSync(f(opts.ca)) : undefined,
        cert: opts.cert ? readFileSync(f(opts.cert)) : undefined,
        key: opts.key ? readFileSync(f(opts.key)) : undefined,
        timeout: 10_000,
      },
      (res) => {
        let body = "";
        res.on("data", (c: Buffer) => (body += c.toString()));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
        res.on("error", reject);
      },
    );
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", reject);
    req.end();
  });
}

function httpGet(port: number, host = "127.0.0.1", path = "/modules"): Promise<Got> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host, port, path, agent: false, timeout: 10_000 }, (res) => {
      let body = "";
      res.on("data", (c: Buffer) => (body += c.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", reject);
    req.end();
  });
}

// Each app loads every built-in module: slow on a loaded machine, hence the generous timeouts.
describe.skipIf(!HAVE_OPENSSL)("TLS listener", { timeout: 120_000 }, () => {
  let tls: { app: App; port: number };
  let mtls: { app: App; port: number };
  beforeAll(async () => {
    makePki();
    tls = await start({ tls: { cert: f("server.crt"), key: f("server.key") } });
    mtls = await start({ tls: { cert: f("server.crt"), key: f("server.key"), ca: f("ca.crt") } });
  }, 240_000);
  afterAll(async () => {
    await tls?.app.close();
    await mtls?.app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("serves /modules over HTTPS to a client trusting the CA", async () => {
    const r = await httpsGet(tls.port, { ca: "ca.crt" });
    expect(r.status).toBe(200);
    expect((JSON.parse(r.body) as { name: string }[]).some((m) => m.name === "testaction")).toBe(true);
  });

  it("a client that does not trust the certificate fails the handshake; plain HTTP gets no reply", async () => {
    await expect(httpsGet(tls.port, {})).rejects.toThrow(/certificate|self.signed|verify/i);
    await expect(httpGet(tls.port)).rejects.toThrow();
  });

  it("mutual TLS: a client without a certificate is refused", async () => {
    await expect(httpsGet(mtls.port, { ca: "ca.crt" })).rejects.toThrow();
  });

  it("mutual TLS: a certificate from another CA is refused", async () => {
    await expect(httpsGet(mtls.port, { ca: "ca.crt", cert: "stranger.crt", key: "stranger.key" })).rejects.toThrow();
  });

  it("mutual TLS: a certificate signed by the client CA is served", async () => {
    const r = await httpsGet(mtls.port, { ca: "ca.crt", cert: "client.crt", key: "client.key" });
    expect(r.status).toBe(200);
    expect(r.body).toContain("testaction");
  });

  it("an unreadable certificate is a clear start-up error", async () => {
    expect(() => tlsServerOptions({ cert: f("missing.crt"), key: f("server.key") })).toThrow(/cannot read the TLS certificate/);
    expect(tlsServerOptions({ cert: f("server.crt"), key: f("server.key"), ca: f("ca.crt") })).toMatchObject({
      requestCert: true,
      rejectUnauthorized: true,
    });
  });
});

describe("allowFrom", { timeout: 240_000 }, () => {
  it("parses IPv4/IPv6 addresses and ranges, including IPv4-mapped IPv6 clients; refuses bad entries", () => {
    const list = parseAllowFrom(["10.0.0.0/8", "192.0.2.7", "2001:db8::/32", "::1"]);
    expect(isAllowed(list, "10.1.2.3")).toBe(true);
    expect(isAllowed(list, "::ffff:10.9.9.9")).toBe(true);
    expect(isAllowed(list, "192.0.2.7")).toBe(true);
    expect(isAllowed(list, "192.0.2.8")).toBe(false);
    expect(isAllowed(list, "2001:db8:1::5")).toBe(true);
    expect(isAllowed(list, "::1")).toBe(true);
    expect(isAllowed(list, "127.0.0.1")).toBe(false);
    expect(isAllowed(list, undefined)).toBe(false);
    for (const bad of ["10.0.0.0/33", "example.org", "1.2.3.4/8/1", "::1/129", "10.0.0.0/x"])
      expect(() => parseAllowFrom([bad])).toThrow(/allowFrom/);
  });

  it("a loopback client is served when listed and cut before any byte when not; refusals are logged once per address", async () => {
    const lines: string[] = [];
    const sink = new PassThrough();
    sink.on("data", (c: Buffer) => lines.push(...c.toString().split("\n").filter(Boolean)));
    const allowed = await start({ allowFrom: ["127.0.0.0/8"] });
    const denied = await start({ allowFrom: ["10.0.0.0/8", "2001:db8::/32"] }, "127.0.0.1", sink);
    try {
      expect((await httpGet(allowed.port)).status).toBe(200);
      for (let i = 0; i < 3; i++) await expect(httpGet(denied.port)).rejects.toThrow();
      // The server read nothing: a raw socket sees the close without any reply byte.
      const received = await new Promise<string>((resolve) => {
        let got = "";
        const s = connect(denied.port, "127.0.0.1", () => s.write("GET /modules HTTP/1.1\r\nHost: x\r\n\r\n"));
        s.on("data", (c: Buffer) => (got += c.toString()));
        s.on("error", () => undefined);
        s.on("close", () => resolve(got));
      });
      expect(received).toBe("");
      // Still serving the allowed, still alive.
      expect((await httpGet(allowed.port, "127.0.0.1", "/healthcheck")).status).toBe(200);
      await new Promise((r) => setTimeout(r, 50));
      const refusals = lines
        .map((l) => JSON.parse(l) as Record<string, unknown>)
        .filter((l) => String(l.msg).startsWith("connection refused"));
      expect(refusals).toHaveLength(1);
      expect(refusals[0]).toMatchObject({ address: "127.0.0.1", level: 40 });
    } finally {
      await allowed.app.close();
      await denied.app.close();
    }
  });

  const hasIpv6Loopback = Object.values(networkInterfaces()).some((l) => l?.some((a) => a.address === "::1"));
  it.skipIf(!hasIpv6Loopback)("IPv6 loopback: ::1 allowed by ::1/128, refused by a list of IPv4 ranges", async () => {
    const allowed = await start({ allowFrom: ["::1/128"] }, "::1");
    const denied = await start({ allowFrom: ["127.0.0.0/8"] }, "::1");
    try {
      expect((await httpGet(allowed.port, "::1")).status).toBe(200);
      await expect(httpGet(denied.port, "::1")).rejects.toThrow();
    } finally {
      await allowed.app.close();
      await denied.app.close();
    }
  });

  it("the workflow debug listener applies the same list", async () => {
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, "127.0.0.1", () => {
        const p = (s.address() as AddressInfo).port;
        s.close(() => resolve(p));
      });
    });
    const refused: string[] = [];
    const posts: unknown[] = [];
    const denied = await startDebugListenerThread(`127.0.0.1:${port}`, 1024, (p) => posts.push(p), {
      allowFrom: ["10.0.0.0/8"],
      onRefused: (a) => refused.push(a),
    });
    try {
      await expect(httpGet(port, "127.0.0.1", "/")).rejects.toThrow();
      await new Promise((r) => setTimeout(r, 100));
      expect(refused).toEqual(["127.0.0.1"]);
    } finally {
      await denied.close();
    }
    const allowed = await startDebugListenerThread(`127.0.0.1:${port}`, 1024, (p) => posts.push(p), {
      allowFrom: ["127.0.0.1"],
      onRefused: (a) => refused.push(a),
    });
    try {
      expect((await httpGet(port, "127.0.0.1", "/")).status).toBe(200);
    } finally {
      await allowed.close();
    }
  });
});
