// Test fixtures for the HTTP layer: real servers on 127.0.0.1 that count the
// connections they accept, a throwaway CA + certificate made with openssl, a CONNECT
// proxy, and a scripted DNS resolver for the egress guard.

import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import https from "node:https";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AddressInfo } from "node:net";
import { expect } from "vitest";
import { HttpError, type DnsLookup } from "../../../src/services/http/index.js";

/** Remembers an open socket until it closes, so a test server can be shut down at once. */
function rememberSocket(sockets: Set<net.Socket>, socket: net.Socket): void {
  sockets.add(socket);
  socket.on("close", () => sockets.delete(socket));
}

/** Destroys the remembered sockets (keep-alive clients would hold the server open) and closes it. */
function closeServer(server: net.Server, sockets: Set<net.Socket>): Promise<void> {
  return new Promise<void>((resolve) => {
    for (const s of sockets) s.destroy();
    server.close(() => resolve());
  });
}

export type Handler = (req: http.IncomingMessage, res: http.ServerResponse, body: string) => void;

export interface TestServer {
  port: number;
  /** TCP connections accepted so far. */
  connections: number;
  /** Requests seen so far (method and path). */
  requests: { method: string; url: string; headers: http.IncomingHttpHeaders; body: string }[];
  url(path?: string): string;
  close(): Promise<void>;
  /** Called with every accepted TCP connection (tests that watch sockets open and close). */
  onConnection?: (socket: net.Socket) => void;
}

function track(server: http.Server | https.Server, scheme: string, handler: Handler): Promise<TestServer> {
  const sockets = new Set<net.Socket>();
  const state: TestServer = {
    port: 0,
    connections: 0,
    requests: [],
    url: (path = "/") => `${scheme}://127.0.0.1:${state.port}${path}`,
    close: () => closeServer(server, sockets),
  };
  // TLS servers emit "secureConnection" per TLS socket; count raw TCP connections instead.
  server.on("connection", (socket: net.Socket) => {
    state.connections++;
    rememberSocket(sockets, socket);
    state.onConnection?.(socket);
  });
  server.on("request", (req: http.IncomingMessage, res: http.ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      state.requests.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, body });
      handler(req, res, body);
    });
  });
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => {
      state.port = (server.address() as AddressInfo).port;
      resolve(state);
    });
  });
}

export function startHttpServer(handler: Handler): Promise<TestServer> {
  return track(http.createServer(), "http", handler);
}

export function startHttpsServer(cert: TestCertificates, handler: Handler): Promise<TestServer> {
  return track(https.createServer({ key: cert.leafKey, cert: cert.leafCert }), "https", handler);
}

export interface TestCertificates {
  dir: string;
  caCert: string;
  caFile: string;
  leafKey: string;
  leafCert: string;
  /** A second, unrelated CA (must not make the leaf trusted). */
  otherCaCert: string;
  cleanup(): void;
}

/** A throwaway CA and a leaf for "test.internal" and 127.0.0.1, signed by it. */
export function makeCertificates(): TestCertificates {
  const dir = mkdtempSync(join(tmpdir(), "http-test-certs-"));
  const run = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  for (const name of ["ca", "other-ca"]) {
    run(
      "req",
      "-x509",
      ...ec,
      "-keyout",
      `${name}.key`,
      "-out",
      `${name}.pem`,
      "-days",
      "2",
      "-subj",
      `/CN=misp-modules-ts ${name}`,
      "-addext",
      "basicConstraints=critical,CA:TRUE",
      "-addext",
      "keyUsage=critical,keyCertSign,cRLSign",
    );
  }
  run("req", ...ec, "-keyout", "leaf.key", "-out", "leaf.csr", "-subj", "/CN=test.internal");
  writeFileSync(join(dir, "leaf.ext"), "subjectAltName=DNS:test.internal,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n");
  run(
    "x509",
    "-req",
    "-in",
    "leaf.csr",
    "-CA",
    "ca.pem",
    "-CAkey",
    "ca.key",
    "-CAcreateserial",
    "-out",
    "leaf.pem",
    "-days",
    "2",
    "-extfile",
    "leaf.ext",
  );
  const read = (f: string) => readFileSync(join(dir, f), "utf8");
  return {
    dir,
    caCert: read("ca.pem"),
    caFile: join(dir, "ca.pem"),
    leafKey: read("leaf.key"),
    leafCert: read("leaf.pem"),
    otherCaCert: read("other-ca.pem"),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export interface TestProxy {
  port: number;
  url: string;
  /** CONNECT targets requested so far ("host:port"). */
  tunnels: string[];
  /** Hosts of absolute-form requests forwarded so far ("host:port"). */
  forwarded: string[];
  /** Proxy-Authorization header of each CONNECT or forwarded request (undefined when absent). */
  auth: (string | undefined)[];
  connections: number;
  close(): Promise<void>;
}

/** A minimal HTTP proxy: CONNECT tunnels and absolute-form forwarding, always to 127.0.0.1. */
export function startConnectProxy(): Promise<TestProxy> {
  // Absolute-form requests (plain http through a proxy) are forwarded to 127.0.0.1.
  const server = http.createServer((req, res) => {
    const target = new URL(req.url ?? "/");
    state.forwarded.push(target.host);
    state.auth.push(req.headers["proxy-authorization"]);
    const headers = { ...req.headers };
    delete headers["proxy-authorization"];
    const upstream = http.request(
      { host: "127.0.0.1", port: Number(target.port || 80), method: req.method, path: `${target.pathname}${target.search}`, headers },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on("error", () => {
      res.statusCode = 502;
      res.end();
    });
    req.pipe(upstream);
  });
  const sockets = new Set<net.Socket>();
  const state: TestProxy = {
    port: 0,
    url: "",
    tunnels: [],
    forwarded: [],
    auth: [],
    connections: 0,
    close: () => closeServer(server, sockets),
  };
  server.on("connection", (socket: net.Socket) => {
    state.connections++;
    rememberSocket(sockets, socket);
  });
  server.on("connect", (req: http.IncomingMessage, client: net.Socket, head: Buffer) => {
    const target = req.url ?? "";
    state.tunnels.push(target);
    state.auth.push(req.headers["proxy-authorization"]);
    const port = Number(target.slice(target.lastIndexOf(":") + 1));
    const upstream = net.connect(port, "127.0.0.1", () => {
      client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
      upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    rememberSocket(sockets, upstream);
    upstream.on("error", () => client.destroy());
    client.on("error", () => upstream.destroy());
  });
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => {
      state.port = (server.address() as AddressInfo).port;
      state.url = `http://127.0.0.1:${state.port}`;
      resolve(state);
    });
  });
}

/** A DNS resolver answering from a table; unknown names fail like NXDOMAIN. Counts queries. */
export function fakeDns(table: Record<string, string[] | ((n: number) => string[])>): DnsLookup & { queries: string[] } {
  const queries: string[] = [];
  const lookup = async (hostname: string) => {
    queries.push(hostname);
    const entry = table[hostname];
    const answers = typeof entry === "function" ? entry(queries.filter((q) => q === hostname).length) : entry;
    if (!answers) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: "ENOTFOUND" });
    return answers.map((address) => ({ address, family: address.includes(":") ? 6 : 4 }));
  };
  return Object.assign(lookup, { queries });
}

/** Awaits a request that must fail, and returns its HttpError. */
export async function failure(p: Promise<unknown>): Promise<HttpError> {
  const e = await p.then(
    () => {
      throw new Error("expected a failure");
    },
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(HttpError);
  return e as HttpError;
}
