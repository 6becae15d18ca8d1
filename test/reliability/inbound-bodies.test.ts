import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  assertAlive,
  getJson,
  halfSent,
  postRaw,
  queryHead,
  replyJson,
  startServer,
  type ChildServer,
  type RawOutcome,
} from "./harness.js";

// Issue 19, item 3: request bodies that never finish. Before the fix, 100 half-sent bodies,
// 20 trickling ones and 5 × 40 MB half-sent ones were all still open after 130 s, 8 half-sent
// 200 MB bodies pinned 1.67 GB, and 1,100 such connections exhausted a 1,024 fd limit.
//
// The server here runs with short body timeouts (idle 1.5 s, total 4 s) so each case ends in
// seconds; the bounds below add the sweep period (at most a quarter of the shorter timeout) and
// a generous allowance for a loaded 2-core CI machine.

const IDLE_MS = 1500;
const TOTAL_MS = 4000;
/** Timer sweep granularity plus scheduling slack on a busy machine. */
const SLACK_MS = 2500;
const MiB = 1024 * 1024;

function expectCutWith408(o: RawOutcome, afterAtMost: number): void {
  expect(o.status).toBe(408);
  expect(replyJson(o.reply)?.error).toMatch(/^request body (stalled|not received in full)/);
  expect(o.closedAfterMs).toBeLessThan(afterAtMost);
}

describe("unfinished request bodies are timed out and bounded", () => {
  let s: ChildServer;
  beforeAll(async () => {
    s = await startServer({ env: { MISP_MODULES_BODY_IDLE_TIMEOUT_MS: String(IDLE_MS), MISP_MODULES_BODY_TIMEOUT_MS: String(TOTAL_MS) } });
  });
  afterAll(async () => {
    await s?.stop();
  });

  it("100 half-sent bodies are answered 408 and closed after the idle timeout; the server stays healthy meanwhile", async () => {
    const conns = Array.from({ length: 100 }, () => halfSent(s.port, queryHead(5000)));
    await new Promise((r) => setTimeout(r, 300));
    const health = await getJson(`${s.url}/healthcheck`);
    expect(health.status).toBe(200);
    const outcomes = await Promise.all(conns.map((c) => c.outcome));
    for (const o of outcomes) expectCutWith408(o, IDLE_MS + SLACK_MS);
    await assertAlive(s);
  });

  it("20 trickling bodies (a byte every 300 ms) are cut at the total body timeout", async () => {
    const conns = Array.from({ length: 20 }, () => halfSent(s.port, queryHead(100_000), { everyMs: 300 }));
    const outcomes = await Promise.all(conns.map((c) => c.outcome));
    for (const o of outcomes) {
      expectCutWith408(o, TOTAL_MS + SLACK_MS);
      expect(replyJson(o.reply)?.error).toBe(`request body not received in full within ${TOTAL_MS} ms`);
      // Not cut by the idle timer: bytes kept coming.
      expect(o.closedAfterMs).toBeGreaterThan(TOTAL_MS - 100);
    }
    await assertAlive(s);
  });

  it("5 × 40 MB half-sent bodies are cut, and their memory is not kept", async () => {
    const before = s.rssMb();
    const chunk = Buffer.alloc(4 * MiB, 0x61);
    const conns = Array.from({ length: 5 }, () => {
      const c = halfSent(s.port, queryHead(40 * MiB));
      c.socket.once("connect", () => c.socket.write(chunk));
      return c;
    });
    const outcomes = await Promise.all(conns.map((c) => c.outcome));
    for (const o of outcomes) expectCutWith408(o, IDLE_MS + SLACK_MS + 2000);
    // 5 × 4 MB were received; the 40 MB reservations are never touched. 100 MB of margin
    // covers allocator noise; the unbounded server held the whole 200 MB (and more).
    expect(s.rssMb()).toBeLessThan(before + 100);
    await assertAlive(s);
  });

  it("8 half-sent 200 MB bodies: those beyond the byte budget are refused at once with 503 (by Content-Length)", async () => {
    const before = s.rssMb();
    const t0 = performance.now();
    const conns = Array.from({ length: 8 }, () => halfSent(s.port, queryHead(200 * MiB)));
    const outcomes = await Promise.all(conns.map((c) => c.outcome));
    const refused = outcomes.filter((o) => o.status === 503);
    const cut = outcomes.filter((o) => o.status === 408);
    // Default budget 512 MiB, of which large bodies may take 448 MiB: two 200 MB bodies fit.
    expect(cut).toHaveLength(2);
    expect(refused).toHaveLength(6);
    for (const o of refused) {
      expect(replyJson(o.reply)?.error).toMatch(
        /^server busy: request bodies in progress hold \d+ bytes and this one \(209715200 bytes\) would exceed the limit of \d+ bytes for large bodies; retry later$/,
      );
      expect(o.reply).toMatch(/\r\nretry-after: 5\r\n/i);
      // Refused from the headers, not after the idle timeout.
      expect(o.closedAfterMs).toBeLessThan(IDLE_MS);
    }
    expect(performance.now() - t0).toBeLessThan(IDLE_MS + SLACK_MS + 1000);
    expect(s.rssMb()).toBeLessThan(before + 100);
    // The budget is free again: an ordinary query goes through.
    const r = await postRaw(`${s.url}/query`, JSON.stringify({ module: "testaction", data: {} }));
    expect(r).toMatchObject({ status: 200, body: { data: true } });
  });
});

