import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventQuery } from "./bodies-fixture.js";
import { assertAlive, postRaw, sampleLatency, startServer, waitFor, type ChildServer } from "./harness.js";

// Issue 19, item 4: before the fix 20 concurrent 20 MB bodies pushed /healthcheck p99 to
// 2.05 s, one 100 MB body stalled it 0.9 s (MISP gives GET /modules one second), and RSS was
// still 920 MB after 5 s idle. Large bodies are now parsed in slices between which other
// requests run, at most two at a time, and memory is collected once they stop.
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
    for (const r of replies) expect(r).toMatchObject({ status: 200, body: { data: true } });
    expect(lat.failures).toBe(0);
    expect(lat.count).toBeGreaterThan(20);
    expect(lat.p99, JSON.stringify(lat)).toBeLessThan(bound);
    const rssBound = idleRss + (300 - BUILD_IDLE_RSS_MB);
    const rss = await waitFor(
      () => s.rssMb(),
      (v) => v < rssBound,
      60_000,
      500,
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
