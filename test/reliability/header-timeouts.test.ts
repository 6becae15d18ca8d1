import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigSchema } from "../../src/core/config.js";
import { serverTimeouts } from "../../src/core/server.js";
import { assertAlive, getJson, halfSent, startServer, type ChildServer } from "./harness.js";

// Issue 19, item 3: connections that never finish their request head, and idle keep-alives.
// Node's header timeout is checked on a sweep (every 30 s by default); the server runs it at a
// quarter of the timeout, so a head that never ends is cut within 1.25 × headersTimeoutMs. The
// server here runs with short timeouts (headers 2 s, keep-alive 1 s) so each case ends in
// seconds; SLACK_MS is scheduling allowance on a loaded 2-core machine.

const HEADERS_MS = 2000;
const KEEP_ALIVE_MS = 1000;
const SLACK_MS = 2500;

describe("header and keep-alive timeouts", () => {
  let s: ChildServer;
  beforeAll(async () => {
    s = await startServer({
      env: { MISP_MODULES_HEADERS_TIMEOUT_MS: String(HEADERS_MS), MISP_MODULES_KEEP_ALIVE_TIMEOUT_MS: String(KEEP_ALIVE_MS) },
    });
  });
  afterAll(async () => {
    await s?.stop();
  });

  it("documented defaults: headers 10 s, request backstop 60 s, keep-alive 5 s, socket inactivity off; swept every second", () => {
    const server = ConfigSchema.parse({}).server;
    expect(server).toMatchObject({ headersTimeoutMs: 10_000, requestTimeoutMs: 60_000, keepAliveTimeoutMs: 5_000, connectionTimeoutMs: 0 });
    expect(serverTimeouts(server)).toEqual({ headersTimeout: 10_000, requestTimeout: 60_000, checkEvery: 1000 });
    // The backstop never fires before the header and body timeouts.
    expect(serverTimeouts({ ...server, bodyTimeoutMs: 120_000 }).requestTimeout).toBe(131_000);
    expect(serverTimeouts({ ...server, requestTimeoutMs: 0 }).requestTimeout).toBe(0);
  });

  it("50 clients that trickle header bytes and never finish the head are cut with 408 within the bound; /healthcheck answers meanwhile", async () => {
    // A byte every 300 ms: the connection is never idle, only the head is never complete.
    const conns = Array.from({ length: 50 }, () =>
      halfSent(s.port, "POST /query HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: a", { everyMs: 300, byte: "a" }),
    );
    await new Promise((r) => setTimeout(r, 500));
    expect((await getJson(`${s.url}/healthcheck`)).status).toBe(200);
    const outcomes = await Promise.all(conns.map((c) => c.outcome));
    for (const o of outcomes) {
      expect(o.status).toBe(408);
      expect(o.closedAfterMs).toBeGreaterThan(HEADERS_MS - 100);
      expect(o.closedAfterMs).toBeLessThan(HEADERS_MS * 1.25 + SLACK_MS);
    }
    await assertAlive(s);
  });

  it("a client that connects and sends nothing is closed within the header bound", async () => {
    const c = halfSent(s.port, "");
    const o = await c.outcome;
    expect(o.closedAfterMs).toBeLessThan(HEADERS_MS * 1.25 + SLACK_MS);
    await assertAlive(s);
  });

  it("an idle keep-alive connection is closed after the keep-alive timeout", async () => {
    const socket = connect(s.port, "127.0.0.1");
    let reply = "";
    const t0 = performance.now();
    let answeredAt = 0;
    const closedAt = await new Promise<number>((resolve) => {
      socket.on("connect", () => socket.write("GET /healthcheck HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n"));
      socket.on("data", (c: Buffer) => {
        reply += c.toString("latin1");
        answeredAt ||= performance.now();
      });
      socket.on("close", () => resolve(performance.now()));
      socket.on("error", () => undefined);
    });
    expect(reply).toMatch(/^HTTP\/1\.1 200/);
    expect(closedAt - answeredAt).toBeGreaterThan(KEEP_ALIVE_MS - 100);
    expect(closedAt - t0).toBeLessThan(KEEP_ALIVE_MS + SLACK_MS);
  });
});
