import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import {
  createServer as createHttpServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo, Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

// A local stand-in for a remote service (Slack, Mattermost, a webhook receiver...): listens
// on 127.0.0.1 over HTTP or HTTPS (self-signed), records every request and answers with a
// contract handler or with scripted failures (401, 429 + Retry-After, hang...).

export interface RecordedRequest {
  method: string;
  /** Path and query as received. */
  url: string;
  path: string;
  query: URLSearchParams;
  /** Lower-cased header names. */
  headers: IncomingHttpHeaders;
  body: string;
}

export interface Reply {
  status: number;
  headers?: Record<string, string>;
  /** Objects are sent as JSON (with a JSON content type unless given). */
  body?: string | object;
}

/** Keeps the connection open without answering. */
export const HANG = Symbol("hang");
export type Answer = Reply | typeof HANG;
export type Handler = (req: RecordedRequest) => Answer | Promise<Answer>;

export interface StandIn {
  /** e.g. "http://127.0.0.1:40123" (no trailing slash). */
  readonly url: string;
  readonly port: number;
  /** Every request received, oldest first. */
  readonly requests: RecordedRequest[];
  /** The most recent request (throws when none arrived). */
  last(): RecordedRequest;
  /** Replaces the handler used when no scripted answer is queued. */
  handle(handler: Handler): void;
  /** Queues answers for the next requests, before the handler. */
  script(...answers: Answer[]): void;
  /** Forgets recorded requests and queued answers. */
  reset(): void;
  close(): Promise<void>;
}

export interface StandInOptions {
  /** Serve HTTPS with a self-signed certificate for 127.0.0.1. */
  tls?: boolean;
  handler?: Handler;
}

/** Vendor-neutral canned failures. */
export const failures = {
  unauthorized: (body: string | object = "Unauthorized"): Reply => ({ status: 401, body }),
  forbidden: (body: string | object = "Forbidden"): Reply => ({ status: 403, body }),
  notFound: (body: string | object = "Not Found"): Reply => ({ status: 404, body }),
  tooLarge: (body: string | object = "Payload Too Large"): Reply => ({ status: 413, body }),
  rateLimited: (retryAfterSeconds: number, body: string | object = "Too Many Requests"): Reply => ({
    status: 429,
    headers: { "retry-after": String(retryAfterSeconds) },
    body,
  }),
  serverError: (body: string | object = "Internal Server Error"): Reply => ({ status: 500, body }),
  hang: HANG as typeof HANG,
};

let cachedCert: { key: string; cert: string } | undefined;

/** A throw-away self-signed certificate for 127.0.0.1/localhost, made with the openssl CLI. */
export function selfSignedCertificate(): { key: string; cert: string } {
  if (cachedCert) return cachedCert;
  const dir = mkdtempSync(join(tmpdir(), "stand-in-cert-"));
  try {
    const key = join(dir, "key.pem");
    const cert = join(dir, "cert.pem");
    execFileSync(
      "openssl",
      [
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        key,
        "-out",
        cert,
        "-days",
        "2",
        "-subj",
        "/CN=127.0.0.1",
        "-addext",
        "subjectAltName=IP:127.0.0.1,DNS:localhost",
      ],
      { stdio: "ignore" },
    );
    cachedCert = { key: readFileSync(key, "utf8"), cert: readFileSync(cert, "utf8") };
    return cachedCert;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function send(res: ServerResponse, reply: Reply): void {
  const headers: Record<string, string> = { ...(reply.headers ?? {}) };
  let body = "";
  if (typeof reply.body === "string") body = reply.body;
  else if (reply.body !== undefined) {
    body = JSON.stringify(reply.body);
    if (!Object.keys(headers).some((h) => h.toLowerCase() === "content-type")) headers["content-type"] = "application/json; charset=utf-8";
  }
  res.writeHead(reply.status, headers);
  res.end(body);
}

export async function startStandIn(options: StandInOptions = {}): Promise<StandIn> {
  const requests: RecordedRequest[] = [];
  const queue: Answer[] = [];
  let handler: Handler = options.handler ?? (() => ({ status: 200, body: "ok" }));
  const sockets = new Set<Socket>();

  const listener = async (req: IncomingMessage, res: ServerResponse) => {
    const body = await readBody(req);
    const parsed = new URL(req.url ?? "/", "http://stand-in.invalid");
    const recorded: RecordedRequest = {
      method: req.method ?? "GET",
      url: req.url ?? "/",
      path: parsed.pathname,
      query: parsed.searchParams,
      headers: req.headers,
      body,
    };
    requests.push(recorded);
    let answer: Answer;
    try {
      answer = queue.length > 0 ? queue.shift()! : await handler(recorded);
    } catch (e) {
      answer = { status: 500, body: `stand-in handler failed: ${(e as Error).message}` };
    }
    if (answer === HANG) return; // the socket is destroyed on close()
    send(res, answer);
  };

  const server: Server = options.tls ? createHttpsServer(selfSignedCertificate(), listener) : createHttpServer(listener);
  server.on("connection", (s: Socket) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  // TLS servers report handshakes refused by the client here; they are expected in tests.
  server.on("tlsClientError", () => undefined);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;

  return {
    url: `${options.tls ? "https" : "http"}://127.0.0.1:${port}`,
    port,
    requests,
    last() {
      const r = requests.at(-1);
      if (!r) throw new Error("the stand-in received no request");
      return r;
    },
    handle(h) {
      handler = h;
    },
    script(...answers) {
      queue.push(...answers);
    },
    reset() {
      requests.length = 0;
      queue.length = 0;
    },
    close() {
      for (const s of sockets) s.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A loopback port with nothing listening (connection refused). */
export async function closedPort(): Promise<number> {
  const server = createHttpServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