describe("the byte budget also applies to bodies without Content-Length, as they grow", () => {
  let s: ChildServer;
  beforeAll(async () => {
    // An 8 MiB budget (7 MiB for large bodies, 1 MiB kept for small ones) and a 4 MiB body limit.
    s = await startServer({
      env: {
        MISP_MODULES_PENDING_BODY_BYTES: String(8 * MiB),
        MISP_MODULES_BODY_LIMIT: String(4 * MiB),
        MISP_MODULES_BODY_IDLE_TIMEOUT_MS: "3000",
      },
    });
  });
  afterAll(async () => {
    await s?.stop();
  });

  it("a chunked upload that outgrows the budget is refused with 503 while small queries still pass", async () => {
    const chunked = (n: number) => {
      const c = halfSent(s.port, queryHead(undefined));
      const data = Buffer.alloc(n, 0x61);
      c.socket.once("connect", () => c.socket.write(`${n.toString(16)}\r\n${data.toString()}\r\n`));
      return c;
    };
    const a = chunked(3 * MiB);
    const b = chunked(3 * MiB);
    await new Promise((r) => setTimeout(r, 500));
    const c = chunked(3 * MiB);
    const third = await c.outcome;
    expect(third.status).toBe(503);
    expect(replyJson(third.reply)?.error).toMatch(/^server busy: /);
    // MISP's ordinary (small) queries use the reserve.
    const r = await postRaw(`${s.url}/query`, JSON.stringify({ module: "testaction", data: { Event: { info: "x".repeat(100_000) } } }));
    expect(r).toMatchObject({ status: 200, body: { data: true } });
    for (const o of await Promise.all([a.outcome, b.outcome])) expect(o.status).toBe(408);
    await assertAlive(s);
  });

  it("a chunked upload beyond the body limit gets 413 as soon as it passes it", async () => {
    const c = halfSent(s.port, queryHead(undefined));
    const data = Buffer.alloc(5 * MiB, 0x61);
    c.socket.once("connect", () => c.socket.write(`${data.length.toString(16)}\r\n${data.toString()}\r\n`));
    const o = await c.outcome;
    expect(o.status).toBe(413);
    expect(replyJson(o.reply)).toEqual({ error: `request body larger than the limit of ${4 * MiB} bytes` });
  });
});
