import { describe, expect, it } from "vitest";
import { defaultMaxConnections } from "../../src/core/inbound/connections.js";
import { assertAlive, getJson, halfSent, queryHead, startServer, waitFor } from "./harness.js";

// Issue 19, item 3: 1,100 stalled uploads exhausted a 1,024 file-descriptor limit, after which
// accept() failed and /healthcheck with it. The server now caps connections well below the
// limit, and at the cap makes room by closing idle keep-alives and the longest-stalled upload.

describe("a cap on connections below the fd limit", () => {
  it("is derived from `ulimit -n` (three quarters less a reserve, 16 to 10,000)", () => {
    expect(defaultMaxConnections(1024)).toBe(704);
    expect(defaultMaxConnections(256)).toBe(128);
    expect(defaultMaxConnections(64)).toBe(16);
    expect(defaultMaxConnections(1_048_576)).toBe(10_000);
  });

  it("with ulimit -n 256, 300 stalled uploads neither exhaust descriptors nor lock out /healthcheck", async () => {
    // Long body timeouts: here only the cap and its eviction of the stalest upload make room.
    const s = await startServer({
      fdLimit: 256,
      env: { MISP_MODULES_BODY_IDLE_TIMEOUT_MS: "60000", MISP_MODULES_BODY_TIMEOUT_MS: "60000" },
    });
    try {
      const conns: ReturnType<typeof halfSent>[] = [];
      for (let i = 0; i < 300; i++) {
        conns.push(halfSent(s.port, queryHead(5000)));
        if (i % 50 === 49) await new Promise((r) => setTimeout(r, 100));
      }
      await new Promise((r) => setTimeout(r, 1500));
      // Stalled for over a second: a new connection evicts the stalest upload.
      const health = await getJson(`${s.url}/healthcheck`, 5000);
      expect(health.status).toBe(200);
      expect(s.openFds()).toBeLessThan(256);
      const line = await waitFor(
        () =>
          s
            .logs()
            .find(
              (l) =>
                l.msg === "connection limit reached: new connections are refused (server.maxConnections)" ||
                l.msg === "request body refused",
            ),
        (l) => l !== undefined,
        3000,
      );
      expect(line).toBeDefined();
      for (const c of conns) c.socket.destroy();
      await assertAlive(s);
    } finally {
      await s.stop();
    }
  });
});
