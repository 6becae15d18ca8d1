// A local stand-in for an upstream HTTP service (hashlookup, onion-lookup, mmdb-server):
// answers each request with what the test's handler returns, records requests, and can be
// slow. Binds 127.0.0.1 on a free port; close() also drops open keep-alive connections.
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";

export interface StubRequest {
  method: string;
  path: string;
  headers: IncomingMessage["headers"];
}

export interface StubReply {
  status?: number;
  /** Serialised as the JSON body. */
  json?: unknown;
  /** Raw body (when not JSON). */
  body?: string;
  /** Answer after this many ms. */
  delayMs?: number;
}

export interface UpstreamStub {
  url: string;
  requests: StubRequest[];
  close(): Promise<void>;
}

export async function startStub(handler: (req: StubRequest) => StubReply | Promise<StubReply>): Promise<UpstreamStub> {
  const requests: StubRequest[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const server = createServer((req, res) => {
    const entry: StubRequest = { method: req.method ?? "GET", path: req.url ?? "/", headers: req.headers };
    requests.push(entry);
    req.resume();
    void Promise.resolve(handler(entry)).then((reply) => {
      const send = () => {
        if (res.destroyed) return;
        const body = reply.json !== undefined ? JSON.stringify(reply.json) : (reply.body ?? "");
        res.writeHead(reply.status ?? 200, { "content-type": reply.json !== undefined ? "application/json" : "text/plain" });
        res.end(body);
      };
      if (reply.delayMs) {
        const t = setTimeout(() => {
          timers.delete(t);
          send();
        }, reply.delayMs);
        timers.add(t);
      } else send();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const t of timers) clearTimeout(t);
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A base URL nobody listens on (connection refused). */
export async function closedPortUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}
