import { connect } from "node:net";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { postRaw, startServer } from "./harness.js";

// Issue 19, item 8: the shutdown grace (3 s) was shorter than the query deadline (9 s), so a
// restart reset queries of 3–9 s, which MISP counts as success. Now the listener closes at
// once, running queries may finish within the grace (default: the deadline), and those that
// cannot are answered with a 200 `error` before the connections close.
//
// Timing bounds allow 2.5 s of slack for a loaded 2-core CI machine around each expected moment.

const MODULES = fileURLToPath(new URL("../fixtures/modules", import.meta.url));
const SLACK_MS = 2500;

/** Resolves true when a TCP connection to the port is refused. */
function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, "127.0.0.1");
    s.once("connect", () => {
      s.destroy();
      resolve(false);
    });
    s.once("error", () => resolve(true));
  });
}

describe("graceful shutdown", { timeout: 60_000 }, () => {
  it("a 4 s query in flight at SIGTERM finishes normally; new connections are refused at once; exit 0", async () => {
    const s = await startServer({ args: ["-c", MODULES] });
    const t0 = performance.now();
    // slow_action waits wait_ms; `timeout` (seconds) lifts its deadline to 7 s.
    const reply = postRaw(`${s.url}/query`, JSON.stringify({ module: "slow_action", data: {}, params: { wait_ms: 4000 }, timeout: 8 }));
    await new Promise((r) => setTimeout(r, 500));
    const exited = s.stop(20_000);
    await new Promise((r) => setTimeout(r, 300));
    expect(await refused(s.port)).toBe(true);
    const r = await reply;
    const took = performance.now() - t0;
    expect(r).toMatchObject({ status: 200, body: { data: true } });
    expect(took).toBeGreaterThan(3900);
    expect(took).toBeLessThan(4000 + SLACK_MS);
    expect(await exited).toBe(0);
  });

  it("a query that would outlast the grace gets a 200 error naming the module and the grace before the process exits", async () => {
    const s = await startServer({ args: ["-c", MODULES], env: { MISP_MODULES_SHUTDOWN_GRACE_MS: "1000" } });
    const t0 = performance.now();
    const reply = postRaw(`${s.url}/query`, JSON.stringify({ module: "slow_action", data: {}, params: { wait_ms: 20_000 }, timeout: 30 }));
    await new Promise((r) => setTimeout(r, 500));
    const exited = s.stop(20_000);
    const r = await reply;
    const took = performance.now() - t0;
    expect(r).toEqual({
      status: 200,
      body: { error: "slow_action: the server is shutting down and the query did not finish within the shutdown grace of 1000 ms" },
      text: expect.any(String),
    });
    expect(took).toBeGreaterThan(1400);
    expect(took).toBeLessThan(1500 + SLACK_MS);
    expect(await exited).toBe(0);
    expect(s.logs().some((l) => l.msg === "shutdown grace over: answering the queries still running with an error")).toBe(true);
  });

  it("a stalled upload does not hold up the exit beyond the grace", async () => {
    const s = await startServer({
      args: ["-c", MODULES],
      env: { MISP_MODULES_SHUTDOWN_GRACE_MS: "1000", MISP_MODULES_BODY_IDLE_TIMEOUT_MS: "60000" },
    });
    // A half-sent upload that would otherwise keep its connection open for a minute.
    const stalled = connect(s.port, "127.0.0.1");
    stalled.on("error", () => undefined);
    stalled.write("POST /query HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{");
    const t0 = performance.now();
    const exited = (async () => {
      await new Promise((r) => setTimeout(r, 300));
      return s.stop(20_000);
    })();
    expect(await exited).toBe(0);
    expect(performance.now() - t0).toBeLessThan(1300 + SLACK_MS);
    stalled.destroy();
  });
});
