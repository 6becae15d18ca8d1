import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventQuery } from "./bodies-fixture.js";
import { assertAlive, postRaw, sampleLatency, startServer, waitFor, type ChildServer } from "./harness.js";

// Issue 19, item 4: before the fix 20 concurrent 20 MB bodies pushed /healthcheck p99 to
// 2.05 s, one 100 MB body stalled it 0.9 s (MISP gives GET /modules one second), and RSS was
// still 920 MB after 5 s idle. Large bodies are now parsed in slices between which other
// requests run, at most two at a time, and memory is collected once they stop. The server runs
// with its default configuration, so the console's journal records every one of these queries
// (its large-payload work runs on a thread of its own: docs/console.md, "Large payloads").
//
// Bounds. The target is p99 < 50 ms on an otherwise idle machine (measured figures are in
// docs/security.md). The latency bound asserted here is 250 ms, or six times the p99 measured
// on the same server just before the burst when that is higher: CI is a 2-core machine where
// the load generator, the latency sampler and the server share the cores (and a machine shared
// with other jobs showed an idle p99 of 90 ms); a single scheduling hiccup lands in the top
// percent of a few hundred samples. 250 ms is an eighth of the stall before the fix and a
// quarter of MISP's one second. Memory: the server
// runs from TypeScript sources here (tsx), whose compiler state keeps RSS ~200 MB above the
// built server's ~75 MB at idle, so the bound is the 300 MB target above that idle baseline
// minus the build's own idle RSS.

const MiB = 1024 * 1024;
const P99_FLOOR_MS = 250;
const BUILD_IDLE_RSS_MB = 75;

// On an idle 2-core machine the burst takes seconds; a machine shared with other jobs took over
// a minute, hence the generous client and test timeouts (they only stop a hung run).
describe("large bodies do not stall the event loop, and their memory is given back", { timeout: 150_000 }, () => {
  let s: ChildServer;
  let idleRss = 0;
  let bound = P99_FLOOR_MS;
  beforeAll(async () => {
    s = await startServer();
    await new Promise((r) => setTimeout(r, 500));
    idleRss = s.rssMb();
    const idle = sampleLatency([`${s.url}/healthcheck`, `${s.url}/modules`]);
    await new Promise((r) => setTimeout(r, 3000));
    bound = Math.max(P99_FLOOR_MS, 6 * (await idle.stop()).p99);
  });
  afterAll(async () => {
    await s?.stop();
  });

  it("20 concurrent 20 MB bodies: all answered, /healthcheck and /modules p99 within bounds, RSS back down within 60 s", async () => {
    const body = eventQuery(20 * MiB);
    const sampler = sampleLatency([`${s.url}/healthcheck`, `${s.url}/modules`]);
    await new Promise((r) => setTimeout(r, 200));
    const replies = await Promise.all(Array.from({ length: 20 }, () => postRaw(`${s.url}/query`, body, {}, 140_000)));
    const lat = await sampler.stop();
    const figures = (l: typeof lat) =>
      Object.entries(l.byUrl)
        .map(([u, v]) => `${new URL(u).pathname} p99 ${v.p99.toFixed(1)} ms max ${v.max.toFixed(1)} ms (n=${v.count})`)
        .join("; ");
    console.info(`[large-bodies] 20 x 20 MB: ${figures(lat)}; bound ${bound.toFixed(0)} ms`);
    for (const r of replies) expect(r).toMatchObject({ status: 200, body: { data: true } });
    expect(lat.failures).toBe(0);
    expect(lat.count).toBeGreaterThan(20);
    expect(lat.p99, JSON.stringify(lat)).toBeLessThan(bound);
    const rssBound = idleRss + (300 - BUILD_IDLE_RSS_MB);
    const t0 = Date.now();
    const rss = await waitFor(
      () => s.rssMb(),
      (v) => v < rssBound,
      60_000,
      500,
    );
    console.info(
      `[large-bodies] RSS ${rss.toFixed(0)} MB after ${((Date.now() - t0) / 1000).toFixed(1)} s (idle ${idleRss.toFixed(0)} MB, bound ${rssBound.toFixed(0)} MB)`,
    );
    expect(rss).toBeLessThan(rssBound);
    await assertAlive(s);
  });

  it("one 100 MB body: answered, and /healthcheck keeps answering meanwhile", async () => {
    const body = eventQuery(100 * MiB);
    const sampler = sampleLatency([`${s.url}/healthcheck`, `${s.url}/modules`]);
    await new Promise((r) => setTimeout(r, 200));
    const r = await postRaw(`${s.url}/query`, body, {}, 140_000);
    const lat = await sampler.stop();
    expect(r).toMatchObject({ status: 200, body: { data: true } });
    expect(lat.failures).toBe(0);
    expect(lat.p99, JSON.stringify(lat)).toBeLessThan(bound);
    await assertAlive(s);
  });

  it("an invalid large body gets JSON.parse's own message in the 400 reply", async () => {
    const text = eventQuery(4 * MiB)
      .toString("utf8")
      .slice(0, -2);
    let message = "";
    try {
      JSON.parse(text);
    } catch (e) {
      message = (e as Error).message;
    }
    const r = await postRaw(`${s.url}/query`, text);
    expect(r.status).toBe(400);
    expect(r.body).toEqual({ error: `invalid query: body is not valid JSON: ${message}` });
  });
});

describe("malformed bodies in bulk", { timeout: 150_000 }, () => {
  it("11,000 malformed bodies: each a JSON 400 reply, the server healthy, RSS back down within 60 s", async () => {
    // Item 4 also measured 436 MB after 11,000 malformed bodies. A mix of the shapes a fuzzer
    // sends: cut JSON, wrong types, junk bytes, deep nesting, up to 64 KiB each.
    const shapes = (i: number): string => {
      const pad = "x".repeat((i * 7919) % 65_536);
      switch (i % 6) {
        case 0:
          return `{"module":"testaction","data":{"v":"${pad}"`;
        case 1:
          return `[${i},"${pad}"]`;
        case 2:
          return `\u0000\u00ff${pad}}`;
        case 3:
          return "[".repeat(5000 + (i % 100));
        case 4:
          return `{"module":${i}}`;
        default:
          return `"${pad}`;
      }
    };
    // A server of its own, so that the large bodies above do not blur its memory figure.
    const m = await startServer();
    await new Promise((r) => setTimeout(r, 500));
    const idle = m.rssMb();
    let next = 0;
    const statuses = new Map<number, number>();
    let nonJson = 0;
    await Promise.all(
      Array.from({ length: 50 }, async () => {
        for (let i = next++; i < 11_000; i = next++) {
          const r = await postRaw(`${m.url}/query`, shapes(i));
          statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
          if (typeof r.body.error !== "string") nonJson++;
        }
      }),
    );
    // Every one is a malformed request (a non-string module included): 400 with a JSON `error`.
    expect(Object.fromEntries(statuses)).toEqual({ 400: 11_000 });
    expect(nonJson).toBe(0);
    const rssBound = idle + (300 - BUILD_IDLE_RSS_MB);
    const rss = await waitFor(
      () => m.rssMb(),
      (v) => v < rssBound,
      60_000,
      500,
    );
    console.info(
      `[large-bodies] 11,000 malformed bodies: RSS ${idle.toFixed(0)} MB idle, ${rss.toFixed(0)} MB after (bound ${rssBound.toFixed(0)} MB)`,
    );
    expect(rss).toBeLessThan(rssBound);
    await assertAlive(m);
    await m.stop();
  });
});
